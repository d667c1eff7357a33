"""API operations on consent rounds and their answers."""

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Status

from circlewise.circles import permissions as circle_permissions
from circlewise.circles.models import Circle
from circlewise.core.api import responses
from circlewise.core.api_auth import auth_user
from circlewise.core.errors import ServiceError

from .. import permissions, services
from ..models import (
    ConsentResponse,
    ConsentRound,
    Decision,
    Proposal,
)
from ..schemas import (
    ResponseOut,
    RoundAnswerIn,
    RoundCloseIn,
    RoundOpenIn,
    RoundOut,
)
from ._common import _api_path, _fields, _proposal_to_steer, _roster, _round_to_steer, router

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
