"""The pages that draft, present and show a proposal."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse
from django.utils import timezone

from circlewise.core.models import LedgerEvent
from circlewise.decisions import services
from circlewise.decisions.models import Proposal

from .. import factories as f


def last_verb(org):
    return LedgerEvent.objects.filter(organisation=org).order_by("-sequence").first().verb


def detail(p):
    return reverse("decisions:proposal_detail", args=[p.circle.organisation.slug, p.pk])


def draft(k, **kw):
    return services.create_proposal(
        circle=k.circle,
        author=k.author,
        title=kw.pop("title", "Compost rota"),
        driver="Food scraps pile up.",
        text="Everyone takes a **week** on the compost rota.",
        **kw,
    )


def create_url(circle):
    return reverse("decisions:proposal_create", args=[circle.organisation.slug, circle.slug])


def list_url(circle):
    return reverse("decisions:circle_proposals", args=[circle.organisation.slug, circle.slug])


# Drafting ----------------------------------------------------------------------------------


def test_a_member_drafts_a_proposal_that_only_they_can_see(client, kitchen, world):
    k = kitchen
    # given a member of the circle on the new-proposal page
    client.force_login(k.author)
    page = client.get(create_url(k.circle)).content.decode()
    assert 'name="driver"' in page and 'name="is_policy"' in page
    # when they send the form
    response = client.post(
        create_url(k.circle),
        {"title": "Compost rota", "driver": "Scraps pile up.", "text": "A rota.", "aim": "",
         "review_on": "", "measures": "", "feedback_channel": "", "is_policy": "on"},
    )  # fmt: skip
    # then a draft exists, the ledger says so, and they land on it
    proposal = Proposal.objects.get(circle=k.circle)
    assert proposal.state == Proposal.State.DRAFT
    assert last_verb(world.org) == "proposal.drafted"
    assert response.status_code == 302 and response.url == detail(proposal)
    # and it is a 404 for every other member
    client.force_login(k.others[0])
    assert client.get(detail(proposal)).status_code == 404
    assert client.get(list_url(k.circle)).content.decode().count("Compost rota") == 0


def test_the_create_form_shows_a_bad_review_date_and_creates_nothing(client, kitchen):
    k = kitchen
    client.force_login(k.author)
    yesterday = (timezone.localdate() - dt.timedelta(days=1)).isoformat()
    response = client.post(
        create_url(k.circle),
        {"title": "T", "driver": "D", "text": "X", "review_on": yesterday},
    )
    assert response.status_code == 400
    assert "The review date must be in the future." in response.content.decode()
    assert not Proposal.objects.exists()


def test_a_missing_driver_is_shown_beside_its_field(client, kitchen):
    client.force_login(kitchen.author)
    response = client.post(create_url(kitchen.circle), {"title": "T", "driver": "", "text": "X"})
    assert response.status_code == 400
    assert "Say what need or tension this proposal answers." in response.content.decode()
    assert not Proposal.objects.exists()


def test_an_org_member_outside_the_circle_cannot_propose_there(client, kitchen, world):
    client.force_login(world.member)
    assert client.get(create_url(kitchen.circle)).status_code == 403
    assert client.post(create_url(kitchen.circle), {"title": "T"}).status_code == 403
    assert not Proposal.objects.exists()


def test_an_outsider_gets_404_on_a_circles_proposals(client, kitchen, world):
    client.force_login(world.outsider)
    assert client.get(list_url(kitchen.circle)).status_code == 404
    assert client.get(create_url(kitchen.circle)).status_code == 404


def test_anonymous_people_are_sent_to_sign_in(client, kitchen):
    response = client.get(list_url(kitchen.circle))
    assert response.status_code == 302 and "login" in response.url


def test_only_the_author_edits_a_draft(client, kitchen, world):
    k = kitchen
    proposal = draft(k)
    url = reverse("decisions:proposal_edit", args=[world.org.slug, proposal.pk])
    client.force_login(k.facilitator)
    assert client.post(url, {"title": "Hijack", "driver": "d", "text": "t"}).status_code == 404
    client.force_login(k.author)
    response = client.post(url, {"title": "Compost pairs", "driver": "d", "text": "t"})
    assert response.status_code == 302
    assert proposal.current_version.title == "Compost pairs"
    assert last_verb(world.org) == "proposal.draft_updated"


def test_presenting_a_draft_opens_clarifying_questions(client, kitchen, world):
    k = kitchen
    proposal = draft(k)
    client.force_login(k.author)
    page = client.get(detail(proposal)).content.decode()
    assert "Present to the circle" in page
    response = client.post(
        reverse("decisions:proposal_present", args=[world.org.slug, proposal.pk]),
        {"mode": "async"},
    )
    assert response.status_code == 302
    proposal.refresh_from_db()
    assert proposal.state == Proposal.State.CLARIFYING
    assert last_verb(world.org) == "proposal.presented"


def test_a_presented_proposal_cannot_be_edited(client, kitchen, world):
    k = kitchen
    proposal = draft(k)
    services.present(proposal=proposal, actor=k.author)
    client.force_login(k.author)
    url = reverse("decisions:proposal_edit", args=[world.org.slug, proposal.pk])
    assert client.get(url).status_code == 403


# The list and the central page -------------------------------------------------------------


def test_the_list_shows_open_proposals_before_decided_ones(client, kitchen):
    k = kitchen
    done = draft(k, title="Seed budget")
    services.present(proposal=done, actor=k.author)
    r = services.open_consent_round(proposal=done, actor=k.facilitator)
    for person in k.everyone:
        services.respond(round_=r, user=person, answer="consent")
    open_ = draft(k, title="Hen house")
    services.present(proposal=open_, actor=k.author)
    client.force_login(k.others[1])
    page = client.get(list_url(k.circle)).content.decode()
    assert page.index("Hen house") < page.index("Seed budget")
    assert "New proposal" in page


def test_the_proposal_page_shows_the_steps_and_what_is_needed_now(client, kitchen):
    k = kitchen
    proposal = draft(k)
    services.present(proposal=proposal, actor=k.author)
    client.force_login(k.others[0])
    page = client.get(detail(proposal)).content.decode()
    # the row of steps with the current one marked
    assert page.count('aria-current="step"') == 1
    current = page.split('aria-current="step"')[1][:400]
    assert "Clarify" in current
    # what is needed from me, and the text rendered as Markdown
    assert "What is needed from you now" in page
    assert "Ask a clarifying question" in page
    assert "<strong>week</strong>" in page
    assert "Food scraps pile up." in page


def test_a_member_of_another_circle_reads_but_is_told_they_do_not_take_part(client, kitchen, world):
    k = kitchen
    proposal = draft(k)
    services.present(proposal=proposal, actor=k.author)
    client.force_login(world.member)
    page = client.get(detail(proposal)).content.decode()
    assert "the members of \u2068Kitchen\u2069 take part in it" in page
    assert 'id="ask"' not in page


def test_a_proposal_in_a_private_circle_is_404_to_non_members(client, world):
    # given a proposal in the private Care circle
    proposal = services.create_proposal(
        circle=world.care, author=world.circle_member, title="Night rota", driver="d", text="t"
    )
    services.present(proposal=proposal, actor=world.circle_member)
    for person in (world.member, world.outsider, world.facilitator):
        client.force_login(person)
        assert client.get(detail(proposal)).status_code == 404
        url = reverse("decisions:question_ask", args=[world.org.slug, proposal.pk])
        assert client.post(url, {"text": "?"}).status_code == 404
    client.force_login(world.circle_member)
    assert client.get(detail(proposal)).status_code == 200


def test_a_proposal_is_404_under_another_organisations_address(client, kitchen, world):
    proposal = draft(kitchen)
    services.present(proposal=proposal, actor=kitchen.author)
    f.join(world.other_org, kitchen.author)
    client.force_login(kitchen.author)
    url = reverse("decisions:proposal_detail", args=[world.other_org.slug, proposal.pk])
    assert client.get(url).status_code == 404


def test_versions_show_a_word_diff_in_ins_and_del(client, kitchen, world):
    k = kitchen
    proposal = draft(k)
    services.present(proposal=proposal, actor=k.author)
    services.advance(proposal=proposal, actor=k.facilitator)
    services.revise(
        proposal=proposal, actor=k.facilitator, change_note="Pairs.",
        text="Pairs take a **week** on the compost rota.",
    )  # fmt: skip
    client.force_login(k.others[0])
    url = reverse("decisions:proposal_versions", args=[world.org.slug, proposal.pk])
    page = client.get(url).content.decode()
    assert "Version 2" in page and "Version 1" in page
    assert "<del>" in page and "Everyone" in page.split("<del>")[1][:200]
    assert "<ins>" in page and "Pairs" in page.split("<ins>")[1][:200]
    assert "removed:" in page and "added:" in page
    client.force_login(world.outsider)
    assert client.get(url).status_code == 404
