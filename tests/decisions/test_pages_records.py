"""Decision records, the policy register, the backlog, the circle's settings and "needs me"."""

from __future__ import annotations

import datetime as dt
import zoneinfo

from django.urls import reverse
from django.utils import timezone

from circlewise.core.models import LedgerEvent
from circlewise.decisions import services
from circlewise.decisions.models import BacklogItem, CircleDecisionSettings, Objection, Policy

from .. import factories as f


def events(org):
    return LedgerEvent.objects.filter(organisation=org).count()


def last_verb(org):
    return LedgerEvent.objects.filter(organisation=org).order_by("-sequence").first().verb


def url(name, *args):
    return reverse(f"decisions:{name}", args=["willow", *args])


def decided(k, title="Compost rota", *, objection=False, review_on=None):
    proposal = services.create_proposal(
        circle=k.circle, author=k.author, title=title, driver="Food scraps pile up.",
        text="Everyone takes a week on the compost rota.", review_on=review_on,
    )  # fmt: skip
    services.present(proposal=proposal, actor=k.author)
    r = services.open_consent_round(proposal=proposal, actor=k.facilitator)
    if objection:
        services.respond(round_=r, user=k.others[0], answer="objection", reason="Too long alone.")
        for person in [k.facilitator, k.author, *k.others[1:]]:
            services.respond(round_=r, user=person, answer="consent")
        o = Objection.objects.get(proposal=proposal)
        services.state_back(objection=o, actor=k.author, text="A week alone is heavy.")
        services.confirm_heard(objection=o, objector=k.others[0])
        services.revise(
            proposal=proposal, actor=k.facilitator, change_note="Pairs.", text="Pairs.",
            integrations={o.pk: "People work in pairs."},
            measures_to_add=[("Weeks missed", "More than one", k.others[0])],
        )  # fmt: skip
        r = services.open_consent_round(proposal=proposal, actor=k.facilitator)
    for person in k.everyone:
        services.respond(round_=r, user=person, answer="consent")
    proposal.refresh_from_db()
    return proposal


# The decision record -----------------------------------------------------------------------


def test_the_record_shows_every_answer_the_objection_and_the_ledger_event(client, kitchen, world):
    k = kitchen
    proposal = decided(k, objection=True)
    decision = proposal.decision
    k.others[1].timezone = "Pacific/Auckland"
    k.others[1].save(update_fields=["timezone"])
    client.force_login(k.others[1])
    page = client.get(url("decision_detail", decision.pk)).content.decode()
    for person in k.everyone:
        assert person.name in page
    assert "People work in pairs." in page
    assert "objector confirmed being heard" in page
    assert "Weeks missed" in page
    assert decision.ledger_hash in page and f"#{decision.ledger_sequence}" in page
    # answer times in the viewer's time zone
    answer = decision.consent_round.responses.get(user=k.author)
    local = timezone.localtime(answer.created_at, zoneinfo.ZoneInfo("Pacific/Auckland"))
    assert local.strftime("%H:%M") in page
    assert url("policy_detail", decision.policy_id) in page
    # never editable: the page holds no form
    assert "<form" not in page.split('<main id="main"')[1]


def test_a_decision_in_a_private_circle_is_404_to_non_members(client, world):
    people = [world.circle_member, *(f.join(world.org) for _ in range(2))]
    f.add(world.care, *people[1:])
    f.give_role(world.care, "facilitator", people[1])
    proposal = services.create_proposal(
        circle=world.care, author=people[0], title="Night rota", driver="d", text="t"
    )
    services.present(proposal=proposal, actor=people[0])
    r = services.open_consent_round(proposal=proposal, actor=people[1])
    for person in people:
        services.respond(round_=r, user=person, answer="consent")
    proposal.refresh_from_db()
    for person in (world.member, world.outsider):
        client.force_login(person)
        assert client.get(url("decision_detail", proposal.decision.pk)).status_code == 404
        assert client.get(url("policy_detail", proposal.decision.policy_id)).status_code == 404
    client.force_login(world.member)
    assert "Night rota" not in client.get(url("policy_register")).content.decode()


# Policies ----------------------------------------------------------------------------------


def test_the_register_filters_by_circle_and_status(client, kitchen, world):
    k = kitchen
    decided(k, "Compost rota")
    decided(k, "Seed budget", review_on=timezone.localdate() + dt.timedelta(days=9))
    client.force_login(world.member)
    page = client.get(url("policy_register")).content.decode()
    assert "Compost rota" in page and "Seed budget" in page
    assert "Review due" in page and "Active" in page
    page = client.get(url("policy_register") + "?status=review_due").content.decode()
    assert "Seed budget" in page and "Compost rota" not in page
    page = client.get(url("policy_register") + "?circle=garden").content.decode()
    assert "Seed budget" not in page and "No policy matches." in page


def test_a_member_calls_an_early_review_and_it_lands_on_the_backlog(client, kitchen, world):
    k = kitchen
    policy = decided(k).decision.policy
    client.force_login(k.others[2])
    page = client.get(url("policy_detail", policy.pk)).content.decode()
    assert "Call an early review" in page and "stays in force" in page
    response = client.post(url("policy_review", policy.pk), {"reason": "Winter is different."})
    assert response.status_code == 302
    item = BacklogItem.objects.get(policy=policy, source="early_review")
    assert item.description == "Winter is different."
    assert last_verb(world.org) == "policy.review_called"


def test_withdrawing_consent_keeps_the_policy_in_force(client, kitchen, world):
    k = kitchen
    policy = decided(k).decision.policy
    client.force_login(k.others[2])
    client.post(url("policy_withdraw_consent", policy.pk), {"reason": "I cannot do it."})
    policy.refresh_from_db()
    assert policy.status() == Policy.Status.ACTIVE
    assert BacklogItem.objects.filter(policy=policy, source="consent_withdrawn").exists()


def test_a_review_without_a_reason_shows_the_message_and_changes_nothing(client, kitchen, world):
    k = kitchen
    policy = decided(k).decision.policy
    before = events(world.org)
    client.force_login(k.others[2])
    response = client.post(url("policy_review", policy.pk), {"reason": ""})
    assert response.status_code == 400
    assert "Say why the policy should be reviewed now." in response.content.decode()
    assert events(world.org) == before


def test_only_circle_members_act_on_a_policy(client, kitchen, world):
    policy = decided(kitchen).decision.policy
    client.force_login(world.member)
    page = client.get(url("policy_detail", policy.pk)).content.decode()
    assert "Call an early review" not in page
    assert client.post(url("policy_review", policy.pk), {"reason": "x"}).status_code == 403
    assert (
        client.post(url("policy_withdraw_consent", policy.pk), {"reason": "x"}).status_code == 403
    )
    client.force_login(world.outsider)
    assert client.get(url("policy_detail", policy.pk)).status_code == 404
    assert client.get(url("policy_register")).status_code == 404


# The backlog -------------------------------------------------------------------------------


def test_a_member_adds_to_the_backlog_and_closes_an_item(client, kitchen, world):
    k = kitchen
    backlog = url("backlog", k.circle.slug)
    client.force_login(k.others[0])
    response = client.post(
        url("backlog_add", k.circle.slug),
        {"topic": "Knife sharpening", "description": "", "desired_outcome": "explore",
         "owner": k.others[1].pk, "due_on": ""},
    )  # fmt: skip
    assert response.status_code == 302 and response.url == backlog
    item = BacklogItem.objects.get(topic="Knife sharpening")
    assert item.owner == k.others[1] and item.source == "member"
    assert last_verb(world.org) == "backlog.item_added"
    page = client.get(backlog).content.decode()
    assert "Knife sharpening" in page and k.others[1].name in page
    client.post(url("backlog_close", item.pk), {"status": "done"})
    item.refresh_from_db()
    assert item.status == "done"
    assert last_verb(world.org) == "backlog.item_closed"


def test_a_member_of_another_circle_raises_a_topic_with_this_circle(client, kitchen, world):
    client.force_login(world.facilitator)  # Garden's facilitator
    page = client.get(url("backlog_add", kitchen.circle.slug)).content.decode()
    assert "Raise a topic with <bdi>Kitchen</bdi>" in page and 'name="owner"' not in page
    client.post(url("backlog_add", kitchen.circle.slug), {"topic": "Share compost?",
                                                          "desired_outcome": "explore"})  # fmt: skip
    item = BacklogItem.objects.get(topic="Share compost?")
    assert item.source == "other_circle" and item.raised_from == world.garden
    # but cannot close the circle's items
    assert client.post(url("backlog_close", item.pk)).status_code == 403


def test_an_empty_topic_shows_the_message_and_adds_nothing(client, kitchen, world):
    client.force_login(kitchen.others[0])
    response = client.post(url("backlog_add", kitchen.circle.slug), {"topic": ""})
    assert response.status_code == 400
    assert "Give the item a topic." in response.content.decode()
    assert not BacklogItem.objects.exists()


def test_an_outsider_gets_404_on_the_backlog(client, kitchen, world):
    item = services.add_backlog_item(circle=kitchen.circle, actor=kitchen.others[0], topic="T")
    client.force_login(world.outsider)
    assert client.get(url("backlog", kitchen.circle.slug)).status_code == 404
    assert client.post(url("backlog_close", item.pk)).status_code == 404
    client.force_login(world.member)
    assert client.get(url("backlog", world.care.slug)).status_code == 404


# Settings ----------------------------------------------------------------------------------


def test_the_facilitator_changes_how_the_circle_decides(client, kitchen, world):
    client.force_login(kitchen.facilitator)
    address = url("decision_settings", kitchen.circle.slug)
    assert client.get(address).status_code == 200
    response = client.post(
        address,
        {"default_review_months": 6, "synthesis_by": "author", "allow_concerns": "on",
         "absentee_policy": "lazy", "lazy_consent_hours": 24, "clarifying_days": 2,
         "reactions_days": 4, "consent_days": 7},
    )  # fmt: skip
    assert response.status_code == 302
    settings = CircleDecisionSettings.objects.get(circle=kitchen.circle)
    assert settings.allow_concerns and settings.default_review_months == 6
    assert (settings.clarifying_days, settings.reactions_days, settings.consent_days) == (2, 4, 7)
    assert last_verb(world.org) == "decisions.settings_changed"


def test_members_who_are_not_stewards_cannot_change_settings(client, kitchen, world):
    address = url("decision_settings", kitchen.circle.slug)
    client.force_login(kitchen.others[0])
    assert client.get(address).status_code == 403
    assert client.post(address, {"default_review_months": 1}).status_code == 403
    client.force_login(world.outsider)
    assert client.get(address).status_code == 404
    assert not CircleDecisionSettings.objects.exists()


# What needs me -----------------------------------------------------------------------------


def test_needs_me_lists_my_round_and_my_objection_to_confirm(client, kitchen, world):
    k = kitchen
    waiting = services.create_proposal(
        circle=k.circle, author=k.author, title="Hen house", driver="d", text="t"
    )
    services.present(proposal=waiting, actor=k.author)
    services.open_consent_round(proposal=waiting, actor=k.facilitator)
    other = services.create_proposal(
        circle=k.circle, author=k.author, title="Quiet hours", driver="d", text="t"
    )
    services.present(proposal=other, actor=k.author)
    r = services.open_consent_round(proposal=other, actor=k.facilitator)
    services.respond(round_=r, user=k.others[0], answer="objection", reason="Dances.")
    for person in [k.facilitator, k.author, *k.others[1:]]:
        services.respond(round_=r, user=person, answer="consent")
    services.state_back(
        objection=Objection.objects.get(proposal=other), actor=k.author, text="No dances."
    )
    services.add_backlog_item(circle=k.circle, actor=k.author, topic="Knife sharpening")
    client.force_login(k.others[0])
    page = client.get(url("needs_me")).content.decode()
    assert "Hen house" in page and "Consent rounds waiting for your answer" in page
    assert "Your objections, stated back to you" in page and "No dances." in page
    assert "Knife sharpening" in page
    client.force_login(world.member)
    page = client.get(url("needs_me")).content.decode()
    assert "Nothing needs you right now." in page and "Hen house" not in page
    client.force_login(world.outsider)
    assert client.get(url("needs_me")).status_code == 404


def test_the_org_home_and_circle_page_link_the_consent_pages(client, kitchen, world):
    client.force_login(kitchen.others[0])
    home = client.get(reverse("circles:org_home", args=["willow"])).content.decode()
    assert url("needs_me") in home and url("policy_register") in home
    circle = client.get(
        reverse("circles:circle_detail", args=["willow", kitchen.circle.slug])
    ).content.decode()
    assert url("circle_proposals", kitchen.circle.slug) in circle
    assert url("backlog", kitchen.circle.slug) in circle


def test_closing_a_closed_item_again_shows_why_and_changes_nothing(client, kitchen, world):
    item = services.add_backlog_item(circle=kitchen.circle, actor=kitchen.others[0], topic="T")
    services.close_backlog_item(item=item, actor=kitchen.others[0])
    before = events(world.org)
    client.force_login(kitchen.others[1])
    response = client.post(url("backlog_close", item.pk), {"status": "dropped"})
    assert response.status_code == 409
    assert "This item is already closed." in response.content.decode()
    item.refresh_from_db()
    assert item.status == "done" and events(world.org) == before
