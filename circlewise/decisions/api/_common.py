"""What several stages' operations share: the router, the lookups, and the proposal's
detail (its steps, what is needed from me, the round's roster).
"""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.db.models import Exists, OuterRef, QuerySet, Subquery
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from ninja import Router

from circlewise.accounts.models import User
from circlewise.circles import permissions as circle_permissions
from circlewise.circles.models import Circle, Organisation
from circlewise.core.errors import ServiceError

from .. import permissions, selectors, services
from ..models import (
    CircleDecisionSettings,
    ConsentResponse,
    ConsentRound,
    Objection,
    Proposal,
    ProposalVersion,
    RosterEntry,
)

router = Router(tags=["decisions"])
State = Proposal.State


# Lookups shared by several operations --------------------------------------------------------


@contextmanager
def _fields(**names: str) -> Iterator[None]:
    """A service names its own arguments (`owner`); the API names what the client sent
    (`owner_id`)."""
    try:
        yield
    except ServiceError as error:
        if error.field in names:
            raise ServiceError(error.text, field=names[error.field], status=error.status) from None
        raise


def _person_in(actor: User, organisation: Organisation, user_id: int, *, field: str) -> User:
    """A person named in a request body: someone who is or was in the organisation."""
    person = User.objects.filter(pk=user_id).first()
    if person is None or not circle_permissions.can_view_person(actor, organisation, person):
        raise ServiceError(
            _("There is no one with id %(id)d in this organisation.") % {"id": user_id},
            field=field,
        )
    return person


def _title() -> Subquery:
    """The current version's title, in the same query as the proposals."""
    return Subquery(
        ProposalVersion.objects.filter(
            proposal=OuterRef("pk"), number=OuterRef("version_number")
        ).values("title")[:1]
    )


def _visible_circles(user: User, organisation: Organisation) -> QuerySet[Circle]:
    return Circle.objects.visible_to(user, organisation)


def _api_path(path: str) -> str:
    return reverse("api:api-root").rstrip("/") + path


# Who steps the process along is checked before the step's state, so that someone who may never
# take a step hears that (403), not that it cannot be taken now (409).
NOT_STEERING = {
    "steer": gettext_lazy("Only the circle's facilitator or leader can move the process along."),
    "synthesise": gettext_lazy("Only the person who synthesises can make a new version."),
}


def _proposal_to_steer(user: User, proposal_id: int, need: permissions.ProposalNeed) -> Proposal:
    proposal = permissions.get_proposal_for(user, proposal_id, need="take_part")
    if not permissions.NEEDS[need](user, proposal):
        raise ServiceError(str(NOT_STEERING[need]), status=403)
    return proposal


def _round_to_steer(user: User, round_id: int) -> ConsentRound:
    round_ = permissions.get_round_for(user, round_id, need="take_part")
    if not permissions.can_steer(user, round_.proposal):
        raise ServiceError(str(NOT_STEERING["steer"]), status=403)
    return round_


def _version(proposal: Proposal, number: int | None = None) -> ProposalVersion:
    return (
        ProposalVersion.objects.filter(proposal=proposal, number=number or proposal.version_number)
        .select_related("created_by")
        .prefetch_related("measure_set__owner")
        .get()
    )


# The proposal's page: steps, what is needed from me, the round's roster -------------------------


def _roster(round_: ConsentRound) -> dict[str, Any]:
    """Everyone asked in the round, each with their state; never only a count."""
    entries = list(RosterEntry.objects.filter(round=round_).select_related("user"))
    answers = {
        r.user_id: r
        for r in ConsentResponse.objects.current()
        .filter(round=round_)
        .annotate(
            objection_pk=Subquery(Objection.objects.filter(response=OuterRef("pk")).values("pk"))
        )
    }
    # While the round is open, who is still in the circle: those who left are not asked any more
    # (even before the round records it), and those who joined are not asked.
    members: set[int] = set()
    if round_.is_open:
        members = set(services.current_member_ids(Circle(pk=round_.proposal.circle_id)))
    rows: list[dict[str, Any]] = []
    for entry in entries:
        response = answers.get(entry.user_id)
        state = selectors.roster_state(entry, response)
        rows.append(
            {
                "user": entry.user,
                "state": state,
                "required": entry.required,
                "reason": response.reason if response else "",
                "answered_at": response.created_at if response else None,
                "objection_id": getattr(response, "objection_pk", None),
                "left_at": entry.left_circle_at,
            }
        )
    order = {"waiting": 0, "objection": 1, "concern": 2, "consent": 3, "absent": 4, "left": 5}
    rows.sort(key=lambda r: (order[r["state"]], r["user"].name.lower()))
    waiting = [e.user for e in entries if e.required and e.user_id not in answers]
    waiting.sort(key=lambda u: u.name.lower())
    in_time = {uid for uid, r in answers.items() if not r.after_round_closed}
    quorum = services.count_quorum(
        round_.quorum_percent,
        ((e.user_id, e.left_circle_at) for e in entries),
        in_time,
        members if round_.is_open else None,
    )
    on_roster = {e.user_id for e in entries}
    joined_ids = members - on_roster if round_.is_open else set(round_.joined_after_opening)
    joined = (
        list(User.objects.filter(pk__in=joined_ids).order_by("name", "pk")) if joined_ids else []
    )
    return {
        "id": round_.pk,
        "proposal_id": round_.proposal_id,
        "version_number": round_.version_number,
        "subject": round_.subject,
        "handed_to_id": round_.handed_to_id,
        "lazy": round_.lazy,
        "opened_by": round_.opened_by,
        "opened_at": round_.opened_at,
        "closes_at": round_.closes_at,
        "closed_at": round_.closed_at,
        "outcome": round_.outcome,
        "lazy_until": round_.lazy_until,
        "roster": rows,
        "waiting_for": waiting,
        "joined_after_opening": joined,
        "answered": quorum.answered,
        "asked": quorum.asked,
        "quorum": {**quorum.as_payload(), "met": quorum.met},
        "closed_by": round_.closed_by,
        "close_reason": round_.close_reason,
    }


# The operation that takes each kind of step (selectors.next_step decides which): its id and
# its path, where `{pid}` is the proposal and `{target}` what the step concerns.
OPERATIONS = {
    "present": ("presentProposal", "/proposals/{pid}/present"),
    "ask_question": ("askQuestion", "/proposals/{pid}/questions"),
    "answer_questions": ("answerQuestion", "/questions/{target}/answer"),
    "advance": ("advanceProposal", "/proposals/{pid}/advance"),
    "react": ("addReaction", "/proposals/{pid}/reactions"),
    "resolve_amendments": ("resolveAmendment", "/amendments/{target}/resolve"),
    "revise": ("reviseProposal", "/proposals/{pid}/versions"),
    "open_round": ("openConsentRound", "/proposals/{pid}/rounds"),
    "answer_round": ("answerConsentRound", "/rounds/{target}/answers"),
    "close_round": ("closeConsentRound", "/rounds/{target}/close"),
    "state_back": ("stateBackObjection", "/objections/{target}/state-back"),
    "confirm_objection": ("confirmObjection", "/objections/{target}/confirm"),
    "discuss_objection": ("discussObjection", "/objections/{target}/messages"),
    "read_decision": ("getDecision", "/decisions/{target}"),
    "change_end": ("changeStepEnd", "/proposals/{pid}/step-end"),
}


def _next_action(p: Proposal, user: User, d: dict[str, Any]) -> dict[str, Any]:
    """What is needed from this person now, with the operation that does it."""
    round_ = d["round"]
    can = d["can"]
    step = selectors.next_step(
        selectors.situation(
            p,
            user.pk,
            take_part=can["take_part"],
            steer=can["steer"],
            synthesise=can["synthesise"],
            questions=d["questions"],
            reactions=d["reactions"],
            amendments=d["amendments"],
            objections=d["objection_list"],
            round_id=round_["id"] if round_ else d["late_round_id"],
            round_lazy=bool(round_ and round_["lazy"]),
            waiting_ids=[u.pk for u in round_["waiting_for"]] if round_ else (),
            quorum_short=(
                max(0, round_["quorum"]["needed"] - round_["quorum"]["answered"]) if round_ else 0
            ),
            answered=bool(round_) and any(
                r["user"].pk == user.pk and r["answered_at"] is not None
                for r in round_["roster"]
            ),
            late_until=d["late_until"],
            decision_id=d["decision_id"],
            lazy_policy=d["lazy_policy"],
        )
    )  # fmt: skip
    return next_action_out(step, p.pk)


def next_action_out(step: selectors.NextStep, proposal_id: int) -> dict[str, Any]:
    """A step (selectors.next_step) as the API names it: its kind, sentence and operation."""
    operation_id, path = OPERATIONS.get(step.kind, ("", ""))
    if "{target}" in path and step.target is None:
        operation_id, path = "", ""
    return {
        "action": step.kind,
        "sentence": step.sentence,
        "operation_id": operation_id or None,
        "path": _api_path(path.format(pid=proposal_id, target=step.target)) if path else None,
    }


def _late_answer(user: User, proposal: Proposal, rounds: list[ConsentRound]) -> ConsentRound | None:
    """The lazily consented last round the person, absent from it, may still answer."""
    last = rounds[-1] if rounds else None
    if (
        proposal.state != State.DECIDED
        or last is None
        or last.outcome != ConsentRound.Outcome.CONSENTED
        or last.lazy_until is None
        or timezone.now() >= last.lazy_until
    ):
        return None
    answered = ConsentResponse.objects.filter(round=last, user_id=OuterRef("user_id"))
    absent = RosterEntry.objects.filter(
        round=last, user=user, absent=True, left_circle_at__isnull=True
    ).exclude(Exists(answered))
    return last if absent.exists() else None


def _proposal_detail(user: User, proposal: Proposal) -> Proposal:
    """The proposal (as permissions fetch it or a service returns it: fresh, with its circle and
    author), carrying everything ProposalDetailOut shows, read in a fixed number of queries
    however many members, questions and answers there are (selectors.proposal_detail, the same
    read as the proposal's page)."""
    found = selectors.proposal_detail(user, proposal)
    objections = found.objections
    rounds = found.rounds
    shown = found.open_round
    if shown is None and proposal.state == State.OBJECTIONS and rounds:
        shown = rounds[-1]
    standing = found.standing
    late = _late_answer(user, proposal, rounds) if found.can_take_part else None
    detail: dict[str, Any] = {
        "title": found.version.title,
        "version": found.version,
        "steps": selectors.process_steps(proposal),
        "can": {
            "take_part": found.can_take_part,
            "steer": found.can_steer,
            "synthesise": found.can_synthesise,
            "edit": found.can_edit,
        },
        "questions": found.questions,
        "reactions": found.reactions,
        "amendments": found.amendments,
        "round": _roster(shown) if shown is not None else None,
        "objection_list": objections,
        "objection_counts": {
            "open": len(standing),
            "confirmed": sum(1 for o in standing if o.confirmed_at is not None),
            "withdrawn": sum(1 for o in objections if o.status == Objection.Status.WITHDRAWN),
            "integrated": sum(1 for o in objections if o.status == Objection.Status.INTEGRATED),
        },
        "decision_id": found.decision.pk if found.decision is not None else None,
        "late_round_id": late.pk if late is not None else None,
        "late_until": late.lazy_until if late is not None else None,
        "lazy_policy": found.settings.absentee_policy == CircleDecisionSettings.Absentees.LAZY,
    }
    detail["my_next_action"] = _next_action(proposal, user, detail)
    for key, value in detail.items():
        setattr(proposal, key, value)
    return proposal
