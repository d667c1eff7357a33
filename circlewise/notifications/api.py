"""API operations on the caller's notifications, and how they hear of them by email."""

from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import P, QueryEx, Router
from ninja.pagination import paginate

from circlewise.core.api import Pages, responses
from circlewise.core.api_auth import auth_user

from . import permissions, services
from .models import Notification
from .schemas import (
    EmailPreferencesIn,
    EmailPreferencesOut,
    MarkedOut,
    NotificationOut,
    email_preferences_out,
)
from .selectors import email_frequencies, notifications_of

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


@router.get(
    "/organisations/{slug}/email-preferences",
    response=responses(EmailPreferencesOut),
    operation_id="getEmailPreferences",
    summary="How you hear from an organisation by email, per kind of notification",
)
def get_email_preferences(request: HttpRequest, slug: str) -> dict[str, Any]:
    user = auth_user(request)
    organisation = permissions.get_email_organisation_for(user, slug)
    return email_preferences_out(organisation.slug, email_frequencies(user, organisation.pk))


@router.put(
    "/organisations/{slug}/email-preferences",
    response=responses(EmailPreferencesOut),
    operation_id="setEmailPreferences",
    summary="Change how you hear from an organisation by email (kinds left out keep theirs)",
)
def set_email_preferences(
    request: HttpRequest, slug: str, payload: EmailPreferencesIn
) -> dict[str, Any]:
    user = auth_user(request)
    organisation = permissions.get_email_organisation_for(user, slug)
    chosen = services.set_email_preferences(
        user=user,
        organisation=organisation,
        choices={str(kind): str(freq) for kind, freq in payload.preferences.items()},
    )
    return email_preferences_out(organisation.slug, chosen)
