"""API operations for the consent process: proposals and their steps, consent rounds, objections,
decisions, the policy register, each circle's backlog and way of deciding, and what needs me.

Each operation authorises through decisions.permissions (a draft is missing to all but its author,
a private circle's things to those outside it; what may be seen but not done is 403), calls the
same service as the pages, and shapes the answer with decisions.schemas. Finer rules (only the
objector withdraws, only the facilitator steps the process along) are the services' own, so their
sentences come back as they are.
"""

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Subquery
from django.http import Http404, HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from ninja import P, QueryEx, Router, Status
from ninja.pagination import paginate

from circlewise.accounts.models import User
from circlewise.circles import permissions as circle_permissions
from circlewise.circles.models import Circle, Organisation
from circlewise.core.api import Pages, responses
from circlewise.core.api_auth import auth_user
from circlewise.core.errors import ServiceError

from . import permissions, selectors, services, services_backlog
from .models import (
    BacklogItem,
    CircleDecisionSettings,
    ConsentResponse,
    ConsentRound,
    Contribution,
    Decision,
    Measure,
    Objection,
    ObjectionMessage,
    Policy,
    Proposal,
    ProposalVersion,
    RosterEntry,
)
from .schemas import (
    AdvanceIn,
    BacklogCloseIn,
    BacklogDropIn,
    BacklogItemIn,
    BacklogItemOut,
    ContributionIn,
    ContributionOut,
    DecisionDetailOut,
    DecisionOut,
    ItemStatus,
    MessageOut,
    NeedsMeOut,
    ObjectionDetailOut,
    ObjectionOut,
    PolicyDetailOut,
    PolicyOut,
    PolicyStatus,
    PresentIn,
    ProposalCreateIn,
    ProposalDetailOut,
    ProposalOut,
    ProposalPatchIn,
    ProposalState,
    ReasonIn,
    ResolveIn,
    ResponseOut,
    ReviseIn,
    RoundAnswerIn,
    RoundCloseIn,
    RoundOpenIn,
    RoundOut,
    SettingsOut,
    SettingsPatchIn,
    TextIn,
    VersionOut,
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
        for r in ConsentResponse.objects.filter(round=round_).annotate(
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
        if response is not None:
            state = response.answer
        elif entry.left_circle_at is not None:
            state = "left"
        elif entry.absent:
            state = "absent"
        else:
            state = "waiting"
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
    however many members, questions and answers there are."""
    version = _version(proposal)
    proposal._current_version = version
    circle = proposal.circle
    take_part = permissions.can_take_part(user, proposal)
    steer = take_part and permissions.can_steer_circle(user, circle)
    synthesis_by = services.settings_for(circle).synthesis_by
    synthesise = take_part and (
        steer
        or (
            synthesis_by == CircleDecisionSettings.Synthesis.AUTHOR
            and proposal.author_id == user.pk
        )
    )
    contributions = list(
        Contribution.objects.filter(proposal=proposal)
        .select_related("author")
        .order_by("created_at", "pk")
    )
    replies: dict[int, list[Contribution]] = {}
    for c in contributions:
        if c.kind == Contribution.Kind.ANSWER and c.reply_to_id is not None:
            replies.setdefault(c.reply_to_id, []).append(c)
    questions = [c for c in contributions if c.kind == Contribution.Kind.QUESTION]
    for q in questions:
        q.answers = replies.get(q.pk, [])  # type: ignore[attr-defined]
    objections = list(
        Objection.objects.filter(proposal=proposal)
        .select_related("objector", "stated_back_by")
        .annotate(message_count=Count("messages"))
        .order_by("created_at", "pk")
    )
    rounds = list(
        ConsentRound.objects.filter(proposal=proposal)
        .select_related("opened_by", "closed_by")
        .order_by("opened_at", "pk")
    )
    for r in rounds:
        r.proposal = proposal
    shown = next((r for r in rounds if r.is_open), None)
    if shown is None and proposal.state == State.OBJECTIONS and rounds:
        shown = rounds[-1]
    decision_id = None
    if proposal.state == State.DECIDED:
        decision_id = (
            Decision.objects.filter(proposal=proposal).values_list("pk", flat=True).first()
        )
    standing = [o for o in objections if o.status == Objection.Status.OPEN]
    late = _late_answer(user, proposal, rounds) if take_part else None
    detail: dict[str, Any] = {
        "title": version.title,
        "version": version,
        "steps": selectors.process_steps(proposal),
        "can": {
            "take_part": take_part,
            "steer": steer,
            "synthesise": synthesise,
            "edit": proposal.is_draft and proposal.author_id == user.pk and take_part,
        },
        "questions": questions,
        "reactions": [
            c
            for c in contributions
            if c.kind == Contribution.Kind.REACTION and c.version_number == proposal.version_number
        ],
        "amendments": [c for c in contributions if c.kind == Contribution.Kind.AMENDMENT],
        "round": _roster(shown) if shown is not None else None,
        "objection_list": objections,
        "objection_counts": {
            "open": len(standing),
            "confirmed": sum(1 for o in standing if o.confirmed_at is not None),
            "withdrawn": sum(1 for o in objections if o.status == Objection.Status.WITHDRAWN),
            "integrated": sum(1 for o in objections if o.status == Objection.Status.INTEGRATED),
        },
        "decision_id": decision_id,
        "late_round_id": late.pk if late is not None else None,
        "late_until": late.lazy_until if late is not None else None,
    }
    detail["my_next_action"] = _next_action(proposal, user, detail)
    for key, value in detail.items():
        setattr(proposal, key, value)
    return proposal


# Proposals ---------------------------------------------------------------------------------


@router.get(
    "/circles/{circle_id}/proposals",
    response=list[ProposalOut],
    operation_id="listProposals",
    summary="A circle's proposals, newest first (drafts only your own)",
)
@paginate(Pages)
def list_proposals(
    request: HttpRequest,
    circle_id: int,
    state: QueryEx[ProposalState | None, P(description="Only proposals at this step.")] = None,
) -> QuerySet[Proposal]:
    user = auth_user(request)
    circle = circle_permissions.get_circle_by_id_for(user, circle_id)
    proposals = (
        Proposal.objects.filter(circle=circle)
        .filter(~Q(state=State.DRAFT) | Q(author=user))
        .select_related("author")
        .annotate(title=_title())
    )
    if state is not None:
        proposals = proposals.filter(state=state)
    return proposals.order_by("-created_at", "-pk")


@router.post(
    "/circles/{circle_id}/proposals",
    response=responses(ProposalDetailOut, 201),
    operation_id="createProposal",
    summary="Write a draft proposal in one of your circles (only you see it until presented)",
)
def create_proposal(
    request: HttpRequest, circle_id: int, payload: ProposalCreateIn
) -> Status[Proposal]:
    user = auth_user(request)
    circle = circle_permissions.get_circle_by_id_for(user, circle_id)
    permissions.refuse_if_ended(circle)
    if not permissions.can_propose(user, circle):
        raise PermissionDenied
    amends = _target(circle, payload.amends_id)
    extends = _extendable(user, circle, payload.extends_circle_id)
    with _fields(amends="amends_id", extends_circle="extends_circle_id"):
        proposal = services.create_proposal(
            circle=circle, author=user, amends=amends, extends_circle=extends,
            **payload.model_dump(exclude={"amends_id", "policy_action", "extends_circle_id"}),
            policy_action=payload.policy_action or "",
        )  # fmt: skip
    return Status(201, _proposal_detail(user, proposal))


def _extendable(user: User, circle: Circle, circle_id: int | None) -> Circle | None:
    """The helping circle, by id, whose mandate the proposal extends: one inside this circle
    that the person sees (any other is "no such circle")."""
    if circle_id is None:
        return None
    found = permissions.extendable_circles(user, circle).filter(pk=circle_id).first()
    if found is None:
        raise ServiceError(
            _("There is no helping circle with id %(id)d inside this circle.") % {"id": circle_id},
            field="extends_circle_id",
        )
    return found


def _target(circle: Circle, policy_id: int | None) -> Policy | None:
    """The policy a proposal targets, by id: one of its circle's."""
    if policy_id is None:
        return None
    target = Policy.objects.filter(pk=policy_id, circle=circle).first()
    if target is None:
        raise ServiceError(
            _("There is no policy with id %(id)d in this circle.") % {"id": policy_id},
            field="amends_id",
        )
    return target


@router.get(
    "/proposals/{proposal_id}",
    response=responses(ProposalDetailOut),
    operation_id="getProposal",
    summary="One proposal: its current version, steps, the round's roster, objections, and "
    "what is needed from you now",
)
def get_proposal(request: HttpRequest, proposal_id: int) -> Proposal:
    user = auth_user(request)
    return _proposal_detail(user, permissions.get_proposal_for(user, proposal_id))


@router.patch(
    "/proposals/{proposal_id}",
    response=responses(ProposalDetailOut),
    operation_id="updateProposal",
    summary="Edit your draft",
)
def update_proposal(request: HttpRequest, proposal_id: int, payload: ProposalPatchIn) -> Proposal:
    user = auth_user(request)
    proposal = permissions.get_proposal_for(user, proposal_id, need="take_part")
    fields = payload.model_dump(exclude_unset=True)
    if "amends_id" in fields:
        fields["amends"] = _target(proposal.circle, fields.pop("amends_id"))
    if "policy_action" in fields:
        fields["policy_action"] = fields["policy_action"] or ""
    with _fields(amends="amends_id"):
        proposal = services.update_draft(proposal=proposal, actor=user, **fields)
    return _proposal_detail(user, proposal)


@router.post(
    "/proposals/{proposal_id}/present",
    response=responses(ProposalDetailOut),
    operation_id="presentProposal",
    summary="Present your draft to the circle: clarifying questions open",
)
def present_proposal(request: HttpRequest, proposal_id: int, payload: PresentIn) -> Proposal:
    user = auth_user(request)
    proposal = permissions.get_proposal_for(user, proposal_id, need="take_part")
    proposal = services.present(
        proposal=proposal, actor=user, mode=payload.mode, clarifying_until=payload.clarifying_until
    )
    return _proposal_detail(user, proposal)


@router.get(
    "/proposals/{proposal_id}/versions",
    response=list[VersionOut],
    operation_id="listProposalVersions",
    summary="Every version of a proposal, the first first",
)
@paginate(Pages)
def list_versions(request: HttpRequest, proposal_id: int) -> QuerySet[ProposalVersion]:
    proposal = permissions.get_proposal_for(auth_user(request), proposal_id)
    return (
        ProposalVersion.objects.filter(proposal=proposal)
        .select_related("created_by")
        .prefetch_related("measure_set__owner")
        .order_by("number")
    )


# Clarifying, reacting, synthesising --------------------------------------------------------


@router.post(
    "/proposals/{proposal_id}/questions",
    response=responses(ContributionOut, 201),
    operation_id="askQuestion",
    summary="Ask a clarifying question, or pass",
)
def ask_question(
    request: HttpRequest, proposal_id: int, payload: ContributionIn
) -> Status[Contribution]:
    user = auth_user(request)
    proposal = permissions.get_proposal_for(user, proposal_id, need="take_part")
    question = services.ask_question(
        proposal=proposal, member=user, text=payload.text, passed=payload.passed
    )
    return Status(201, question)


def _contribution(user: User, contribution_id: int, kind: str) -> Contribution:
    contribution = permissions.get_contribution_for(user, contribution_id, need="take_part")
    if contribution.kind != kind:
        raise Http404
    return contribution


@router.post(
    "/questions/{question_id}/answer",
    response=responses(ContributionOut, 201),
    operation_id="answerQuestion",
    summary="Answer a clarifying question (the author, or the facilitator)",
)
def answer_question(
    request: HttpRequest, question_id: int, payload: TextIn
) -> Status[Contribution]:
    user = auth_user(request)
    question = _contribution(user, question_id, Contribution.Kind.QUESTION)
    proposal = question.proposal
    permissions.require_answer_question(user, proposal)
    answer = services.answer_question(question=question, actor=user, text=payload.text)
    return Status(201, answer)


@router.post(
    "/proposals/{proposal_id}/reactions",
    response=responses(ContributionOut, 201),
    operation_id="addReaction",
    summary="Give your quick reaction to the current version (passing is discouraged)",
)
def add_reaction(
    request: HttpRequest, proposal_id: int, payload: ContributionIn
) -> Status[Contribution]:
    user = auth_user(request)
    proposal = permissions.get_proposal_for(user, proposal_id, need="take_part")
    reaction = services.react(
        proposal=proposal, member=user, text=payload.text, passed=payload.passed
    )
    return Status(201, reaction)


@router.post(
    "/proposals/{proposal_id}/amendments",
    response=responses(ContributionOut, 201),
    operation_id="suggestAmendment",
    summary="Suggest a friendly amendment",
)
def suggest_amendment(
    request: HttpRequest, proposal_id: int, payload: TextIn
) -> Status[Contribution]:
    user = auth_user(request)
    proposal = permissions.get_proposal_for(user, proposal_id, need="take_part")
    return Status(
        201, services.suggest_amendment(proposal=proposal, member=user, text=payload.text)
    )


@router.post(
    "/amendments/{amendment_id}/resolve",
    response=responses(ContributionOut),
    operation_id="resolveAmendment",
    summary="Take up a friendly amendment or not (whoever synthesises)",
)
def resolve_amendment(request: HttpRequest, amendment_id: int, payload: ResolveIn) -> Contribution:
    user = auth_user(request)
    amendment = _contribution(user, amendment_id, Contribution.Kind.AMENDMENT)
    if not permissions.can_synthesise(user, amendment.proposal):
        raise ServiceError(_("Only the person who synthesises can take up amendments."), status=403)
    return services.resolve_amendment(amendment=amendment, actor=user, accept=payload.accept)


@router.post(
    "/proposals/{proposal_id}/advance",
    response=responses(ProposalDetailOut),
    operation_id="advanceProposal",
    summary="Move on: from clarifying to reactions, or from reactions to synthesis",
)
def advance_proposal(request: HttpRequest, proposal_id: int, payload: AdvanceIn) -> Proposal:
    user = auth_user(request)
    proposal = _proposal_to_steer(user, proposal_id, "steer")
    proposal = services.advance(proposal=proposal, actor=user, until=payload.until)
    return _proposal_detail(user, proposal)


@router.post(
    "/proposals/{proposal_id}/versions",
    response=responses(VersionOut, 201),
    operation_id="reviseProposal",
    summary="Write a new version; answers to earlier versions no longer count",
)
def revise_proposal(
    request: HttpRequest, proposal_id: int, payload: ReviseIn
) -> Status[ProposalVersion]:
    user = auth_user(request)
    proposal = _proposal_to_steer(user, proposal_id, "synthesise")
    organisation = proposal.circle.organisation
    measures = [
        (m.metric, m.threshold, _person_in(user, organisation, m.owner_id, field="measures"))
        for m in payload.measures
    ]
    integrations: dict[int, str] = {}
    for integration in payload.integrations:
        if integration.objection_id in integrations:
            raise ServiceError(
                _("Each objection is integrated once per version."), field="integrations"
            )
        integrations[integration.objection_id] = integration.note
    fields = payload.model_dump(
        exclude_unset=True, exclude={"change_note", "integrations", "measures", "measures_text"}
    )
    if "measures_text" in payload.model_fields_set:
        fields["measures"] = payload.measures_text
    version = services.revise(
        proposal=proposal,
        actor=user,
        change_note=payload.change_note,
        measures_to_add=measures,
        integrations=integrations,
        **fields,
    )
    return Status(201, _version(proposal, version.number))


# Consent rounds ----------------------------------------------------------------------------


def _round_detail(round_id: int) -> dict[str, Any]:
    return _roster(
        ConsentRound.objects.select_related("opened_by", "closed_by", "proposal").get(pk=round_id)
    )


@router.post(
    "/proposals/{proposal_id}/rounds",
    response=responses(RoundOut, 201),
    operation_id="openConsentRound",
    summary="Open a consent round on the current version, or on an exit (facilitator, leader)",
)
def open_round(
    request: HttpRequest, proposal_id: int, payload: RoundOpenIn
) -> Status[dict[str, Any]]:
    user = auth_user(request)
    proposal = _proposal_to_steer(user, proposal_id, "steer")
    handed_to = None
    if payload.handed_to_id is not None:
        handed_to = Circle.objects.filter(
            pk=payload.handed_to_id, organisation=proposal.circle.organisation
        ).first()
        if handed_to is None or not circle_permissions.can_view_circle(user, handed_to):
            raise ServiceError(
                _("There is no circle with id %(id)d that you can see.")
                % {"id": payload.handed_to_id},
                field="handed_to_id",
            )
    with _fields(handed_to="handed_to_id"):
        round_ = services.open_consent_round(
            proposal=proposal,
            actor=user,
            subject=payload.subject,
            handed_to=handed_to,
            closes_at=payload.closes_at,
            version_number=payload.version_number,
        )
    return Status(201, _round_detail(round_.pk))


@router.get(
    "/rounds/{round_id}",
    response=responses(RoundOut),
    operation_id="getConsentRound",
    summary="A consent round: everyone asked, each with their answer or that they have not yet",
)
def get_round(request: HttpRequest, round_id: int) -> dict[str, Any]:
    round_ = permissions.get_round_for(auth_user(request), round_id)
    return _round_detail(round_.pk)


@router.post(
    "/rounds/{round_id}/answers",
    response=responses(ResponseOut, 201),
    operation_id="answerConsentRound",
    summary="Answer in a consent round: consent, or object with a reason (once per round)",
)
def answer_round(
    request: HttpRequest, round_id: int, payload: RoundAnswerIn
) -> Status[dict[str, Any]]:
    user = auth_user(request)
    round_ = permissions.get_round_for(user, round_id, need="take_part")
    try:
        response = services.respond(
            round_=round_, user=user, answer=payload.answer, reason=payload.reason
        )
    except services.LateAnswerError as late:
        raise ServiceError(_late_answer_message(late, round_.proposal), status=409) from None
    # After the answer the round may have closed and the proposal moved on: the service says so.
    outcome, state = response.round.outcome, response.round.proposal.state
    objection = response.objection if response.answer == ConsentResponse.Answer.OBJECTION else None
    return Status(
        201,
        {
            "id": response.pk,
            "round_id": round_.pk,
            "user": user,
            "answer": response.answer,
            "reason": response.reason,
            "created_at": response.created_at,
            "late": response.after_round_closed,
            "objection_id": objection.pk if objection is not None else None,
            "round_outcome": outcome,
            "proposal_state": state,
        },
    )


def _late_answer_message(late: services.LateAnswerError, proposal: Proposal) -> str:
    """The service's sentence (the date the time to object ended, in the person's time zone),
    and the operation that calls an early review of the policy the decision set, if any."""
    policy_id = (
        Decision.objects.filter(proposal=proposal, policy__retired_at__isnull=True,
                                policy__superseded_by__isnull=True)
        .values_list("policy_id", flat=True)
        .first()
    )  # fmt: skip
    if policy_id is None:
        return _(
            "%(message)s Raise it on the circle's backlog: POST %(path)s with your reason."
        ) % {"message": late.text,
             "path": _api_path(f"/circles/{proposal.circle_id}/backlog")}  # fmt: skip
    return _("%(message)s Call the review with POST %(path)s and your reason.") % {
        "message": late.text, "path": _api_path(f"/policies/{policy_id}/review")}  # fmt: skip


@router.post(
    "/rounds/{round_id}/close",
    response=responses(RoundOut),
    operation_id="closeConsentRound",
    summary="Close a consent round early (the facilitator, under lazy consent, with a reason, "
    "once it has reached its quorum)",
)
def close_round(
    request: HttpRequest, round_id: int, payload: RoundCloseIn | None = None
) -> dict[str, Any]:
    user = auth_user(request)
    round_ = _round_to_steer(user, round_id)
    reason = payload.reason if payload is not None else ""
    services.close_round(round_=round_, actor=user, reason=reason)
    return _round_detail(round_.pk)


# Objections --------------------------------------------------------------------------------


def _objection_out(objection_id: int) -> Objection:
    return Objection.objects.select_related("objector", "stated_back_by").get(pk=objection_id)


@router.get(
    "/objections/{objection_id}",
    response=responses(ObjectionDetailOut),
    operation_id="getObjection",
    summary="An objection and its thread: stated back, confirmed, integrated",
)
def get_objection(request: HttpRequest, objection_id: int) -> Objection:
    objection = permissions.get_objection_for(auth_user(request), objection_id)
    proposal = objection.proposal
    found = _objection_out(objection.pk)
    found.proposal_title = (  # type: ignore[attr-defined]
        ProposalVersion.objects.filter(proposal=proposal, number=proposal.version_number)
        .values_list("title", flat=True)
        .get()
    )
    found.thread = list(  # type: ignore[attr-defined]
        ObjectionMessage.objects.filter(objection=found).select_related("author")
    )
    found.current_measures = list(  # type: ignore[attr-defined]
        Measure.objects.filter(
            objection=found, version__proposal=proposal, version__number=proposal.version_number
        ).select_related("owner")
    )
    return found


@router.post(
    "/objections/{objection_id}/messages",
    response=responses(MessageOut, 201),
    operation_id="discussObjection",
    summary="Add to an objection's thread",
)
def discuss_objection(
    request: HttpRequest, objection_id: int, payload: TextIn
) -> Status[ObjectionMessage]:
    user = auth_user(request)
    objection = permissions.get_objection_for(user, objection_id, need="take_part")
    message = services.discuss_objection(objection=objection, author=user, text=payload.text)
    return Status(201, message)


@router.post(
    "/objections/{objection_id}/state-back",
    response=responses(ObjectionOut),
    operation_id="stateBackObjection",
    summary="Say the objection back in your own words; the objector then confirms",
)
def state_back(request: HttpRequest, objection_id: int, payload: TextIn) -> Objection:
    user = auth_user(request)
    objection = permissions.get_objection_for(user, objection_id, need="take_part")
    if objection.objector_id == user.pk:
        raise ServiceError(_("Someone else states your objection back to you."), status=403)
    services.state_back(objection=objection, actor=user, text=payload.text)
    return _objection_out(objection.pk)


@router.post(
    "/objections/{objection_id}/confirm",
    response=responses(ObjectionOut),
    operation_id="confirmObjection",
    summary="The objector: “yes, that is my objection”",
)
def confirm_objection(request: HttpRequest, objection_id: int) -> Objection:
    user = auth_user(request)
    objection = permissions.get_objection_for(user, objection_id)
    if objection.objector_id != user.pk:
        raise ServiceError(_("Only the objector confirms they were understood."), status=403)
    services.confirm_heard(objection=objection, objector=user)
    return _objection_out(objection.pk)


@router.post(
    "/objections/{objection_id}/withdraw",
    response=responses(ObjectionOut),
    operation_id="withdrawObjection",
    summary="Withdraw your own objection (nobody else can)",
)
def withdraw_objection(request: HttpRequest, objection_id: int) -> Objection:
    user = auth_user(request)
    objection = permissions.get_objection_for(user, objection_id)
    if objection.objector_id != user.pk:
        raise ServiceError(_("Only the person who objected can withdraw an objection."), status=403)
    services.withdraw_objection(objection=objection, actor=user)
    return _objection_out(objection.pk)


# Decisions ---------------------------------------------------------------------------------


@router.get(
    "/organisations/{slug}/decisions",
    response=list[DecisionOut],
    operation_id="listDecisions",
    summary="Decisions in the circles you can see, newest first",
)
@paginate(Pages)
def list_decisions(
    request: HttpRequest,
    slug: str,
    circle: QueryEx[int | None, P(description="Only this circle's decisions (its id).")] = None,
    since: QueryEx[dt.datetime | None, P(description="Only those decided at or after.")] = None,
) -> QuerySet[Decision]:
    user = auth_user(request)
    organisation = circle_permissions.get_organisation_for(user, slug)
    decisions = Decision.objects.filter(
        circle__in=_visible_circles(user, organisation)
    ).select_related("version")
    if circle is not None:
        decisions = decisions.filter(circle_id=circle)
    if since is not None:
        if timezone.is_naive(since):  # read in the person's own time zone
            since = timezone.make_aware(since)
        decisions = decisions.filter(decided_at__gte=since)
    return decisions.order_by("-decided_at", "-pk")


@router.get(
    "/decisions/{decision_id}",
    response=responses(DecisionDetailOut),
    operation_id="getDecision",
    summary="A decision's full record, with the ledger event that holds it",
)
def get_decision(request: HttpRequest, decision_id: int) -> Decision:
    decision = permissions.get_decision_for(auth_user(request), decision_id)
    record = decision.record or {}
    ids: set[int] = set(record.get("roster", []))
    ids |= {a["user"] for a in record.get("answers", [])}
    ids |= {o["objector"] for o in record.get("objections", [])}
    ids |= {m["owner"] for m in record.get("version", {}).get("measure_set", []) if m.get("owner")}
    ids |= set(record.get("absent", [])) | set(record.get("joined_after_opening", []))
    ids |= {e["user"] for e in record.get("left", [])}
    if record.get("closed_early"):
        ids.add(record["closed_early"]["by"])
    if record.get("author"):
        ids.add(record["author"])
    decision.people = list(User.objects.filter(pk__in=ids).order_by("name", "pk"))  # type: ignore[attr-defined]
    return decision


# Policies ----------------------------------------------------------------------------------


@router.get(
    "/organisations/{slug}/policies",
    response=list[PolicyOut],
    operation_id="listPolicies",
    summary="The policy register: policies in the circles you can see",
)
@paginate(Pages)
def list_policies(
    request: HttpRequest,
    slug: str,
    circle: QueryEx[int | None, P(description="Only this circle's policies (its id).")] = None,
    status: QueryEx[PolicyStatus | None, P(description="Only policies with this status.")] = None,
) -> QuerySet[Policy]:
    user = auth_user(request)
    organisation = circle_permissions.get_organisation_for(user, slug)
    policies = Policy.objects.filter(circle__in=_visible_circles(user, organisation))
    if circle is not None:
        policies = policies.filter(circle_id=circle)
    if status is not None:
        status_q = selectors.policy_status_filter(status, timezone.localdate())
        assert status_q is not None  # the schema admits only the five statuses
        policies = policies.filter(status_q)
    return policies.order_by("title", "pk")


def _open_items(policy: Policy) -> list[BacklogItem]:
    return list(
        BacklogItem.objects.open()
        .filter(policy=policy)
        .select_related("owner", "raised_by", "closed_by")
        .order_by("created_at", "pk")
    )


@router.get(
    "/policies/{policy_id}",
    response=responses(PolicyDetailOut),
    operation_id="getPolicy",
    summary="A policy, with every decision on it and reviews waiting",
)
def get_policy(request: HttpRequest, policy_id: int) -> Policy:
    user = auth_user(request)
    policy = permissions.get_policy_for(user, policy_id)
    policy.history = list(  # type: ignore[attr-defined]
        Decision.objects.filter(policy=policy)
        .select_related("version")
        .order_by("-decided_at", "-pk")
    )
    policy.open_items = _open_items(policy)  # type: ignore[attr-defined]
    policy.can_review = (  # type: ignore[attr-defined]
        policy.is_in_force and permissions.can_review_policy(user, policy)
    )
    policy.replaced_ids = list(  # type: ignore[attr-defined]
        Policy.objects.filter(superseded_by=policy).order_by("pk").values_list("pk", flat=True)
    )
    return policy


@router.post(
    "/policies/{policy_id}/review",
    response=responses(BacklogItemOut),
    operation_id="reviewPolicy",
    summary="Call an early review: it goes on the circle's backlog",
)
def review_policy(request: HttpRequest, policy_id: int, payload: ReasonIn) -> BacklogItem:
    user = auth_user(request)
    policy = permissions.get_policy_for(user, policy_id, need="review")
    return services.call_early_review(policy=policy, actor=user, reason=payload.reason)


@router.post(
    "/policies/{policy_id}/withdraw-consent",
    response=responses(BacklogItemOut),
    operation_id="withdrawPolicyConsent",
    summary="Withdraw your consent: the policy stays in force and a review is called",
)
def withdraw_policy_consent(request: HttpRequest, policy_id: int, payload: ReasonIn) -> BacklogItem:
    user = auth_user(request)
    policy = permissions.get_policy_for(user, policy_id, need="review")
    return services.withdraw_consent(policy=policy, actor=user, reason=payload.reason)


# The backlog -------------------------------------------------------------------------------


@router.get(
    "/circles/{circle_id}/backlog",
    response=list[BacklogItemOut],
    operation_id="listBacklog",
    summary="A circle's backlog: topics to understand, explore or decide, soonest due first",
)
@paginate(Pages)
def list_backlog(
    request: HttpRequest,
    circle_id: int,
    status: QueryEx[ItemStatus | None, P(description="Only items with this status.")] = None,
) -> QuerySet[BacklogItem]:
    circle = circle_permissions.get_circle_by_id_for(auth_user(request), circle_id)
    items = BacklogItem.objects.filter(circle=circle).select_related(
        "owner", "raised_by", "closed_by"
    )
    if status is not None:
        items = items.filter(status=status)
    return items.order_by(F("due_on").asc(nulls_last=True), "created_at", "pk")


@router.post(
    "/circles/{circle_id}/backlog",
    response=responses(BacklogItemOut, 201),
    operation_id="addBacklogItem",
    summary="Add a topic to your circle's backlog, or raise one with another circle",
)
def add_backlog_item(
    request: HttpRequest, circle_id: int, payload: BacklogItemIn
) -> Status[BacklogItem]:
    user = auth_user(request)
    circle = circle_permissions.get_circle_by_id_for(user, circle_id)
    permissions.refuse_if_ended(circle)
    if not permissions.can_raise_item(user, circle):
        raise PermissionDenied
    owner = None
    if payload.owner_id is not None:
        owner = _person_in(user, circle.organisation, payload.owner_id, field="owner_id")
    with _fields(owner="owner_id"):
        item = services.add_backlog_item(
            circle=circle,
            actor=user,
            topic=payload.topic,
            description=payload.description,
            desired_outcome=payload.desired_outcome,
            owner=owner,
            due_on=payload.due_on,
        )
    return Status(201, item)


@router.post(
    "/backlog/{item_id}/close",
    response=responses(BacklogItemOut),
    operation_id="closeBacklogItem",
    summary="Close a backlog item: done, or dropped",
)
def close_backlog_item(request: HttpRequest, item_id: int, payload: BacklogCloseIn) -> BacklogItem:
    user = auth_user(request)
    item = permissions.get_item_for(user, item_id, need="close")
    # Closing as "dropped" is held to dropBacklogItem's rule and needs its reason (the service
    # sees to both), so this operation is no way around it.
    return services.close_backlog_item(
        item=item, actor=user, status=payload.status, reason=payload.reason
    )


@router.post(
    "/backlog/{item_id}/drop",
    response=responses(BacklogItemOut),
    operation_id="dropBacklogItem",
    summary="Drop a backlog item, saying why: its owner (or who raised it, if nobody owns it), "
    "the circle's facilitator or its secretary",
)
def drop_backlog_item(request: HttpRequest, item_id: int, payload: BacklogDropIn) -> BacklogItem:
    user = auth_user(request)
    item = permissions.get_item_for(user, item_id, need="drop")
    return services_backlog.drop_backlog_item(item=item, actor=user, reason=payload.reason)


@router.post(
    "/backlog/{item_id}/reopen",
    response=responses(BacklogItemOut),
    operation_id="reopenBacklogItem",
    summary="Reopen a backlog item closed by hand (dropped or done): those who may drop it, "
    "or whoever closed it",
)
def reopen_backlog_item(request: HttpRequest, item_id: int) -> BacklogItem:
    user = auth_user(request)
    item = permissions.get_item_for(user, item_id, need="reopen")
    return services_backlog.reopen_backlog_item(item=item, actor=user)


# How a circle decides ----------------------------------------------------------------------


def _settings_out(user: User, circle: Circle) -> dict[str, Any]:
    current = services.settings_for(circle)
    return {
        "circle_id": circle.pk,
        "default_review_months": current.default_review_months,
        "synthesis_by": current.synthesis_by,
        "allow_concerns": current.allow_concerns,
        "absentee_policy": current.absentee_policy,
        "lazy_consent_hours": current.lazy_consent_hours,
        "quorum_percent": current.quorum_percent,
        "can_change": permissions.can_change_settings(user, circle),
    }


@router.get(
    "/circles/{circle_id}/decision-settings",
    response=responses(SettingsOut),
    operation_id="getDecisionSettings",
    summary="How a circle runs its consent process",
)
def get_decision_settings(request: HttpRequest, circle_id: int) -> dict[str, Any]:
    user = auth_user(request)
    return _settings_out(user, circle_permissions.get_circle_by_id_for(user, circle_id))


@router.patch(
    "/circles/{circle_id}/decision-settings",
    response=responses(SettingsOut),
    operation_id="updateDecisionSettings",
    summary="Change how a circle runs its consent process (its stewards)",
)
def update_decision_settings(
    request: HttpRequest, circle_id: int, payload: SettingsPatchIn
) -> dict[str, Any]:
    user = auth_user(request)
    circle = circle_permissions.get_circle_by_id_for(user, circle_id)
    if not permissions.can_change_settings(user, circle):
        raise PermissionDenied
    services.update_settings(circle=circle, actor=user, **payload.model_dump(exclude_unset=True))
    return _settings_out(user, circle)


# What needs me -----------------------------------------------------------------------------


@router.get(
    "/organisations/{slug}/needs-me",
    response=responses(NeedsMeOut),
    operation_id="getNeedsMe",
    summary="What needs you in your circles: rounds to answer, objections to confirm, "
    "proposals to take part in, the backlog",
)
def needs_me(request: HttpRequest, slug: str) -> dict[str, Any]:
    user = auth_user(request)
    organisation = circle_permissions.get_organisation_for(user, slug)
    found = selectors.needs_me(user, circle_permissions.circle_ids_of(user, organisation))
    objections = found["objections_to_confirm"]
    ids = {r.proposal_id for r in found["rounds"]} | {o.proposal_id for o in objections}
    ids |= {p.pk for p in found["proposals"]}
    proposals = {
        p.pk: p
        for p in Proposal.objects.filter(pk__in=ids)
        .select_related("author")
        .annotate(title=_title())
    }
    return {
        "rounds": [
            {
                "id": r.pk,
                "proposal_id": r.proposal_id,
                "circle_id": r.proposal.circle_id,
                "title": proposals[r.proposal_id].title,  # type: ignore[attr-defined]
                "closes_at": r.closes_at,
            }
            for r in found["rounds"]
        ],
        "objections_to_confirm": [
            {
                "id": o.pk,
                "proposal_id": o.proposal_id,
                "title": proposals[o.proposal_id].title,  # type: ignore[attr-defined]
                "stated_back": o.stated_back,
            }
            for o in objections
        ],
        "proposals": [_with_step(proposals[p.pk], p.next_step) for p in found["proposals"]],
        "backlog": _with_people(found["backlog"]),
    }


def _with_step(proposal: Proposal, step: selectors.NextStep) -> Proposal:
    proposal.next_action = next_action_out(step, proposal.pk)  # type: ignore[attr-defined]
    return proposal


def _with_people(items: list[BacklogItem]) -> list[BacklogItem]:
    """The same items, with their owners and who raised them, in one more query."""
    loaded = BacklogItem.objects.select_related("owner", "raised_by", "closed_by").in_bulk(
        [item.pk for item in items]
    )
    return [loaded[item.pk] for item in items]
