"""Pure reads shared by the pages and the API, so the two cannot drift apart: the row of
process steps for a proposal, Policy.status() as a database filter, and what is needed from the
person looking at a proposal now.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import Q
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from circlewise.core.bidi import isolate

from .models import REVIEW_WARNING_DAYS, Contribution, Objection, Proposal

State = Proposal.State

STEPS = (
    ("present", gettext_lazy("Present")),
    ("clarify", gettext_lazy("Clarify")),
    ("react", gettext_lazy("React")),
    ("synthesis", gettext_lazy("Synthesis")),
    ("consent", gettext_lazy("Consent")),
    ("decided", gettext_lazy("Decided")),
)

STEP_OF_STATE = {
    State.DRAFT: 0,
    State.CLARIFYING: 1,
    State.REACTING: 2,
    State.SYNTHESIS: 3,
    State.CONSENT: 4,
    State.OBJECTIONS: 4,
    State.DECIDED: 5,
}


def process_steps(proposal: Proposal) -> list[dict[str, str]]:
    """Each step of the process with its key, its label and whether it is done, current or
    upcoming. An exited proposal shows its exit as the last step."""
    state = State(proposal.state)
    is_exit = state in Proposal.EXIT_STATES
    current = 5 if is_exit else STEP_OF_STATE[state]
    steps = []
    for index, (key, label) in enumerate(STEPS):
        text = str(label)
        if key == "consent" and state == State.OBJECTIONS:
            text = _("Objections")
        if key == "decided" and is_exit:
            text = str(state.label)
        status = "done" if index < current else "current" if index == current else "upcoming"
        if key == "decided" and state == State.DECIDED:
            status = "current"
        steps.append({"key": key, "label": text, "status": status})
    return steps


def policy_status_filter(status: str, today: dt.date) -> Q | None:
    """Policy.status() as a filter, so the register is filtered (and paginated) in the
    database; None for a status that does not exist."""
    live = Q(superseded_by__isnull=True, retired_at__isnull=True)
    warn = today + dt.timedelta(days=REVIEW_WARNING_DAYS)
    return {
        "active": live & (Q(review_on__isnull=True) | Q(review_on__gt=warn)),
        "review_due": live & Q(review_on__gte=today, review_on__lte=warn),
        "expired": live & Q(review_on__lt=today),
        "superseded": Q(superseded_by__isnull=False),
        "retired": Q(superseded_by__isnull=True, retired_at__isnull=False),
    }.get(status)


# What is needed from the viewer now --------------------------------------------------------
#
# One decision, shared by the proposal's page and the API's `my_next_action`: each surface
# gathers the facts it has already read into a `Situation`, `next_step` names what is needed
# (a kind, the sentence to show, and the thing it concerns), and the page maps the kind to a
# label and an anchor, the API to an operation and a path.

KINDS = (
    "present", "ask_question", "answer_questions", "advance", "react", "resolve_amendments",
    "revise", "open_round", "answer_round", "close_round", "state_back", "confirm_objection",
    "discuss_objection", "read_decision", "wait", "follow",
)  # fmt: skip


@dataclass(frozen=True)
class ObjectionFacts:
    id: int
    objector_id: int
    open: bool
    stated_back: bool
    confirmed: bool


@dataclass(frozen=True)
class Situation:
    """What `next_step` needs to know about a proposal and the person looking at it."""

    state: str
    viewer_id: int
    author_id: int
    circle_name: str
    state_label: str
    take_part: bool
    steer: bool
    synthesise: bool
    unanswered_questions: tuple[int, ...] = ()  # not passed, not yet answered
    asked: bool = False  # the viewer asked (or passed) on the current version
    reacted: bool = False  # on the current version
    open_amendments: tuple[int, ...] = ()
    round_id: int | None = None  # the round shown: open, or the last one
    round_lazy: bool = False
    waiting_ids: frozenset[int] = frozenset()  # required on the round and not answered
    quorum_short: int = 0  # how many more answers the round needs to reach its quorum
    answered: bool = False  # the viewer answered in that round
    late_until: dt.datetime | None = None  # set when the viewer, absent, may still answer
    decision_id: int | None = None
    objections: tuple[ObjectionFacts, ...] = ()


@dataclass(frozen=True)
class NextStep:
    kind: str
    sentence: str
    target: int | None = None  # the question, amendment, objection, round or decision


def situation(
    proposal: Proposal,
    viewer_id: int,
    *,
    take_part: bool,
    steer: bool,
    synthesise: bool,
    questions: Sequence[Any],
    reactions: Sequence[Any],
    amendments: Sequence[Any],
    objections: Sequence[Any],
    round_id: int | None = None,
    round_lazy: bool = False,
    waiting_ids: Iterable[int] = (),
    quorum_short: int = 0,
    answered: bool = False,
    late_until: dt.datetime | None = None,
    decision_id: int | None = None,
) -> Situation:
    """The facts from rows a surface has already read: questions carry their `answers`,
    reactions are those on the current version."""
    current = proposal.version_number
    return Situation(
        state=proposal.state,
        viewer_id=viewer_id,
        author_id=proposal.author_id,
        circle_name=proposal.circle.name,
        state_label=str(proposal.get_state_display()),
        take_part=take_part,
        steer=steer,
        synthesise=synthesise,
        unanswered_questions=tuple(q.pk for q in questions if not q.passed and not q.answers),
        asked=any(q.author_id == viewer_id and q.version_number == current for q in questions),
        reacted=any(r.author_id == viewer_id for r in reactions),
        open_amendments=tuple(
            a.pk for a in amendments if a.amendment_status == Contribution.AmendmentStatus.OPEN
        ),
        round_id=round_id,
        round_lazy=round_lazy,
        waiting_ids=frozenset(waiting_ids),
        quorum_short=quorum_short,
        answered=answered,
        late_until=late_until,
        decision_id=decision_id,
        objections=tuple(
            ObjectionFacts(
                id=o.pk,
                objector_id=o.objector_id,
                open=o.status == Objection.Status.OPEN,
                stated_back=bool(o.stated_back),
                confirmed=o.confirmed_at is not None,
            )
            for o in objections
        ),
    )


def next_step(s: Situation) -> NextStep:
    """What is needed from the viewer now: one kind, its sentence, and what it concerns."""
    state = State(s.state)
    if state == State.DRAFT:
        return NextStep(
            "present", _("This is your draft: only you can see it. Present it when it is ready.")
        )
    if state == State.DECIDED and s.late_until is not None and s.take_part:
        until = date_format(timezone.localtime(s.late_until), "j M Y, H:i")
        return NextStep(
            "answer_round",
            _(
                "You were absent when the circle consented. You may still consent or object "
                "until %(time)s."
            )
            % {"time": until},
            s.round_id,
        )
    if state == State.DECIDED:
        return NextStep(
            "read_decision",
            _("Decided by consent. The record shows who answered what, and why."),
            s.decision_id,
        )
    if state == State.HANDED_BACK:
        return NextStep(
            "follow",
            _(
                "%(circle)s ended before deciding this proposal: it is on its parent circle's "
                "backlog now."
            )
            % {"circle": isolate(s.circle_name)},
        )
    if state in Proposal.EXIT_STATES:
        return NextStep(
            "follow",
            _("The circle consented to end this proposal here: %(state)s.")
            % {"state": s.state_label.lower()},
        )
    if not s.take_part:
        return NextStep(
            "follow",
            _("You can follow this proposal; the members of %(circle)s take part in it.")
            % {"circle": isolate(s.circle_name)},
        )
    if state == State.CLARIFYING:
        return _clarifying(s)
    if state in (State.REACTING, State.SYNTHESIS):
        return _reacting_or_synthesis(s, state)
    if state == State.CONSENT:
        return _consent(s)
    return _objections(s)


def _clarifying(s: Situation) -> NextStep:
    if s.viewer_id == s.author_id and s.unanswered_questions:
        return NextStep(
            "answer_questions",
            _("Members asked questions. Answer them so everyone understands the proposal."),
            s.unanswered_questions[0],
        )
    if not s.asked:
        return NextStep(
            "ask_question",
            _("What do you need to know to understand this proposal? Ask, or pass."),
        )
    if s.steer:
        return NextStep(
            "advance", _("When the questions are answered, move on to quick reactions.")
        )
    return NextStep("wait", _("You have taken part. The facilitator moves on to reactions."))


def _reacting_or_synthesis(s: Situation, state: State) -> NextStep:
    if state == State.REACTING and not s.reacted:
        return NextStep(
            "react", _("How do you react to this proposal? A sentence or two is enough.")
        )
    if s.synthesise and s.open_amendments:
        return NextStep(
            "resolve_amendments",
            _("Friendly amendments wait for you: take them up or not."),
            s.open_amendments[0],
        )
    if state == State.REACTING:
        if s.steer:
            return NextStep("advance", _("When everyone has reacted, move on to the synthesis."))
        return NextStep("wait", _("You have reacted. The facilitator moves on to the synthesis."))
    if s.steer:
        return NextStep(
            "open_round",
            _("Restate the proposal, write a new version if it changed, then ask for consent."),
        )
    if s.synthesise:
        return NextStep("revise", _("Write a new version if the proposal changed."))
    return NextStep(
        "wait",
        _("The proposal is being synthesised. You may still suggest a friendly amendment."),
    )


def _consent(s: Situation) -> NextStep:
    if s.viewer_id in s.waiting_ids:
        return NextStep(
            "answer_round",
            _("Consent or object: can you live with this proposal and try it?"),
            s.round_id,
        )
    if s.steer and s.round_lazy and s.waiting_ids and s.quorum_short:
        return NextStep(
            "wait",
            ngettext(
                "This round needs %(count)d more answer to reach the circle's quorum before you "
                "can close it.",
                "This round needs %(count)d more answers to reach the circle's quorum before you "
                "can close it.",
                s.quorum_short,
            )
            % {"count": s.quorum_short},
        )
    if s.steer and s.round_lazy and s.waiting_ids:
        return NextStep(
            "close_round",
            _(
                "This round is in a meeting with lazy consent: you may close it, saying why; "
                "absent members can still object afterwards."
            ),
            s.round_id,
        )
    if not s.waiting_ids:
        return NextStep("wait", _("Everyone has answered."))
    if s.answered:
        return NextStep(
            "wait",
            _(
                "You have answered. The round closes when everyone has answered; see who "
                "has not yet in the roster."
            ),
        )
    return NextStep(
        "wait",
        _("The round closes when everyone has answered; see who has not yet in the roster."),
    )


def _objections(s: Situation) -> NextStep:
    standing = [o for o in s.objections if o.open]
    mine = [o for o in standing if o.objector_id == s.viewer_id]
    to_confirm = [o for o in mine if o.stated_back and not o.confirmed]
    if to_confirm:
        return NextStep(
            "confirm_objection",
            _("Your objection was stated back to you. Is that your objection?"),
            to_confirm[0].id,
        )
    if mine:
        return NextStep(
            "discuss_objection",
            _(
                "Your objection is being worked through. Help others understand it in its "
                "thread; only you can withdraw it."
            ),
            mine[0].id,
        )
    not_stated = [o for o in standing if not o.stated_back]
    if not_stated:
        return NextStep(
            "state_back",
            _("Help understand the objection: ask what the objector fears, then state it back."),
            not_stated[0].id,
        )
    if s.synthesise and standing:
        return NextStep(
            "revise",
            _("Amend the proposal to integrate the objections, then ask for consent again."),
        )
    if s.steer and not standing:
        return NextStep(
            "open_round", _("The objections are integrated. Ask for consent on the new version.")
        )
    return NextStep("wait", _("Objections are being worked through. Follow each in its thread."))
