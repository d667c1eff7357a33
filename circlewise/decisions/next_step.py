"""What is needed from the person looking at a proposal now: one decision, shared by the
proposal's page, the API's `my_next_action` and "what needs me" (decisions.selectors), so that
the three cannot disagree."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from circlewise.core.bidi import isolate

from .models import Contribution, Objection, Proposal

State = Proposal.State


# What is needed from the viewer now --------------------------------------------------------
#
# One decision, shared by the proposal's page and the API's `my_next_action`: each surface
# gathers the facts it has already read into a `Situation`, `next_step` names what is needed
# (a kind, the sentence to show, and the thing it concerns), and the page maps the kind to a
# label and an anchor, the API to an operation and a path.

KINDS = (
    "present", "ask_question", "answer_questions", "advance", "react", "resolve_amendments",
    "revise", "open_round", "answer_round", "close_round", "state_back", "confirm_objection",
    "discuss_objection", "read_decision", "change_end", "wait", "follow",
)  # fmt: skip


@dataclass(frozen=True)
class ObjectionFacts:
    id: int
    objector_id: int
    open: bool
    stated_back: bool
    confirmed: bool
    blocking: bool = True  # raised on the current version: no new version has made it moot


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
    taken_up: tuple[int, ...] = ()  # amendments taken up on the current version: not written in
    version_number: int = 1
    round_id: int | None = None  # the round shown: open, or the last one
    round_lazy: bool = False
    waiting_ids: frozenset[int] = frozenset()  # required on the round and not answered
    quorum_short: int = 0  # how many more answers the round needs to reach its quorum
    answered: bool = False  # the viewer answered in that round
    late_until: dt.datetime | None = None  # set when the viewer, absent, may still answer
    decision_id: int | None = None
    objections: tuple[ObjectionFacts, ...] = ()
    overdue: bool = False  # the current step's window has passed
    lazy_policy: bool = False  # the circle's absentees may object afterwards (lazy consent)
    shared: bool = False  # a draft its author shares for comment (circlewise.discussions)


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
    lazy_policy: bool = False,
    shared: bool = False,
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
        taken_up=tuple(
            a.pk
            for a in amendments
            if a.amendment_status == Contribution.AmendmentStatus.ACCEPTED
            and a.version_number == current
        ),
        version_number=current,
        round_id=round_id,
        round_lazy=round_lazy,
        waiting_ids=frozenset(waiting_ids),
        quorum_short=quorum_short,
        answered=answered,
        late_until=late_until,
        decision_id=decision_id,
        overdue=proposal.step_overdue,
        lazy_policy=lazy_policy,
        objections=tuple(
            ObjectionFacts(
                id=o.pk,
                objector_id=o.objector_id,
                open=o.status == Objection.Status.OPEN,
                stated_back=bool(o.stated_back),
                confirmed=o.confirmed_at is not None,
                blocking=o.version_number == current,
            )
            for o in objections
        ),
        shared=shared,
    )


def next_step(s: Situation) -> NextStep:
    """What is needed from the viewer now: one kind, its sentence, and what it concerns."""
    state = State(s.state)
    if state == State.DRAFT and s.viewer_id != s.author_id:  # shared for comment
        return NextStep(
            "follow",
            _(
                "The author shares this draft with %(circle)s for comment: read it and say what "
                "you think below, before it is presented."
            )
            % {"circle": s.circle_name},
        )
    if state == State.DRAFT and s.shared:
        return NextStep(
            "present",
            _(
                "This is your draft, shared with %(circle)s for comment. Present it when it is "
                "ready."
            )
            % {"circle": s.circle_name},
        )
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
    is_author = s.viewer_id == s.author_id
    if s.steer and s.overdue:
        return NextStep(
            "advance",
            _(
                "The time for clarifying questions has passed. Move on to quick reactions, or "
                "give the circle more time."
            ),
        )
    if is_author and s.unanswered_questions:
        return NextStep(
            "answer_questions",
            _("Members asked questions. Answer them so everyone understands the proposal."),
            s.unanswered_questions[0],
        )
    if s.steer:
        # Her own question is optional: it never stands between the circle and the next step.
        return NextStep(
            "advance",
            _(
                "When the circle understands the proposal, move on to quick reactions. You "
                "may ask a question of your own first; you need not."
            ),
        )
    if is_author:
        return NextStep(
            "wait",
            _(
                "The circle asks what it needs to know about your proposal. You answer the "
                "questions here as they come."
            ),
        )
    if not s.asked:
        return NextStep(
            "ask_question",
            _("What do you need to know to understand this proposal? Ask, or pass."),
        )
    return NextStep("wait", _("You have taken part. The facilitator moves on to reactions."))


def _reacting_or_synthesis(s: Situation, state: State) -> NextStep:
    if state == State.REACTING and not s.reacted and not s.steer:
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
        if s.steer and s.overdue:
            return NextStep(
                "advance",
                _(
                    "The time for reactions has passed. Move on to the synthesis, or give the "
                    "circle more time."
                ),
            )
        if s.steer and not s.reacted:
            # As in clarifying, her own reaction is optional and never holds the circle up.
            return NextStep(
                "advance",
                _(
                    "When everyone has reacted, move on to the synthesis. You may react "
                    "yourself first; you need not."
                ),
            )
        if s.steer:
            return NextStep("advance", _("When everyone has reacted, move on to the synthesis."))
        return NextStep("wait", _("You have reacted. The facilitator moves on to the synthesis."))
    if s.synthesise and s.taken_up:
        # Asking for consent now would ask it on the version without the amendment.
        return NextStep(
            "revise",
            _(
                "You took up a friendly amendment: write it into a new version, then ask for "
                "consent."
            ),
            s.taken_up[0],
        )
    if s.steer:
        return NextStep(
            "open_round",
            _(
                "Restate the proposal, write a new version if it changed, then ask for consent "
                "on version %(number)d."
            )
            % {"number": s.version_number},
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
    if s.steer and s.overdue and s.waiting_ids:
        return _consent_overdue(s)
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


def _consent_overdue(s: Situation) -> NextStep:
    """The round’s time has passed with answers missing: what the facilitator can do depends on
    the circle's policy for absent members."""
    missing = len(s.waiting_ids)
    if s.lazy_policy and not s.quorum_short:
        return NextStep(
            "close_round",
            _(
                "The round’s time has passed. You may close it, saying why: those who have not "
                "answered count as absent and may still object afterwards. Or give it more time."
            ),
            s.round_id,
        )
    return NextStep(
        "change_end",
        ngettext(
            "The round’s time has passed and %(count)d member has not answered. Give the round "
            "more time: the circle decides when everyone has answered.",
            "The round’s time has passed and %(count)d members have not answered. Give the "
            "round more time: the circle decides when everyone has answered.",
            missing,
        )
        % {"count": missing},
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
    # An objection to an earlier version no longer blocks: the new version integrates it.
    blocking = [o for o in standing if o.blocking]
    mine = [o for o in mine if o.blocking]
    if mine:
        return NextStep(
            "discuss_objection",
            _(
                "Your objection is being worked through. Help others understand it in its "
                "thread; only you can withdraw it."
            ),
            mine[0].id,
        )
    not_stated = [o for o in blocking if not o.stated_back]
    if not_stated:
        return NextStep(
            "state_back",
            _("Help understand the objection: ask what the objector fears, then state it back."),
            not_stated[0].id,
        )
    if s.synthesise and blocking:
        return NextStep(
            "revise",
            _("Amend the proposal to integrate the objections, then ask for consent again."),
        )
    if s.steer and not blocking:
        return NextStep(
            "open_round",
            _("The objections are integrated. Ask for consent on version %(number)d.")
            % {"number": s.version_number},
        )
    if not blocking:
        return NextStep(
            "wait",
            _("The new version integrates the objections. The facilitator asks for consent on it."),
        )
    return NextStep("wait", _("Objections are being worked through. Follow each in its thread."))
