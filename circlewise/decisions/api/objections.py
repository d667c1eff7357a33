"""API operations on objections: their thread, stating back, confirming, withdrawing."""

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Status

from circlewise.core.api import responses
from circlewise.core.api_auth import auth_user
from circlewise.core.errors import ServiceError

from .. import permissions, services
from ..models import (
    Measure,
    Objection,
    ObjectionMessage,
    ProposalVersion,
)
from ..schemas import (
    MessageOut,
    ObjectionDetailOut,
    ObjectionOut,
    TextIn,
)
from ._common import router

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
