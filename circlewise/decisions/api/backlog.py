"""API operations on a circle's backlog."""

from django.core.exceptions import PermissionDenied
from django.db.models import F, QuerySet
from django.http import HttpRequest
from ninja import P, QueryEx, Status
from ninja.pagination import paginate

from circlewise.circles import permissions as circle_permissions
from circlewise.core.api import Pages, responses
from circlewise.core.api_auth import auth_user

from .. import permissions, services
from ..models import (
    BacklogItem,
)
from ..schemas import (
    BacklogCloseIn,
    BacklogDropIn,
    BacklogItemIn,
    BacklogItemOut,
    ItemStatus,
)
from ._common import _fields, _person_in, router

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
    return services.drop_backlog_item(item=item, actor=user, reason=payload.reason)


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
    return services.reopen_backlog_item(item=item, actor=user)
