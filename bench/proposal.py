"""The circle page with its body cached on the ledger sequence: a proposal, measured beside the real
page by `bench.run` (as "circle page (cached)") until circles/views/browse.py adopts it.

The view authorises exactly as the real one does, on every request, and computes every per-viewer
flag; only the body below the page header, which is the same for every viewer with the same
rights, comes from circlewise.core.cache. Its key holds the organisation's ledger sequence (every
change in the organisation moves it), the people version (names and pronouns), the language, the
time zone, today's date, the viewer's rights on the circle and which private sub-circles they see.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from circlewise.circles import permissions, selectors
from circlewise.circles.models import Circle, CircleMembership, RoleAssignment
from circlewise.core import cache, feed

RECENT_EVENTS = 6
TEMPLATE = "bench/circle_detail.html"


@login_required
def circle_detail(request: HttpRequest, org: str, circle: str) -> HttpResponse:
    organisation = permissions.get_organisation_for(request.user, org)
    the_circle = permissions.get_circle_for(request.user, organisation, circle)
    user = request.user
    mine = permissions.circle_ids_of(user, organisation)
    can_edit = permissions.can_edit_circle(user, the_circle)
    rights = {
        "is_member": the_circle.pk in mine,
        "can_edit": can_edit,
        "can_manage_members": can_edit and permissions.can_manage_members(user, the_circle),
        "can_manage_roles": can_edit and permissions.can_manage_roles(user, the_circle),
        "can_archive": permissions.can_archive_circle(user, the_circle),
        "can_create_sub": not the_circle.is_archived
        and permissions.can_create_circle(user, organisation, the_circle),
    }
    version = organisation.ledger_sequence
    private_children = cache.value(
        f"private-children:{the_circle.pk}",
        version=version,
        compute=lambda: frozenset(
            Circle.objects.filter(
                parent=the_circle, visibility=Circle.Visibility.PRIVATE
            ).values_list("pk", flat=True)
        ),
    )
    seen_private = tuple(sorted(private_children & mine))

    def render_body() -> str:
        context = {
            "organisation": organisation,
            "circle": the_circle,
            **rights,
            **_body_context(the_circle, organisation, mine),
        }
        return render_to_string(f"{TEMPLATE}#body", context, request)

    body = cache.fragment(
        f"circle-body:{the_circle.pk}",
        version=version,
        vary=(rights["can_manage_members"], rights["can_manage_roles"], seen_private),
        render=render_body,
    )
    return render(
        request,
        TEMPLATE,
        {"organisation": organisation, "circle": the_circle, "body": body, **rights},
    )


def _body_context(the_circle: Circle, organisation: Any, mine: set[int]) -> dict[str, Any]:
    """The reads of browse.circle_detail, unchanged: run only when the body is rendered."""
    today = timezone.localdate()
    members = list(
        CircleMembership.objects.current()
        .filter(circle=the_circle)
        .select_related("user")
        .only("id", "started_on", "circle_id", "user__id", "user__name", "user__email", "user__pronouns")
        .order_by("user__name")
    )
    roles = selectors.circle_roles(the_circle)
    role_names: dict[int, list[str]] = {}
    assignments: list[RoleAssignment] = []
    for role in roles:
        for a in role.current:
            a.role = role
            assignments.append(a)
            role_names.setdefault(a.holder_id, []).append(role.name)
    for m in members:
        m.role_names = role_names.get(m.user_id, [])
    parent_ids: set[int] | None = None
    if the_circle.parent_id is not None:
        linkers = [a.holder_id for a in assignments if a.role.kind in selectors.LINK_KINDS]
        parent_ids = set(
            CircleMembership.objects.current()
            .filter(circle_id=the_circle.parent_id, user_id__in=linkers)
            .values_list("user_id", flat=True)
        )
    sub_circles = [
        c
        for c in Circle.objects.filter(parent=the_circle, archived_at__isnull=True)
        if not c.is_private or c.pk in mine
    ]
    return {
        "today": today,
        "members": members,
        "person_base": reverse("circles:person_detail", args=[organisation.slug, 0])[:-2],
        "circle_roles": [r for r in roles if r.is_circle_role],
        "custom_roles": [r for r in roles if not r.is_circle_role],
        "warnings": selectors.link_warnings(the_circle, roles, parent_ids),
        "due": selectors.needs_attention(assignments, today),
        "sub_circles": sub_circles,
        "recent": list(feed.circle_feed(the_circle.pk)[:RECENT_EVENTS]),
    }
