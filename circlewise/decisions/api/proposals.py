"""API operations on proposals and their versions: drafting, presenting, clarifying questions,
reactions, friendly amendments, moving on and revising.
"""

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import P, QueryEx, Status
from ninja.pagination import paginate

from circlewise.accounts.models import User
from circlewise.circles import permissions as circle_permissions
from circlewise.circles.models import Circle
from circlewise.core.api import Pages, responses
from circlewise.core.api_auth import auth_user
from circlewise.core.errors import ServiceError

from .. import permissions, services
from ..models import (
    Contribution,
    Policy,
    Proposal,
    ProposalVersion,
)
from ..schemas import (
    AdvanceIn,
    ContributionIn,
    ContributionOut,
    PresentIn,
    ProposalCreateIn,
    ProposalDetailOut,
    ProposalOut,
    ProposalPatchIn,
    ProposalState,
    ResolveIn,
    ReviseIn,
    StepEndIn,
    TextIn,
    VersionOut,
)
from ._common import (
    State,
    _fields,
    _person_in,
    _proposal_detail,
    _proposal_to_steer,
    _title,
    _version,
    router,
)

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
    "/proposals/{proposal_id}/step-end",
    response=responses(ProposalDetailOut),
    operation_id="changeStepEnd",
    summary="Change when the current step (clarifying, reactions, consent round) ends",
)
def change_step_end(request: HttpRequest, proposal_id: int, payload: StepEndIn) -> Proposal:
    user = auth_user(request)
    proposal = _proposal_to_steer(user, proposal_id, "steer")
    proposal = services.change_step_end(
        proposal=proposal, actor=user, ends_at=payload.ends_at, reason=payload.reason
    )
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
