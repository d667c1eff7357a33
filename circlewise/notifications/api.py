"""API operations on the caller's notifications."""

from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import P, QueryEx, Router
from ninja.pagination import paginate

from circlewise.core.api import Pages, responses
from circlewise.core.api_auth import auth_user

from . import permissions, services
from .models import Notification
from .schemas import MarkedOut, NotificationOut
from .selectors import notifications_of

router = Router(tags=["notifications"])


@router.get(
    "/notifications",
    response=list[NotificationOut],
    operation_id="listNotifications",
    summary="Your notifications, newest first",
)
@paginate(Pages)
def list_notifications(
    request: HttpRequest,
    unread: QueryEx[bool, P(description="Only those not yet read.")] = False,
) -> QuerySet[Notification]:
    notifications = notifications_of(auth_user(request))
    return notifications.unread() if unread else notifications


@router.post(
    "/notifications/{notification_id}/read",
    response=responses(NotificationOut),
    operation_id="markNotificationRead",
    summary="Mark one notification read",
)
def mark_notification_read(request: HttpRequest, notification_id: int) -> Notification:
    user = auth_user(request)
    notification = permissions.get_notification_for(user, notification_id)
    services.mark_read(user=user, notification_ids=[notification.pk])
    notification.refresh_from_db()
    return notification


@router.post(
    "/notifications/read-all",
    response=responses(MarkedOut),
    operation_id="markAllNotificationsRead",
    summary="Mark all your notifications read",
)
def mark_all_notifications_read(request: HttpRequest) -> dict[str, Any]:
    return {"marked": services.mark_read(user=auth_user(request), notification_ids=None)}
