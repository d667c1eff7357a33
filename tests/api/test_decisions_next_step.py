"""One place decides what is needed from a person now (selectors.next_step): for each situation
the proposal's page and the API's `my_next_action` name the same kind of step."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from circlewise.accounts.models import User
from circlewise.decisions import services
from circlewise.decisions.models import ConsentRound, Objection, Proposal

from .. import factories as f
from .operations_decisions import (
    answer_everyone,
    consent_round,
    decided,
    draft,
    objection,
    presented,
    reacting,
    stated_back,
    synthesis,
)


def _overdue(proposal: Proposal) -> Proposal:
    """The current step's window passed an hour ago."""
    Proposal.objects.filter(pk=proposal.pk).update(
        step_ends_at=timezone.now() - dt.timedelta(hours=1)
    )
    proposal.refresh_from_db()
    return proposal


def _overdue_round(w, *, policy: str) -> Proposal:
    services.update_settings(circle=w.garden, actor=w.facilitator, absentee_policy=policy)
    round_ = consent_round(w, w.garden)
    # everyone answers but one member (with lazy consent; the facilitator alone otherwise)
    for user_id in services.waiting_for(round_):
        if user_id == w.facilitator.pk or (policy == "lazy" and user_id != w.circle_member.pk):
            services.respond(round_=round_, user=User.objects.get(pk=user_id), answer="consent")
    return _overdue(round_.proposal)


def _asked(w) -> Proposal:
    proposal = presented(w, w.garden)
    services.ask_question(proposal=proposal, member=w.facilitator, text="Who turns it?")
    return proposal


def _reacted_with_amendment(w) -> Proposal:
    proposal = reacting(w, w.garden)
    services.react(proposal=proposal, member=w.facilitator, text="Fine.")
    services.suggest_amendment(proposal=proposal, member=w.circle_member, text="Pairs.")
    return proposal


def _reacted(w) -> Proposal:
    proposal = reacting(w, w.garden)
    services.react(proposal=proposal, member=w.facilitator, text="Fine.")
    return proposal


def _answered(w) -> Proposal:
    round_ = consent_round(w, w.garden)
    services.respond(round_=round_, user=w.circle_member, answer="consent")
    return round_.proposal


def _lazy(w, *, closed: bool) -> tuple[Proposal, Any]:
    """A live round with lazy consent; Dana is absent. Open, or closed with Dana absent."""
    dana = f.join(w.org, f.make_user("Dana Absent", email="dana@example.org"))
    f.add(w.garden, dana)
    services.update_settings(circle=w.garden, actor=w.admin, absentee_policy="lazy")
    proposal = draft(w, w.garden)
    services.present(proposal=proposal, actor=w.circle_member, mode=Proposal.Mode.LIVE)
    round_ = services.open_consent_round(proposal=proposal, actor=w.facilitator)
    for person in (w.circle_member, w.facilitator, w.deactivated):
        services.respond(round_=round_, user=person, answer="consent")
    if closed:
        services.close_round(round_=round_, actor=w.facilitator, reason="The meeting ends.")
    return proposal, dana


def _confirmed(w) -> Proposal:
    found = stated_back(w, w.garden)
    services.confirm_heard(objection=found, objector=w.circle_member)
    return found.proposal


def _presented_to_a_member(w) -> tuple[Proposal, Any]:
    """Presented; Gil is a member of Garden who neither wrote it nor steers."""
    gil = f.join(w.org, f.make_user("Gil Member", email="gil@example.org"))
    f.add(w.garden, gil)
    return presented(w, w.garden), gil


def _amendment_taken_up(w) -> Proposal:
    proposal = reacting(w, w.garden)
    amendment = services.suggest_amendment(proposal=proposal, member=w.circle_member, text="Pairs.")
    services.advance(proposal=proposal, actor=w.facilitator)
    services.resolve_amendment(amendment=amendment, actor=w.facilitator, accept=True)
    return proposal


def _integrated(w) -> Proposal:
    found = stated_back(w, w.garden)
    services.confirm_heard(objection=found, objector=w.circle_member)
    services.revise(
        proposal=found.proposal, actor=w.facilitator, change_note="In pairs.",
        integrations={found.pk: "Pairs."},
    )  # fmt: skip
    return found.proposal


def _dropped(w) -> Proposal:
    proposal = presented(w, w.garden)
    round_ = services.open_consent_round(proposal=proposal, actor=w.facilitator, subject="drop")
    answer_everyone(round_)
    return Proposal.objects.get(pk=proposal.pk)


# (name, how to get there, who looks, the kind both must name)
SITUATIONS: list[tuple[str, Callable[[Any], Any], str, str]] = [
    ("draft", lambda w: draft(w, w.garden), "circle_member", "present"),
    ("clarifying, not asked", _presented_to_a_member, "", "ask_question"),
    ("clarifying, the facilitator has not asked", lambda w: presented(w, w.garden),
     "facilitator", "advance"),
    ("clarifying, the author", lambda w: presented(w, w.garden), "circle_member", "wait"),
    ("clarifying, asked", _asked, "facilitator", "advance"),
    ("clarifying, overdue", lambda w: _overdue(presented(w, w.garden)), "facilitator", "advance"),
    ("consent, overdue, waiting for everyone", lambda w: _overdue_round(w, policy="everyone"),
     "facilitator", "change_end"),
    ("consent, overdue, lazy consent", lambda w: _overdue_round(w, policy="lazy"),
     "facilitator", "close_round"),
    ("clarifying, a question waits", _asked, "circle_member", "answer_questions"),
    ("clarifying, outside the circle", lambda w: presented(w, w.garden), "member", "follow"),
    ("reacting, not reacted", lambda w: reacting(w, w.garden), "circle_member", "react"),
    ("reacting, the facilitator has not reacted", lambda w: reacting(w, w.garden),
     "facilitator", "advance"),
    ("reacting, an amendment waits", _reacted_with_amendment, "facilitator",
     "resolve_amendments"),
    ("reacting, reacted", _reacted, "facilitator", "advance"),
    ("synthesis, facilitator", lambda w: synthesis(w, w.garden), "facilitator", "open_round"),
    ("synthesis, author", lambda w: synthesis(w, w.garden), "circle_member", "wait"),
    ("synthesis, an amendment taken up", _amendment_taken_up, "facilitator", "revise"),
    ("consent, to answer", lambda w: consent_round(w, w.garden).proposal, "circle_member",
     "answer_round"),
    ("consent, answered", _answered, "circle_member", "wait"),
    ("lazy consent, answered", lambda w: _lazy(w, closed=False)[0], "facilitator",
     "close_round"),
    ("lazy consent, absent", lambda w: _lazy(w, closed=True), "dana", "answer_round"),
    ("lazy consent, decided", lambda w: _lazy(w, closed=True)[0], "circle_member",
     "read_decision"),
    ("objection, not stated back", lambda w: objection(w, w.garden).proposal, "facilitator",
     "state_back"),
    ("objection, stated back", lambda w: stated_back(w, w.garden).proposal, "circle_member",
     "confirm_objection"),
    ("objection, stated back, facilitator", lambda w: stated_back(w, w.garden).proposal,
     "facilitator", "revise"),
    ("objection, confirmed", _confirmed, "circle_member", "discuss_objection"),
    ("objection integrated in a new version", _integrated, "facilitator", "open_round"),
    ("objection integrated, the objector", _integrated, "circle_member", "wait"),
    ("decided", lambda w: decided(w, w.garden), "circle_member", "read_decision"),
    ("dropped", _dropped, "facilitator", "follow"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("name", "make", "viewer", "kind"), SITUATIONS, ids=[s[0] for s in SITUATIONS]
)
def test_the_page_and_the_api_name_the_same_step(world, api, client, name, make, viewer, kind):
    made = make(world)
    if isinstance(made, tuple):  # (proposal, the person who looks)
        proposal, person = made
    else:
        proposal, person = made, getattr(world, viewer)
    if isinstance(proposal, ConsentRound | Objection):
        proposal = proposal.proposal
    answer = api.get(f"/proposals/{proposal.pk}", as_=person)
    assert answer.status == 200, answer.body
    client.force_login(person)
    page = client.get(reverse("decisions:proposal_detail", args=["willow", proposal.pk]))
    shown = re.search(r'data-need="([a-z_]*)"', page.content.decode())
    assert shown is not None
    action = answer.body["my_next_action"]
    assert (shown.group(1), action["action"]) == (kind, kind)
    # the same sentence on both
    assert action["sentence"].split(":")[0].replace("’", "&#x27;")[
        :30
    ] in page.content.decode().replace("’", "&#x27;")
    # and a step that can be taken names the operation that takes it
    if kind not in ("wait", "follow"):
        assert action["operation_id"] and action["path"].startswith("/api/v1/")


def test_every_kind_has_an_operation_and_a_page_action():
    from circlewise.decisions import api as decisions_api
    from circlewise.decisions import selectors
    from circlewise.decisions.views import proposal_page

    page = set(proposal_page.NEED_LABELS) | set(proposal_page.OBJECTION_LABELS)
    page |= {"read_decision", "advance", "close_round"}
    for kind in selectors.KINDS:
        if kind in ("wait", "follow"):
            continue
        assert kind in decisions_api.OPERATIONS, kind
        assert kind in page, kind
    # and the table above meets every kind
    assert {s[3] for s in SITUATIONS} == set(selectors.KINDS)
