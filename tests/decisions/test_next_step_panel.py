"""One next-step panel, at the top of the proposal page, per person and state (issue 10, item
13). selectors.next_step decides it, and the same function feeds the API's `my_next_action` and
"what needs me": for each case below the panel, the API and needs-me name the same step for the
author, the facilitator, a member and the secretary, and the panel's button does it."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from circlewise.decisions import services
from circlewise.decisions.models import ConsentRound, Contribution, Objection, Proposal

from .. import factories as f
from ..api.conftest import ApiClient

NOT_LISTED = ("wait", "follow")


def url(name, *args):
    return reverse(f"decisions:{name}", args=["willow", *args])


@pytest.fixture
def crew(kitchen):
    """The kitchen, with Dara its secretary."""
    f.give_role(kitchen.circle, "secretary", kitchen.others[2])
    return kitchen


def people(k):
    return {
        "author": k.author,
        "facilitator": k.facilitator,
        "member": k.others[1],
        "secretary": k.others[2],
    }


def presented(k):
    proposal = services.create_proposal(
        circle=k.circle, author=k.author, title="Compost rota", driver="Food scraps pile up.",
        text="Everyone takes a week on the compost rota.",
    )  # fmt: skip
    services.present(proposal=proposal, actor=k.author)
    return proposal


def panel(client, person, proposal):
    """The kind the panel names, and the panel's HTML; the panel comes before the text."""
    client.force_login(person)
    page = client.get(url("proposal_detail", proposal.pk)).content.decode()
    start = page.index('id="now"')
    assert start < page.index('id="text-heading"'), "the panel is not at the top"
    html = page[start : page.index("</section>", start)]
    kind = re.search(r'data-need="([a-z_]*)"', html)
    assert kind is not None
    return kind.group(1), html


def needs_me_kinds(client, person, proposal):
    """What the needs-me page and the API's needs-me say for this proposal (None: not listed)."""
    client.force_login(person)
    page = client.get(url("needs_me")).content.decode()
    found = re.search(rf'data-proposal="{proposal.pk}" data-need="([a-z_]*)"', page)
    on_page = found.group(1) if found else None
    body = ApiClient(Client()).get("/organisations/willow/needs-me", as_=person).body
    in_api = next(
        (p["next_action"]["action"] for p in body["proposals"] if p["id"] == proposal.pk), None
    )
    if any(r["proposal_id"] == proposal.pk for r in body["rounds"]):
        in_api = in_api or "answer_round"
    if any(o["proposal_id"] == proposal.pk for o in body["objections_to_confirm"]):
        in_api = in_api or "confirm_objection"
    return on_page, in_api


def agree(client, k, proposal, expected):
    """For each person: the panel, the API's next action and needs-me name `expected[role]`."""
    panels = {}
    for role, person in people(k).items():
        kind, html = panel(client, person, proposal)
        api = ApiClient(Client()).get(f"/proposals/{proposal.pk}", as_=person).body
        listed = None if expected[role] in NOT_LISTED else expected[role]
        assert (role, kind, api["my_next_action"]["action"]) == (
            role,
            expected[role],
            expected[role],
        )
        assert needs_me_kinds(client, person, proposal) == (listed, listed), role
        panels[role] = html
    return panels


def open_round_form(html, proposal):
    """The panel's own form that opens the consent round: its action and the version it names."""
    form = re.search(r'<form[^>]*action="([^"]+)"[^>]*>(.*?)</form>', html, re.S)
    assert form is not None, html
    assert form.group(1) == url("round_open", proposal.pk)
    version = re.search(r'name="version" value="(\d+)"', form.group(2))
    assert version is not None and 'name="subject" value="proposal"' in form.group(2)
    assert "Open the consent round" in form.group(2)
    return int(version.group(1))


# (a) a new version integrates every objection ----------------------------------------------


def test_after_a_version_integrates_every_objection_the_panel_opens_the_round_on_it(client, crew):
    k = crew
    proposal = presented(k)
    round_ = services.open_consent_round(proposal=proposal, actor=k.facilitator)
    services.respond(round_=round_, user=k.others[0], answer="objection", reason="Too long alone.")
    for person in [k.facilitator, k.author, *k.others[1:]]:
        services.respond(round_=round_, user=person, answer="consent")
    objection = Objection.objects.get(proposal=proposal)
    services.state_back(objection=objection, actor=k.facilitator, text="A week alone is long.")
    services.confirm_heard(objection=objection, objector=k.others[0])
    services.revise(
        proposal=proposal, actor=k.facilitator, change_note="In pairs.",
        text="Two people take a week each.", integrations={objection.pk: "Pairs, not alone."},
    )  # fmt: skip
    proposal.refresh_from_db()
    assert proposal.state == Proposal.State.OBJECTIONS and proposal.version_number == 2
    panels = agree(
        client, k, proposal,
        {"author": "wait", "facilitator": "open_round", "member": "wait", "secretary": "wait"},
    )  # fmt: skip
    assert "Write a new version" not in panels["facilitator"]
    assert open_round_form(panels["facilitator"], proposal) == 2
    # the button does it, on version 2
    client.force_login(k.facilitator)
    response = client.post(url("round_open", proposal.pk), {"subject": "proposal", "version": 2})
    assert response.status_code == 302
    assert ConsentRound.objects.filter(proposal=proposal).latest("pk").version_number == 2


# (b) an amendment taken up -----------------------------------------------------------------


def test_an_amendment_taken_up_is_written_in_before_the_round_opens_on_the_new_version(
    client, crew
):
    k = crew
    proposal = presented(k)
    services.advance(proposal=proposal, actor=k.facilitator)
    amendment = services.suggest_amendment(proposal=proposal, member=k.others[0], text="Pairs.")
    services.advance(proposal=proposal, actor=k.facilitator)
    services.resolve_amendment(amendment=amendment, actor=k.facilitator, accept=True)
    # taken up, not yet written in: no button opens the round on the unchanged version 1
    panels = agree(
        client, k, proposal,
        {"author": "wait", "facilitator": "revise", "member": "wait", "secretary": "wait"},
    )  # fmt: skip
    assert url("round_open", proposal.pk) not in panels["facilitator"]
    services.revise(
        proposal=proposal, actor=k.facilitator, change_note="Pairs, as Bo suggested.",
        text="Two people take a week each.",
    )  # fmt: skip
    panels = agree(
        client, k, proposal,
        {"author": "wait", "facilitator": "open_round", "member": "wait", "secretary": "wait"},
    )  # fmt: skip
    assert open_round_form(panels["facilitator"], proposal) == 2
    assert Contribution.objects.get(pk=amendment.pk).amendment_status == "accepted"


def test_a_round_is_not_opened_on_a_version_the_page_no_longer_shows(client, crew):
    k = crew
    proposal = presented(k)
    services.advance(proposal=proposal, actor=k.facilitator)
    services.advance(proposal=proposal, actor=k.facilitator)
    services.revise(
        proposal=proposal, actor=k.facilitator, change_note="Pairs.", text="Two people a week."
    )
    client.force_login(k.facilitator)
    # a page still showing version 1 asks for consent on it: refused, nothing opens
    stale = client.post(url("round_open", proposal.pk), {"subject": "proposal", "version": 1})
    assert stale.status_code == 409
    assert "version 2" in stale.content.decode()
    assert not ConsentRound.objects.filter(proposal=proposal).exists()
    fresh = client.post(url("round_open", proposal.pk), {"subject": "proposal", "version": 2})
    assert fresh.status_code == 302
    assert ConsentRound.objects.get(proposal=proposal).version_number == 2
    # and through the API the same rule
    proposal2 = presented(k)
    answer = ApiClient(Client()).post(
        f"/proposals/{proposal2.pk}/rounds", {"subject": "proposal", "version_number": 3},
        as_=k.facilitator,
    )  # fmt: skip
    assert answer.status == 409, answer.body
    assert not ConsentRound.objects.filter(proposal=proposal2).exists()


# (c) the author in the clarifying round ----------------------------------------------------


def test_the_author_is_not_asked_to_ask_or_pass_on_their_own_proposal(client, crew):
    k = crew
    proposal = presented(k)
    panels = agree(
        client, k, proposal,
        {"author": "wait", "facilitator": "advance", "member": "ask_question",
         "secretary": "ask_question"},
    )  # fmt: skip
    assert "or pass" not in panels["author"]
    assert "or pass" in panels["member"]
    client.force_login(k.author)
    page = client.get(url("proposal_detail", proposal.pk)).content.decode()
    assert "Pass: I have no question" not in page
    # once a member asks, the author's step is to answer
    services.ask_question(proposal=proposal, member=k.others[1], text="Who turns the heap?")
    agree(
        client, k, proposal,
        {"author": "answer_questions", "facilitator": "advance", "member": "wait",
         "secretary": "ask_question"},
    )  # fmt: skip


# (d) the facilitator moves on from clarifying ----------------------------------------------


def test_the_facilitator_moves_on_from_clarifying_without_passing_on_her_own_question(client, crew):
    k = crew
    proposal = presented(k)
    services.ask_question(proposal=proposal, member=k.others[1], text="Who turns the heap?")
    kind, html = panel(client, k.facilitator, proposal)
    assert kind == "advance"
    form = re.search(r'<form[^>]*action="([^"]+)"', html)
    assert form is not None and form.group(1) == url("proposal_advance", proposal.pk)
    assert "Move on to reactions" in html
    assert not Contribution.objects.filter(author=k.facilitator).exists()
    response = client.post(url("proposal_advance", proposal.pk))
    assert response.status_code == 302
    proposal.refresh_from_db()
    assert proposal.state == Proposal.State.REACTING


# One read for many proposals ----------------------------------------------------------------


def test_needs_me_does_not_grow_with_the_number_of_proposals(
    client, crew, django_assert_max_num_queries
):
    k = crew

    def count():
        client.force_login(k.facilitator)
        with django_assert_max_num_queries(40) as ctx:
            page = client.get(url("needs_me"))
        assert page.status_code == 200
        return len(ctx.captured_queries), page.content.decode()

    def in_consent(n):
        more = presented(k)
        services.ask_question(proposal=more, member=k.others[0], text=f"Question {n}?")
        services.answer_question(
            question=Contribution.objects.filter(proposal=more).get(), actor=k.author, text="Yes."
        )
        round_ = services.open_consent_round(proposal=more, actor=k.facilitator)
        services.respond(round_=round_, user=k.others[0], answer="consent")

    proposal = presented(k)
    services.ask_question(proposal=proposal, member=k.others[1], text="Who turns the heap?")
    in_consent(0)
    count()  # each first visit after a change also fills caches
    one, _ = count()
    for n in range(1, 5):
        in_consent(n)
    count()
    many, page = count()
    assert many == one
    # each round waits for the facilitator's answer; the first proposal waits for her to move on
    assert page.count('data-need="answer_round"') == 5
    assert f'data-proposal="{proposal.pk}" data-need="advance"' in page
