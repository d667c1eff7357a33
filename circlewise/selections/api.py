"""API operations on selections: a circle's selections, starting one for a role, reading one
(whoever sees its circle; 404 for anyone else), and each step. The same permission functions and
services as the pages; the reads they share are in reads.py.

The nominations are read as the pages show them: before the reveal, each caller gets their own
nomination alone (the facilitator too), afterwards everyone's.
"""

from typing import Any

from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Status
from ninja.pagination import paginate

from circlewise.accounts.models import User
from circlewise.circles import permissions as circle_permissions
from circlewise.circles.models import Role
from circlewise.core.api import Pages, responses
from circlewise.core.api_auth import auth_user
from circlewise.core.errors import ServiceError

from . import permissions, reads, services, services_consent
from .models import Selection
from .schemas import (
    SelectionAnswerIn,
    SelectionCancelIn,
    SelectionChangeIn,
    SelectionConsentIn,
    SelectionHandOverIn,
    SelectionIntegrateIn,
    SelectionNominateIn,
    SelectionOut,
    SelectionPrepareIn,
    SelectionProposeIn,
    SelectionQualificationIn,
    SelectionRenewalIn,
    SelectionStartIn,
    SelectionStepEndIn,
    SelectionSummaryOut,
)

router = Router(tags=["selections"])


def _person(user: Any) -> dict[str, Any] | None:
    if user is None:
        return None
    return {"id": user.pk, "name": user.name, "pronouns": user.pronouns}


def _summary(selection: Selection) -> dict[str, Any]:
    return {
        "id": selection.pk, "role_id": selection.role_id, "role_name": selection.role.name,
        "circle_id": selection.circle_id, "facilitator": _person(selection.facilitator),
        "proposer": _person(selection.proposer), "step": selection.step,
        "term_months": selection.term_months, "step_ends_at": selection.step_ends_at,
        "revealed_at": selection.revealed_at, "created_at": selection.created_at,
        "closed_at": selection.closed_at,
    }  # fmt: skip


def _answer(consents: bool) -> str:
    return "consent" if consents else "objection"


def _candidate(selection: Selection) -> dict[str, Any] | None:
    found = reads.candidate_round(selection)
    if found is None:
        return None
    c = found.candidate
    return {
        "id": c.pk, "nominee": _person(c.nominee), "version": c.version, "reasons": c.reasons,
        "term_months": c.term_months, "measures": c.measures,
        "proposed_by": _person(c.proposed_by), "created_at": c.created_at,
        "answers": [
            {"person": _person(a.person), "answer": _answer(a.consents), "reason": a.reason,
             "withdrawn_at": a.withdrawn_at, "recorded_by": _person(a.recorded_by),
             "answered_at": a.answered_at}
            for a in found.answers
        ],
        "waiting_for": [_person(p) for p in found.waiting],
    }  # fmt: skip


def _out(selection_id: int, user: Any) -> dict[str, Any]:
    selection = permissions.get_selection_for(user, selection_id)
    return {
        **_summary(selection),
        "qualifications": selection.qualification_list(),
        "preparation_version": selection.prepare_version,
        "preparation_answers": [
            {"person": _person(a.person), "answer": _answer(a.consents), "reason": a.reason,
             "answered_at": a.answered_at}
            for a in reads.preparation_answers(selection)
        ],
        "roster": [
            {"person": _person(s.person), "seat": s.seat, "is_voting": s.is_voting}
            for s in reads.roster(selection)
        ],
        "nominations_revealed": selection.is_revealed,
        "nominations": [
            {"round": n.round, "nominator": _person(n.nominator), "nominee": _person(n.nominee),
             "reason": n.reason, "kept": n.kept, "created_at": n.created_at}
            for n in reads.nominations_for(user, selection)
        ],
        "candidate": _candidate(selection),
        "assignment_id": selection.outcome_id,
    }  # fmt: skip


def _someone(selection: Selection, user_id: int | None, field: str) -> User | None:
    """A person named in a body: someone in the selection's organisation (the service checks
    they are on the roster)."""
    if user_id is None:
        return None
    found = User.objects.filter(
        pk=user_id, org_memberships__organisation_id=selection.circle.organisation_id
    ).first()
    if found is None:
        raise ServiceError(
            _("There is no one with id %(id)d in this organisation.") % {"id": user_id},
            field=field,
        )
    return found


@router.get(
    "/circles/{circle_id}/selections",
    response=list[SelectionSummaryOut],
    operation_id="listSelections",
    summary="A circle's selections of role holders: those under way first, then the newest",
)
@paginate(Pages)
def list_selections(request: HttpRequest, circle_id: int) -> list[dict[str, Any]]:
    user = auth_user(request)
    circle = circle_permissions.get_circle_by_id_for(user, circle_id)
    return [_summary(s) for s in reads.selections_of(circle.pk)]


@router.post(
    "/roles/{role_id}/selections",
    response=responses(SelectionOut, 201),
    operation_id="startSelection",
    summary="Start selecting a role's holder, with the circle's members as the roster",
)
def start_selection(
    request: HttpRequest, role_id: int, payload: SelectionStartIn
) -> Status[dict[str, Any]]:
    user = auth_user(request)
    found = Role.objects.select_related("circle__organisation").filter(pk=role_id).first()
    if found is None:
        raise Http404
    role = permissions.get_role_to_select_for(user, found.circle, role_id)
    facilitator = None
    if payload.facilitator_id is not None:
        facilitator = User.objects.filter(
            pk=payload.facilitator_id, org_memberships__organisation=role.circle.organisation
        ).first()
        if facilitator is None:
            raise ServiceError(
                _("There is no one with id %(id)d in this organisation.")
                % {"id": payload.facilitator_id},
                field="facilitator_id",
            )
    selection = services.start_selection(
        role=role, actor=user, facilitator=facilitator, term_months=payload.term_months,
        qualifications=payload.qualifications, step_ends_at=payload.step_ends_at,
    )  # fmt: skip
    return Status(201, _out(selection.pk, user))


@router.get(
    "/selections/{selection_id}",
    response=responses(SelectionOut),
    operation_id="getSelection",
    summary="A selection: its roster, term, qualifications, nominations and consent round",
)
def get_selection(request: HttpRequest, selection_id: int) -> dict[str, Any]:
    return _out(selection_id, auth_user(request))


@router.post(
    "/selections/{selection_id}/preparation",
    response=responses(SelectionOut),
    operation_id="prepareSelection",
    summary="Write down the term and qualifications the circle agreed on (the facilitator)",
)
def prepare(request: HttpRequest, selection_id: int, payload: SelectionPrepareIn) -> dict[str, Any]:
    user = auth_user(request)
    selection = permissions.get_selection_for(user, selection_id, need="facilitate")
    services.prepare(
        selection=selection, actor=user, term_months=payload.term_months,
        qualifications=payload.qualifications, step_ends_at=payload.step_ends_at,
    )  # fmt: skip
    return _out(selection_id, user)


@router.post(
    "/selections/{selection_id}/qualifications",
    response=responses(SelectionOut),
    operation_id="addSelectionQualification",
    summary="Add a qualification in the qualifications round (a member on the roster)",
)
def add_qualification(
    request: HttpRequest, selection_id: int, payload: SelectionQualificationIn
) -> dict[str, Any]:
    user = auth_user(request)
    selection = permissions.get_selection_for(user, selection_id, need="elect")
    services.add_qualification(selection=selection, actor=user, qualification=payload.qualification)
    return _out(selection_id, user)


@router.post(
    "/selections/{selection_id}/preparation/answer",
    response=responses(SelectionOut),
    operation_id="answerSelectionPreparation",
    summary="Consent to the term and qualifications, or object saying why (a member on the roster)",
)
def answer_preparation(
    request: HttpRequest, selection_id: int, payload: SelectionConsentIn
) -> dict[str, Any]:
    user = auth_user(request)
    selection = permissions.get_selection_for(user, selection_id, need="elect")
    services.answer_preparation(
        selection=selection, actor=user, consents=payload.answer == "consent",
        reason=payload.reason,
    )  # fmt: skip
    return _out(selection_id, user)


@router.post(
    "/selections/{selection_id}/nominations/open",
    response=responses(SelectionOut),
    operation_id="openSelectionNominations",
    summary="Open the nominations once the term and qualifications are consented (the facilitator)",
)
def open_nominations(
    request: HttpRequest, selection_id: int, payload: SelectionStepEndIn
) -> dict[str, Any]:
    user = auth_user(request)
    selection = permissions.get_selection_for(user, selection_id, need="facilitate")
    services.open_nominations(selection=selection, actor=user, step_ends_at=payload.step_ends_at)
    return _out(selection_id, user)


@router.post(
    "/selections/{selection_id}/nominations",
    response=responses(SelectionOut),
    operation_id="nominate",
    summary="Write your nomination, secret until they are revealed (a member on the roster)",
)
def nominate(
    request: HttpRequest, selection_id: int, payload: SelectionNominateIn
) -> dict[str, Any]:
    user = auth_user(request)
    selection = permissions.get_selection_for(user, selection_id, need="elect")
    nominee = _someone(selection, payload.nominee_id, "nominee_id")
    services.nominate(selection=selection, actor=user, nominee=nominee, reason=payload.reason)
    return _out(selection_id, user)


@router.post(
    "/selections/{selection_id}/reveal",
    response=responses(SelectionOut),
    operation_id="revealNominations",
    summary="Reveal the nominations before everyone has nominated (the facilitator)",
)
def reveal(request: HttpRequest, selection_id: int) -> dict[str, Any]:
    user = auth_user(request)
    selection = permissions.get_selection_for(user, selection_id, need="facilitate")
    services.reveal(selection=selection, actor=user)
    return _out(selection_id, user)


@router.post(
    "/selections/{selection_id}/changes",
    response=responses(SelectionOut),
    operation_id="changeNomination",
    summary="In the change round, keep your nomination or change it saying why",
)
def change(request: HttpRequest, selection_id: int, payload: SelectionChangeIn) -> dict[str, Any]:
    user = auth_user(request)
    selection = permissions.get_selection_for(user, selection_id, need="elect")
    nominee = _someone(selection, payload.nominee_id, "nominee_id")
    services.change_nomination(
        selection=selection, actor=user, nominee=nominee, reason=payload.reason
    )
    return _out(selection_id, user)


@router.post(
    "/selections/{selection_id}/change-round/close",
    response=responses(SelectionOut),
    operation_id="closeChangeRound",
    summary="End the change round: who has not answered keeps their nomination (the facilitator)",
)
def close_change_round(request: HttpRequest, selection_id: int) -> dict[str, Any]:
    user = auth_user(request)
    selection = permissions.get_selection_for(user, selection_id, need="facilitate")
    services.close_change_round(selection=selection, actor=user)
    return _out(selection_id, user)


@router.post(
    "/selections/{selection_id}/hand-over",
    response=responses(SelectionOut),
    operation_id="handOverProposal",
    summary="Hand the proposal over to another member, or take it back (the facilitator)",
)
def hand_over(
    request: HttpRequest, selection_id: int, payload: SelectionHandOverIn
) -> dict[str, Any]:
    user = auth_user(request)
    selection = permissions.get_selection_for(user, selection_id, need="facilitate")
    proposer = _someone(selection, payload.proposer_id, "proposer_id")
    services.hand_over(selection=selection, actor=user, proposer=proposer)
    return _out(selection_id, user)


@router.post(
    "/selections/{selection_id}/step-end",
    response=responses(SelectionOut),
    operation_id="setSelectionStepEnd",
    summary="Change when the current step ends, or take its deadline away (the facilitator)",
)
def set_step_end(
    request: HttpRequest, selection_id: int, payload: SelectionStepEndIn
) -> dict[str, Any]:
    user = auth_user(request)
    selection = permissions.get_selection_for(user, selection_id, need="facilitate")
    services.set_step_end(selection=selection, actor=user, step_ends_at=payload.step_ends_at)
    return _out(selection_id, user)


@router.post(
    "/selections/{selection_id}/candidates",
    response=responses(SelectionOut),
    operation_id="proposeCandidate",
    summary="Propose a nominee with reasons and the term: the consent round opens",
)
def propose(request: HttpRequest, selection_id: int, payload: SelectionProposeIn) -> dict[str, Any]:
    user = auth_user(request)
    selection = permissions.get_selection_for(user, selection_id, need="propose")
    nominee = _someone(selection, payload.nominee_id, "nominee_id")
    services_consent.propose(
        selection=selection, actor=user, nominee=nominee, reasons=payload.reasons,
        term_months=payload.term_months, measures=payload.measures,
    )  # fmt: skip
    return _out(selection_id, user)


@router.post(
    "/selections/{selection_id}/renewal",
    response=responses(SelectionOut),
    operation_id="proposeRenewal",
    summary="Propose renewing the current holder's term, without nominations",
)
def propose_renewal(
    request: HttpRequest, selection_id: int, payload: SelectionRenewalIn
) -> dict[str, Any]:
    user = auth_user(request)
    selection = permissions.get_selection_for(user, selection_id, need="propose")
    services_consent.propose_renewal(
        selection=selection, actor=user, reasons=payload.reasons, measures=payload.measures
    )
    return _out(selection_id, user)


@router.post(
    "/selections/{selection_id}/candidates/integrate",
    response=responses(SelectionOut),
    operation_id="integrateSelectionObjections",
    summary="Meet the objections in a new version of the proposal: everyone answers again",
)
def integrate(
    request: HttpRequest, selection_id: int, payload: SelectionIntegrateIn
) -> dict[str, Any]:
    user = auth_user(request)
    selection = permissions.get_selection_for(user, selection_id, need="propose")
    services_consent.integrate(
        selection=selection, actor=user, reasons=payload.reasons,
        term_months=payload.term_months, measures=payload.measures,
    )  # fmt: skip
    return _out(selection_id, user)


@router.post(
    "/selections/{selection_id}/answers",
    response=responses(SelectionOut),
    operation_id="answerCandidate",
    summary="Consent to the candidate or object with a reason; the nominee answers last",
)
def answer(request: HttpRequest, selection_id: int, payload: SelectionAnswerIn) -> dict[str, Any]:
    user = auth_user(request)
    recording = payload.for_person_id is not None and payload.for_person_id != user.pk
    selection = permissions.get_selection_for(
        user, selection_id, need="facilitate" if recording else "elect"
    )
    for_person = _someone(selection, payload.for_person_id, "for_person_id") if recording else None
    services_consent.answer(
        selection=selection, actor=user, consents=payload.answer == "consent",
        reason=payload.reason, for_person=for_person,
    )  # fmt: skip
    return _out(selection_id, user)


@router.post(
    "/selections/{selection_id}/objection/withdraw",
    response=responses(SelectionOut),
    operation_id="withdrawSelectionObjection",
    summary="Withdraw your objection to the candidate",
)
def withdraw_objection(request: HttpRequest, selection_id: int) -> dict[str, Any]:
    user = auth_user(request)
    selection = permissions.get_selection_for(user, selection_id, need="elect")
    services_consent.withdraw_objection(selection=selection, actor=user)
    return _out(selection_id, user)


@router.post(
    "/selections/{selection_id}/cancel",
    response=responses(SelectionOut),
    operation_id="cancelSelection",
    summary="Cancel the selection, saying why (its facilitator, or who manages the roles)",
)
def cancel(request: HttpRequest, selection_id: int, payload: SelectionCancelIn) -> dict[str, Any]:
    user = auth_user(request)
    selection = permissions.get_selection_for(user, selection_id, need="cancel")
    services.cancel(selection=selection, actor=user, reason=payload.reason)
    return _out(selection_id, user)
