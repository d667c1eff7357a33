"""Amending, replacing and retiring a policy, each through a consent decision: the services,
the ledger and the record, and the pages."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from circlewise.core.errors import ServiceError
from circlewise.core.feed import sentence
from circlewise.core.ledger import verify_organisation
from circlewise.core.models import LedgerEvent
from circlewise.decisions import services
from circlewise.decisions.models import BacklogItem, Decision, Policy, Proposal

from .. import factories as f


def url(name, *args):
    return reverse(f"decisions:{name}", args=["willow", *args])


def _decide(k, title="Compost rota", **kw):
    """A proposal consented by everyone in the kitchen circle."""
    proposal = services.create_proposal(
        circle=k.circle, author=k.author, title=title, driver="Food scraps pile up.",
        text=kw.pop("text", "Everyone takes a week on the compost rota."), **kw,
    )  # fmt: skip
    services.present(proposal=proposal, actor=k.author)
    round_ = services.open_consent_round(proposal=proposal, actor=k.facilitator)
    for person in k.everyone:
        services.respond(round_=round_, user=person, answer="consent")
    proposal.refresh_from_db()
    return proposal


def _policy(k, title="Compost rota"):
    return _decide(k, title).decision.policy


# Services ----------------------------------------------------------------------------------


def test_amending_makes_a_new_version_of_the_same_policy(kitchen, world):
    k = kitchen
    policy = _policy(k)
    proposal = _decide(k, "Compost rota (winter)", amends=policy, policy_action="amend")
    policy.refresh_from_db()
    assert proposal.policy_action == "amend"
    assert proposal.decision.policy == policy
    assert policy.title == "Compost rota (winter)"
    assert policy.status() == Policy.Status.ACTIVE
    assert policy.decisions.count() == 2
    record = proposal.decision.record
    assert (record["policy_action"], record["policy_target"]) == ("amend", policy.pk)
    assert record["policy"] == policy.pk
    assert services.record_from_ledger(proposal) == record


def test_a_target_without_an_action_amends_it(kitchen):
    k = kitchen
    policy = _policy(k)
    proposal = services.create_proposal(
        circle=k.circle, author=k.author, title="T", driver="D", text="T", amends=policy
    )
    assert proposal.policy_action == "amend"


def test_replacing_supersedes_the_old_policy_with_a_new_one(kitchen, world):
    k = kitchen
    old = _policy(k)
    review = services.call_early_review(policy=old, actor=k.others[0], reason="It is not working.")
    proposal = _decide(k, "Compost by the council", amends=old, policy_action="replace")
    old.refresh_from_db()
    new = proposal.decision.policy
    # a new policy in its place; the old one superseded, with a link to its successor
    assert new is not None and new.pk != old.pk
    assert new.title == "Compost by the council"
    assert new.status() == Policy.Status.ACTIVE
    assert old.superseded_by == new
    assert old.ended_by == proposal.decision
    assert old.status() == Policy.Status.SUPERSEDED
    assert old.title == "Compost rota" and old.decisions.count() == 1  # its history is kept
    # off the active register, still found as superseded
    assert not Policy.objects.filter(services_status("active")).filter(pk=old.pk).exists()
    assert Policy.objects.filter(services_status("superseded")).filter(pk=old.pk).exists()
    # its review item is settled
    review.refresh_from_db()
    assert review.status == BacklogItem.Status.DONE
    # the ledger says what happened, the record says so too, and the ledger reproduces it
    verbs = [
        e.verb for e in LedgerEvent.objects.filter(organisation=world.org).order_by("sequence")
    ]
    assert "policy.superseded" in verbs
    superseded = LedgerEvent.objects.get(organisation=world.org, verb="policy.superseded")
    assert superseded.payload["action"] == "replace"
    assert superseded.payload["superseded_by"] == new.pk
    assert "with “Compost by the council”, by consent" in sentence(superseded).text
    decided = LedgerEvent.objects.get(
        organisation=world.org, verb="proposal.decided", payload__proposal=proposal.pk
    )
    assert decided.payload["policy_action"] == "replace"
    assert decided.payload["target"] == old.pk
    assert "replaces the policy “Compost rota”" in sentence(decided).text
    record = proposal.decision.record
    assert (record["policy_action"], record["policy_target"], record["policy"]) == (
        "replace", old.pk, new.pk,
    )  # fmt: skip
    assert services.record_from_ledger(proposal) == record
    assert verify_organisation(world.org).ok


def services_status(status):
    from circlewise.decisions.selectors import policy_status_filter

    return policy_status_filter(status, timezone.localdate())


def test_retiring_ends_the_policy_and_sets_none(kitchen, world):
    k = kitchen
    old = _policy(k)
    count = Policy.objects.count()
    proposal = _decide(k, "Retire the compost rota", amends=old, policy_action="retire")
    old.refresh_from_db()
    assert proposal.is_policy is False
    decision = proposal.decision
    assert decision.policy is None
    assert Policy.objects.count() == count
    assert old.retired_at is not None and old.ended_by == decision
    assert old.superseded_by is None
    assert old.status() == Policy.Status.RETIRED
    assert old.current_decision.proposal != proposal  # the text that was in force stays
    assert (decision.record["policy_action"], decision.record["policy_target"]) == (
        "retire", old.pk,
    )  # fmt: skip
    assert decision.record["policy"] is None
    assert services.record_from_ledger(proposal) == decision.record
    retired = LedgerEvent.objects.get(organisation=world.org, verb="policy.retired")
    assert retired.payload["policy"] == old.pk and retired.payload["action"] == "retire"
    assert "retired the policy" in sentence(retired).text
    # a retired policy is not reviewed any more
    with pytest.raises(ServiceError, match="no longer in force"):
        services.call_early_review(policy=old, actor=k.others[0], reason="Why?")
    assert verify_organisation(world.org).ok


@pytest.mark.parametrize("action", ["replace", "retire"])
def test_replace_and_retire_need_a_target(kitchen, action):
    k = kitchen
    with pytest.raises(ServiceError) as refused:
        services.create_proposal(
            circle=k.circle, author=k.author, title="T", driver="D", text="T",
            policy_action=action,
        )  # fmt: skip
    assert refused.value.field == "amends"
    assert "Choose the policy" in refused.value.text


def test_an_unknown_action_is_refused(kitchen):
    k = kitchen
    policy = _policy(k)
    with pytest.raises(ServiceError) as refused:
        services.create_proposal(
            circle=k.circle, author=k.author, title="T", driver="D", text="T", amends=policy,
            policy_action="burn",
        )  # fmt: skip
    assert refused.value.field == "policy_action"


def test_a_target_of_another_circle_is_refused(kitchen, world):
    k = kitchen
    policy = _policy(k)
    f.add(world.garden, k.author)
    with pytest.raises(ServiceError) as refused:
        services.create_proposal(
            circle=world.garden, author=k.author, title="T", driver="D", text="T",
            amends=policy, policy_action="replace",
        )  # fmt: skip
    assert refused.value.field == "amends"
    assert "own circle" in refused.value.text


@pytest.mark.parametrize("ended_how", ["replace", "retire"])
@pytest.mark.parametrize("action", ["amend", "replace", "retire"])
def test_a_policy_no_longer_in_force_cannot_be_targeted(kitchen, ended_how, action):
    k = kitchen
    old = _policy(k)
    _decide(k, "Ends it", amends=old, policy_action=ended_how)
    old.refresh_from_db()
    with pytest.raises(ServiceError) as refused:
        services.create_proposal(
            circle=k.circle, author=k.author, title="T", driver="D", text="T", amends=old,
            policy_action=action,
        )  # fmt: skip
    assert refused.value.field == "amends"
    assert "no longer in force" in refused.value.text


def test_a_target_ended_while_a_proposal_waits_stops_its_round(kitchen):
    k = kitchen
    old = _policy(k)
    waiting = services.create_proposal(
        circle=k.circle, author=k.author, title="Amend it", driver="D", text="T", amends=old
    )
    services.present(proposal=waiting, actor=k.author)
    _decide(k, "Retire it", amends=old, policy_action="retire")
    with pytest.raises(ServiceError, match="no longer in force") as refused:
        services.open_consent_round(proposal=waiting, actor=k.facilitator)
    assert refused.value.status == 409


def test_a_draft_changes_its_target_and_action(kitchen):
    k = kitchen
    policy = _policy(k)
    proposal = services.create_proposal(
        circle=k.circle, author=k.author, title="T", driver="D", text="T"
    )
    services.update_draft(proposal=proposal, actor=k.author, amends=policy, policy_action="retire")
    proposal.refresh_from_db()
    assert (proposal.amends, proposal.policy_action, proposal.is_policy) == (
        policy, "retire", False,
    )  # fmt: skip
    with pytest.raises(ServiceError) as refused:
        services.update_draft(proposal=proposal, actor=k.author, policy_action="burn")
    assert refused.value.field == "policy_action"
    with pytest.raises(ServiceError) as refused:
        services.update_draft(
            proposal=proposal, actor=k.author, amends=None, policy_action="replace"
        )
    # without a target, a replacement has nothing to replace
    assert refused.value.field == "amends"
    # leaving the target out leaves a proposal that sets a rule of its own
    services.update_draft(proposal=proposal, actor=k.author, amends=None)
    proposal.refresh_from_db()
    assert (proposal.amends, proposal.policy_action, proposal.is_policy) == (None, "", True)


def test_a_late_objection_to_a_lazy_replacement_puts_the_old_policy_back(kitchen, world):
    k = kitchen
    old = _policy(k)
    services.update_settings(circle=k.circle, actor=world.admin, absentee_policy="lazy")
    proposal = services.create_proposal(
        circle=k.circle, author=k.author, title="New rota", driver="D", text="T", amends=old,
        policy_action="replace",
    )  # fmt: skip
    services.present(proposal=proposal, actor=k.author, mode=Proposal.Mode.LIVE)
    round_ = services.open_consent_round(proposal=proposal, actor=k.facilitator)
    for person in k.everyone[:-1]:
        services.respond(round_=round_, user=person, answer="consent")
    services.close_round(round_=round_, actor=k.facilitator, reason="The meeting ends.")
    old.refresh_from_db()
    assert old.status() == Policy.Status.SUPERSEDED
    services.respond(round_=round_, user=k.everyone[-1], answer="objection", reason="No.")
    old.refresh_from_db()
    new = Decision.objects.get(proposal=proposal).policy
    assert old.status() != Policy.Status.SUPERSEDED and old.ended_by is None
    assert new.status() == Policy.Status.RETIRED
    reopened = LedgerEvent.objects.get(organisation=world.org, verb="proposal.reopened")
    assert reopened.payload["restored_policies"] == [old.pk]


# Pages -------------------------------------------------------------------------------------


def test_members_see_three_ways_to_change_a_policy_others_none(client, kitchen, world):
    k = kitchen
    policy = _policy(k)
    client.force_login(k.others[0])
    page = client.get(url("policy_detail", policy.pk)).content.decode()
    create = reverse("decisions:proposal_create", args=["willow", k.circle.slug])
    for action, label in (
        ("amend", "Propose a change"),
        ("replace", "Propose a replacement"),
        ("retire", "Propose to retire it"),
    ):
        assert label in page
        assert f"{create}?amends={policy.pk}&amp;action={action}" in page
    client.force_login(world.member)  # in the organisation, not in the circle
    page = client.get(url("policy_detail", policy.pk)).content.decode()
    assert page.count("Propose a") == 0
    assert "Propose to retire it" not in page


def test_the_form_opens_with_the_target_and_action_set(client, kitchen):
    k = kitchen
    policy = _policy(k)
    client.force_login(k.author)
    create = reverse("decisions:proposal_create", args=["willow", k.circle.slug])
    response = client.get(f"{create}?amends={policy.pk}&action=replace")
    form = response.context["form"]
    assert form.initial["amends"] == policy.pk
    assert form.initial["policy_action"] == "replace"
    assert "This proposal replaces the policy" in response.content.decode()
    # and saving it makes a draft that replaces the policy
    response = client.post(
        create,
        {"title": "New rota", "driver": "D", "text": "T", "is_policy": "on",
         "amends": policy.pk, "policy_action": "retire"},
    )  # fmt: skip
    assert response.status_code == 302
    draft = Proposal.objects.get(versions__title="New rota")
    assert (draft.amends_id, draft.policy_action, draft.is_policy) == (policy.pk, "retire", False)
    page = client.get(url("proposal_detail", draft.pk)).content.decode()
    assert "Retires the policy" in page and "retires a policy" in page


def test_a_superseded_policy_links_its_successor_and_back(client, kitchen):
    k = kitchen
    old = _policy(k)
    proposal = _decide(k, "Council compost", amends=old, policy_action="replace")
    new = proposal.decision.policy
    client.force_login(k.others[0])
    page = client.get(url("policy_detail", old.pk)).content.decode()
    assert "Superseded by" in page and url("policy_detail", new.pk) in page
    assert url("decision_detail", proposal.decision.pk) in page
    assert "Propose a change" not in page  # not in force: nothing to change
    assert "Call a review" not in page
    successor = client.get(url("policy_detail", new.pk)).content.decode()
    assert "This policy replaced" in successor and url("policy_detail", old.pk) in successor
    assert "Propose a change" in successor
    record = client.get(url("decision_detail", proposal.decision.pk)).content.decode()
    assert "This decision replaced the policy" in record
    assert url("policy_detail", old.pk) in record
    proposal_page = client.get(url("proposal_detail", proposal.pk)).content.decode()
    assert "Replaces the policy" in proposal_page
    register = client.get(url("policy_register") + "?status=superseded").content.decode()
    assert "Compost rota" in register and "Council compost" not in register


def test_a_retired_policy_says_when_and_by_which_decision(client, kitchen):
    k = kitchen
    old = _policy(k)
    proposal = _decide(k, "Retire the rota", amends=old, policy_action="retire")
    old.refresh_from_db()
    client.force_login(k.others[0])
    page = client.get(url("policy_detail", old.pk)).content.decode()
    date = timezone.localtime(old.retired_at).strftime("%-d %b %Y")
    assert f"Retired on {date} by the decision" in page
    assert url("decision_detail", proposal.decision.pk) in page
    assert "Retire the rota" in page
    assert "Propose to retire it" not in page
    record = client.get(url("decision_detail", proposal.decision.pk)).content.decode()
    assert "This decision retired the policy" in record
    register = client.get(url("policy_register") + "?status=retired").content.decode()
    assert "Compost rota" in register


def test_the_policy_page_does_not_grow_with_its_history(
    client, kitchen, django_assert_max_num_queries
):
    k = kitchen
    old = _policy(k)
    new = _decide(k, "Council compost", amends=old, policy_action="replace").decision.policy
    client.force_login(k.others[0])
    path = url("policy_detail", new.pk)
    client.get(path)
    with django_assert_max_num_queries(POLICY_BUDGET) as small:
        assert client.get(path).status_code == 200
    for n in range(3):
        _decide(k, f"Council compost {n}", amends=new, policy_action="amend")
    with django_assert_max_num_queries(POLICY_BUDGET) as big:
        assert client.get(path).status_code == 200
    assert len(big.captured_queries) == len(small.captured_queries)


POLICY_BUDGET = 10  # 8 measured, whatever the length of its history


@pytest.mark.parametrize(
    ("action", "ticked"), [("amend", True), ("replace", True), ("retire", False)]
)
def test_the_policy_box_shows_what_will_be_saved(client, kitchen, action, ticked):
    """Retiring a policy sets no rule of its own: its form opens with the box unticked."""
    k = kitchen
    policy = _policy(k)
    client.force_login(k.author)
    create = reverse("decisions:proposal_create", args=["willow", k.circle.slug])
    response = client.get(f"{create}?amends={policy.pk}&action={action}")
    assert response.context["form"]["is_policy"].value() is ticked
