"""What the pages that change things share: finding what the path names, guarding a
submission against a double post, and links back.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from circlewise.accounts.models import User

from ...models import (
    Circle,
    Organisation,
    Role,
)
from ...permissions import (
    CircleNeed,
    can_assign_role,
    get_circle_for,
    get_organisation_for,
    get_role_for,
)

GET_POST = require_http_methods(["GET", "HEAD", "POST"])
SUBMISSION_SECONDS = 60 * 60


# Helpers -----------------------------------------------------------------------------------


def _claim_submission(request: HttpRequest, fallback: str = "") -> tuple[str, HttpResponse | None]:
    """Let a form's one-time token through once; a second send goes where the first went.

    The services refuse most duplicates themselves; this covers creating things (a circle, a
    role, an invitation), where two identical requests would otherwise make two.
    """
    token = request.POST.get("submission", "")[:64]
    if not token:
        return "", None
    key = f"circlewise:submission:{request.user.pk}:{token}"
    if cache.add(key, "", SUBMISSION_SECONDS):
        return key, None
    messages.info(request, _("That form had already been sent, so nothing changed."))
    # Still empty while the first request is running: back to the form, which shows the outcome.
    return key, redirect(cache.get(key) or fallback or request.get_full_path())


def _finish_submission(key: str, url: str) -> None:
    if key:
        cache.set(key, url, SUBMISSION_SECONDS)


def _release_submission(key: str) -> None:
    if key:
        cache.delete(key)


def _circle_in(request: HttpRequest, org: str, circle: str, *, need: CircleNeed) -> Circle:
    organisation = get_organisation_for(request.user, org)
    return get_circle_for(request.user, organisation, circle, need=need)


def _check_circle_path(circle: Circle, org: str, circle_slug: str) -> None:
    """A role or term reached through another circle's address is not found there."""
    if circle.organisation.slug != org or circle.slug != circle_slug:
        raise Http404


def _role_in(request: HttpRequest, org: str, circle: str, role_id: int) -> Role:
    """The role, if it belongs to the circle in the address and the person may fill it."""
    role = get_role_for(request.user, role_id)
    _check_circle_path(role.circle, org, circle)
    if not can_assign_role(request.user, role):
        raise PermissionDenied
    return role


def _org_people(organisation: Organisation) -> QuerySet[User]:
    return User.objects.filter(
        is_active=True,
        org_memberships__organisation=organisation,
        org_memberships__ended_at__isnull=True,
    ).order_by("name")


def _circle_url(circle: Circle) -> str:
    return reverse("circles:circle_detail", args=[circle.organisation.slug, circle.slug])


def _role_url(role: Role) -> str:
    circle = role.circle
    return reverse("circles:role_detail", args=[circle.organisation.slug, circle.slug, role.pk])
