"""API operations on how a circle runs its consent process."""

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

from circlewise.accounts.models import User
from circlewise.circles import permissions as circle_permissions
from circlewise.circles.models import Circle
from circlewise.core.api import responses
from circlewise.core.api_auth import auth_user

from .. import permissions, services
from ..schemas import (
    SettingsOut,
    SettingsPatchIn,
)
from ._common import router

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
        "clarifying_days": current.clarifying_days,
        "reactions_days": current.reactions_days,
        "consent_days": current.consent_days,
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
