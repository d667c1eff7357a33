"""The circle page with its body cached on the ledger sequence: the proposal that
circles/views/browse.py has since adopted (with the whole page cached per viewer as well, and the
permission priming moved into circles/permissions.py). Kept, and measured beside the real page by
`bench.run` as "circle page (cached)", "(whole page cached)" and "(lean experiment)", to compare
the variants; the lean one still shows what a per-person navigation version would save.

The view authorises exactly as the real one does, on every request, and computes every per-viewer
flag; only the body below the page header, which is the same for every viewer with the same
rights, comes from circlewise.core.cache. Its key holds the organisation's ledger sequence (every
change in the organisation moves it), the people version (names and pronouns), the language, the
time zone, today's date, the viewer's rights on the circle and which private sub-circles they see.
"""

from __future__ import annotations

import time
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from circlewise.circles import permissions, selectors
from circlewise.circles.models import Circle, CircleMembership, Organisation, RoleAssignment
from circlewise.circles.views import browse
from circlewise.core import cache, feed

RECENT_EVENTS = 6
TEMPLATE = "bench/circle_detail.html"


def prime_permissions(user: Any, organisation: Organisation) -> None:
    """Load a person's standing in an organisation (membership, circles, stewardships) from the
    cache, keyed on the organisation's ledger sequence: every change to any of them appends to that
    ledger. The permission functions then decide from exact data without a query each; they still
    run on every request. A deactivated account is refused before any of this is read.
    """
    if not (user.is_authenticated and user.is_active):
        return

    def load() -> tuple[Any, set[int], set[int]]:
        return (
            permissions.org_membership(user, organisation),
            permissions.circle_ids_of(user, organisation),
            permissions.steward_circle_ids(user, organisation),
        )

    membership, circle_ids, steward_ids = cache.value(
        f"standing:{user.pk}:{organisation.pk}", version=organisation.ledger_sequence, compute=load
    )
    user.__dict__.setdefault("_cw_org_memberships", {})[organisation.pk] = membership
    user.__dict__.setdefault("_cw_circle_ids", {})[organisation.pk] = circle_ids
    user.__dict__.setdefault("_cw_steward_ids", {})[organisation.pk] = steward_ids


def get_organisation_for(user: Any, slug: str) -> Organisation:
    """permissions.get_organisation_for, with the person's standing primed from the cache."""
    organisation = Organisation.objects.filter(slug=slug).first()
    if organisation is None:
        raise Http404
    prime_permissions(user, organisation)
    if not permissions.can_view_organisation(user, organisation):
        raise Http404
    return organisation


def get_circle_for(user: Any, organisation: Organisation, slug: str) -> Circle:
    """permissions.get_circle_for, with the circle row itself from the cache."""

    def load() -> Circle | None:
        return (
            Circle.objects.select_related("organisation", "parent")
            .filter(organisation=organisation, slug=slug)
            .first()
        )

    circle = cache.value(
        f"circle:{organisation.pk}:{slug}", version=organisation.ledger_sequence, compute=load
    )
    return permissions._authorise_circle(user, circle, "view")


@login_required
def circle_detail(request: HttpRequest, org: str, circle: str) -> HttpResponse:
    user = request.user
    organisation = get_organisation_for(user, org)
    the_circle = get_circle_for(user, organisation, circle)
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


# The page's private helpers, used if they are still there: a renamed helper must not stop the
# benchmarks, only make this copy of the page a little less like the real one.
def _with_links(organisation: Any, assignments: list[RoleAssignment]) -> list[RoleAssignment]:
    links = getattr(browse, "_Links", None)
    return links(organisation).add_to(assignments) if links else assignments


def _recent_events(organisation: Any, the_circle: Circle) -> list[Any]:
    events = getattr(browse, "_circle_events", None)
    found = events(organisation, the_circle) if events else feed.circle_feed(the_circle.pk)
    return list(found[:RECENT_EVENTS])


def _body_context(the_circle: Circle, organisation: Any, mine: set[int]) -> dict[str, Any]:
    """The reads of browse.circle_detail, unchanged (keep in step with it): run only when the body
    is rendered. The template is a copy of circles/circle_detail.html split at the header."""
    today = timezone.localdate()
    members = list(
        CircleMembership.objects.current()
        .filter(circle=the_circle)
        .select_related("user")
        .only(
            "id",
            "started_on",
            "circle_id",
            "user__id",
            "user__name",
            "user__email",
            "user__pronouns",
        )
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
        "due": _with_links(organisation, selectors.needs_attention(assignments, today)),
        "sub_circles": sub_circles,
        "recent": _recent_events(organisation, the_circle),
    }


@login_required
def chrome(request: HttpRequest, org: str) -> HttpResponse:
    """Only base.html around an empty page: what every signed-in page pays for its chrome."""
    organisation = get_organisation_for(request.user, org)
    return render(request, "base.html", {"organisation": organisation})


@login_required
def chrome_without_nav_queries(request: HttpRequest, org: str) -> HttpResponse:
    """base.html with the navigation's data given (no queries): what its rendering alone costs."""
    organisation = get_organisation_for(request.user, org)
    context = {"organisation": organisation, "nav_organisations": [organisation], "nav_unread": 3}
    return render(request, "base.html", context)


@login_required
def circle_detail_whole_page(request: HttpRequest, org: str, circle: str) -> HttpResponse:
    """Experiment: the whole page cached per viewer's browser session, on top of the body cache.

    The page holds a CSRF token, which is valid for as long as the browser's CSRF cookie keeps its
    secret: the secret is part of the key, so a new secret (a new sign-in) is a new page. Without a
    CSRF cookie yet, or with messages to show, the page is rendered as usual. The navigation's data
    (the person's organisations, the unread count) is still read on every request and is part of
    the key, so the page is exact.
    """
    from django.conf import settings
    from django.contrib.messages import get_messages

    from circlewise.circles.models import Organisation as Org
    from circlewise.notifications.models import Notification

    user = request.user
    secret = request.COOKIES.get(settings.CSRF_COOKIE_NAME, "")
    if not secret or len(get_messages(request)):
        return circle_detail(request, org, circle)
    organisation = get_organisation_for(user, org)
    the_circle = get_circle_for(user, organisation, circle)
    orgs = list(
        Org.objects.filter(memberships__user=user, memberships__ended_at__isnull=True).order_by(
            "name"
        )
    )
    unread = Notification.objects.unread().filter(recipient=user).count()
    mine = permissions.circle_ids_of(user, organisation)
    vary = (
        user.pk,
        secret,
        permissions.can_edit_circle(user, the_circle),
        permissions.can_archive_circle(user, the_circle),
        permissions.can_create_circle(user, organisation, the_circle),
        the_circle.pk in mine,
        tuple(sorted(mine)),
        tuple((o.pk, o.slug, o.name) for o in orgs),
        unread,
    )

    def render_page() -> str:
        response = circle_detail(request, org, circle)
        return response.content.decode()

    html = cache.fragment(
        f"circle-page:{the_circle.pk}",
        version=organisation.ledger_sequence,
        vary=vary,
        render=render_page,
    )
    return HttpResponse(html)


def nav_version(user_id: int) -> int:
    """Experiment: a per-person counter that would move whenever their navigation changes (a
    notification delivered or read, an organisation joined, left or renamed). Nothing moves it
    yet: notifications and circles services would call `nav_changed` on commit."""
    from django.core.cache import cache as django_cache

    key = f"cw:nav-version:{user_id}"
    found = django_cache.get(key)
    if found is None:
        django_cache.add(key, time.time_ns() // 1000, timeout=None)
        found = django_cache.get(key, 0)
    return int(found)


@login_required
def circle_detail_lean(request: HttpRequest, org: str, circle: str) -> HttpResponse:
    """Experiment: the whole page cached, with the navigation's data from a per-person version
    instead of two queries. Measures what the page would cost once that version exists; with
    BENCH_SESSION_ENGINE=django.contrib.sessions.backends.cached_db the session is cached too."""
    from django.conf import settings
    from django.contrib.messages import get_messages

    from circlewise.circles.models import Organisation as Org
    from circlewise.notifications.models import Notification

    user = request.user
    secret = request.COOKIES.get(settings.CSRF_COOKIE_NAME, "")
    if not secret or len(get_messages(request)):
        return circle_detail(request, org, circle)
    organisation = get_organisation_for(user, org)
    the_circle = get_circle_for(user, organisation, circle)

    def load_nav() -> tuple[list[Any], int]:
        orgs = list(
            Org.objects.filter(memberships__user=user, memberships__ended_at__isnull=True).order_by(
                "name"
            )
        )
        return orgs, Notification.objects.unread().filter(recipient=user).count()

    orgs, unread = cache.value(f"nav:{user.pk}", version=nav_version(user.pk), compute=load_nav)
    mine = permissions.circle_ids_of(user, organisation)
    vary = (
        user.pk,
        secret,
        permissions.can_edit_circle(user, the_circle),
        permissions.can_archive_circle(user, the_circle),
        permissions.can_create_circle(user, organisation, the_circle),
        tuple(sorted(mine)),
        tuple((o.pk, o.slug, o.name) for o in orgs),
        unread,
    )

    def render_page() -> str:
        return circle_detail(request, org, circle).content.decode()

    html = cache.fragment(
        f"circle-page:{the_circle.pk}",
        version=organisation.ledger_sequence,
        vary=vary,
        render=render_page,
    )
    return HttpResponse(html)
