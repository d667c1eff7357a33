"""Pages that show things: the organisation, its circles, roles, people, terms and record.

Each view authorises through circles.permissions, reads through circles.selectors with a fixed
number of queries, and renders. Nothing here changes state.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from circlewise.accounts.models import User
from circlewise.core import feed
from circlewise.core.ledger import verify_organisation
from circlewise.core.models import LedgerEvent

from .. import chart, permissions, selectors
from ..models import Circle, CircleMembership, Organisation, OrgMembership, Role, RoleAssignment

FEED_PAGE_SIZE = 30
RECENT_EVENTS = 6


def _organisation(request: HttpRequest, slug: str, *, need: str = "view") -> Organisation:
    return permissions.get_organisation_for(request.user, slug, need=need)


def _attention_groups(assignments: list[RoleAssignment], today: dt.date) -> dict[str, Any]:
    expired = [a for a in assignments if a.term_end < today]
    ending = [a for a in assignments if a.term_end >= today]
    return {"expired": expired, "ending": ending}


# The organisation --------------------------------------------------------------------------


@login_required
def org_home(request: HttpRequest, org: str) -> HttpResponse:
    """What needs me: my circles, my roles and their terms, terms due in my circles, activity."""
    organisation = _organisation(request, org)
    user = request.user
    today = timezone.localdate()
    mine = permissions.circle_ids_of(user, organisation)
    my_circles = list(
        Circle.objects.filter(pk__in=mine, archived_at__isnull=True).select_related("parent")
    )
    my_roles = list(
        RoleAssignment.objects.current()
        .filter(
            holder_id=user.pk,
            role__circle__organisation=organisation,
            role__circle__archived_at__isnull=True,
        )
        .select_related("role__circle")
        .order_by("term_end")
    )
    due = selectors.attention_assignments(organisation, mine, today)
    hidden = selectors.hidden_private_ids(user, organisation)
    recent = list(feed.organisation_feed(organisation.pk, set(), hidden)[:RECENT_EVENTS])
    return render(
        request,
        "circles/org_home.html",
        {
            "organisation": organisation,
            "today": today,
            "my_circles": my_circles,
            "my_roles": my_roles,
            "my_roles_due": [a for a in my_roles if a.term_end <= _limit(today)],
            "due": due,
            "due_groups": _attention_groups(due, today),
            "recent": recent,
            "is_admin": permissions.can_admin_organisation(user, organisation),
            "can_create_circle": permissions.can_create_circle(user, organisation, None),
        },
    )


def _limit(today: dt.date) -> dt.date:
    return today + dt.timedelta(days=settings.TERM_WARNING_DAYS)


@login_required
def org_about(request: HttpRequest, org: str) -> HttpResponse:
    organisation = _organisation(request, org)
    return render(
        request,
        "circles/org_about.html",
        {
            "organisation": organisation,
            "can_edit": permissions.can_admin_organisation(request.user, organisation),
            "member_count": OrgMembership.objects.current()
            .filter(organisation=organisation)
            .count(),
        },
    )


@login_required
def person_detail(request: HttpRequest, org: str, user_id: int) -> HttpResponse:
    """A person's circles and roles (in circles the viewer may see), name and pronouns."""
    organisation = _organisation(request, org)
    person = User.objects.filter(pk=user_id).first()
    if person is None or not permissions.can_view_person(request.user, organisation, person):
        raise Http404
    viewer_circles = {c.pk for c in selectors.visible_circles(request.user, organisation)}
    membership = (
        OrgMembership.objects.filter(organisation=organisation, user=person)
        .order_by("-started_at")
        .first()
    )
    circles = [
        m
        for m in CircleMembership.objects.current()
        .filter(user=person, circle__organisation=organisation, circle__archived_at__isnull=True)
        .select_related("circle")
        .order_by("circle__name")
        if m.circle_id in viewer_circles
    ]
    assignments = [
        a
        for a in RoleAssignment.objects.filter(
            holder=person, role__circle__organisation=organisation
        )
        .select_related("role__circle")
        .order_by("ended_on", "-term_end")
        if a.role.circle_id in viewer_circles
    ]
    current = [a for a in assignments if a.ended_on is None]
    past = [a for a in assignments if a.ended_on is not None]
    return render(
        request,
        "circles/person_detail.html",
        {
            "organisation": organisation,
            "person": person,
            "membership": membership,
            "is_me": person.pk == request.user.pk,
            "circle_memberships": circles,
            "current_roles": current,
            "past_roles": past,
        },
    )


@login_required
def circle_list(request: HttpRequest, org: str) -> HttpResponse:
    """The structure as a nested list: the equivalent of the chart, for every reader."""
    organisation = _organisation(request, org)
    circles = selectors.visible_circles(request.user, organisation)
    holders = selectors.link_holders(organisation)
    counts = selectors.member_counts(organisation)
    for c in circles:
        links = holders.get(c.pk, {})
        c.leader = links.get(Role.Kind.LEADER)  # type: ignore[attr-defined]
        c.delegate = links.get(Role.Kind.DELEGATE)  # type: ignore[attr-defined]
        c.member_count = counts.get(c.pk, 0)  # type: ignore[attr-defined]
    return render(
        request,
        "circles/circle_list.html",
        {
            "organisation": organisation,
            "tree": selectors.circle_tree(circles),
            "circle_count": len(circles),
            "mine": permissions.circle_ids_of(request.user, organisation),
            "can_create_circle": permissions.can_create_circle(request.user, organisation, None),
        },
    )


@login_required
def org_chart(request: HttpRequest, org: str) -> HttpResponse:
    """Circles drawn as circles, packed inside their parents, each a link."""
    organisation = _organisation(request, org)
    circles = selectors.visible_circles(request.user, organisation)
    holders = selectors.link_holders(organisation)
    counts = selectors.member_counts(organisation)
    visible_ids = {c.pk for c in circles}
    tree = selectors.circle_tree(circles)
    nodes = []
    for item in selectors.flatten(tree):
        c = item.circle
        nodes.append(chart.ChartNode(c.pk, c.parent_id, counts.get(c.pk, 0)))
    # Re-parent circles whose parent is hidden, as the list view does.
    parent_in_tree = {
        child.circle.pk: item.circle.pk
        for item in selectors.flatten(tree)
        for child in item.children
    }
    for node in nodes:
        node.parent_id = parent_in_tree.get(node.id)
    discs = chart.pack(nodes)
    base = reverse("circles:circle_detail", args=[organisation.slug, "__slug__"])
    by_id = {c.pk: c for c in circles}
    labels: dict[int, str] = {}
    links: dict[int, tuple[bool, bool]] = {}
    for c in circles:
        h = holders.get(c.pk, {})
        leader, delegate = h.get(Role.Kind.LEADER), h.get(Role.Kind.DELEGATE)
        parts = [c.name + ".", _("Aim: %(aim)s") % {"aim": _short(c.aim)}]
        parts.append(
            _("Leader: %(name)s.") % {"name": leader.holder.name} if leader else _("No leader.")
        )
        parts.append(
            _("Delegate: %(name)s.") % {"name": delegate.holder.name}
            if delegate
            else _("No delegate.")
        )
        labels[c.pk] = " ".join(parts)
        if parent_in_tree.get(c.pk) is not None:
            links[c.pk] = (leader is not None, delegate is not None)
    drawn, box = chart.draw(
        discs,
        names={c.pk: c.name for c in circles},
        hues={c.pk: c.hue for c in circles},
        hrefs={pk: base.replace("__slug__", by_id[pk].slug) for pk in visible_ids},
        labels=labels,
        links=links,
    )
    pad = max(box[2], box[3]) * 0.02
    return render(
        request,
        "circles/org_chart.html",
        {
            "organisation": organisation,
            "drawn": drawn,
            "viewbox": f"{box[0] - pad:.1f} {box[1] - pad:.1f} {box[2] + 2 * pad:.1f} "
            f"{box[3] + 2 * pad:.1f}",
            "is_large": len(circles) > 40,
            "circle_count": len(circles),
        },
    )


def _short(text: str, limit: int = 140) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


@login_required
def terms(request: HttpRequest, org: str) -> HttpResponse:
    """Terms that have expired or end soon, and circle roles nobody holds, in visible circles."""
    organisation = _organisation(request, org)
    today = timezone.localdate()
    visible = {c.pk for c in selectors.visible_circles(request.user, organisation)}
    due = selectors.attention_assignments(organisation, visible, today)
    return render(
        request,
        "circles/terms.html",
        {
            "organisation": organisation,
            "today": today,
            "groups": _attention_groups(due, today),
            "vacant": selectors.vacant_circle_roles(organisation, visible),
            "warning_days": settings.TERM_WARNING_DAYS,
        },
    )


def _page(request: HttpRequest, events: Any) -> Any:
    return Paginator(events, FEED_PAGE_SIZE).get_page(request.GET.get("page"))


def _circle_map(organisation: Organisation) -> dict[int, Circle]:
    return {
        c.pk: c
        for c in Circle.objects.filter(organisation=organisation).only(
            "id", "name", "slug", "organisation_id", "visibility", "archived_at"
        )
    }


@login_required
def org_feed(request: HttpRequest, org: str) -> HttpResponse:
    organisation = _organisation(request, org)
    hidden = selectors.hidden_private_ids(request.user, organisation)
    page = _page(request, feed.organisation_feed(organisation.pk, set(), hidden))
    circles = _circle_map(organisation)
    for event in page:
        event.circle_obj = circles.get(event.circle_id) if event.circle_id else None
    return render(
        request,
        "circles/feed.html",
        {"organisation": organisation, "page": page, "circle": None},
    )


@login_required
def circle_feed(request: HttpRequest, org: str, circle: str) -> HttpResponse:
    organisation = _organisation(request, org)
    the_circle = permissions.get_circle_for(request.user, organisation, circle)
    page = _page(request, feed.circle_feed(the_circle.pk))
    return render(
        request,
        "circles/feed.html",
        {"organisation": organisation, "page": page, "circle": the_circle},
    )


@login_required
def ledger(request: HttpRequest, org: str) -> HttpResponse:
    """For organisation admins: the chain's head, and a check of every link on request."""
    organisation = _organisation(request, org, need="admin")
    report = verify_organisation(organisation) if request.GET.get("verify") else None
    latest = list(
        LedgerEvent.objects.filter(organisation=organisation)
        .select_related("actor")
        .order_by("-sequence")[:10]
    )
    return render(
        request,
        "circles/ledger.html",
        {"organisation": organisation, "report": report, "latest": latest},
    )


# One circle --------------------------------------------------------------------------------


@login_required
def circle_detail(request: HttpRequest, org: str, circle: str) -> HttpResponse:
    """What this circle is, who is in it, who holds its roles and until when."""
    organisation = _organisation(request, org)
    the_circle = permissions.get_circle_for(request.user, organisation, circle)
    user = request.user
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
        for a in role.current:  # type: ignore[attr-defined]
            a.role = role
            assignments.append(a)
            role_names.setdefault(a.holder_id, []).append(role.name)
    for m in members:
        m.role_names = role_names.get(m.user_id, [])  # type: ignore[attr-defined]
    parent_ids: set[int] | None = None
    if the_circle.parent_id is not None:
        linkers = [a.holder_id for a in assignments if a.role.kind in selectors.LINK_KINDS]
        parent_ids = set(
            CircleMembership.objects.current()
            .filter(circle_id=the_circle.parent_id, user_id__in=linkers)
            .values_list("user_id", flat=True)
        )
    mine = permissions.circle_ids_of(user, organisation)
    sub_circles = [
        c
        for c in Circle.objects.filter(parent=the_circle, archived_at__isnull=True)
        if not c.is_private or c.pk in mine
    ]
    circle_roles = [r for r in roles if r.is_circle_role]
    recent = list(feed.circle_feed(the_circle.pk)[:RECENT_EVENTS])
    can_edit = permissions.can_edit_circle(user, the_circle)
    return render(
        request,
        "circles/circle_detail.html",
        {
            "organisation": organisation,
            "circle": the_circle,
            "today": today,
            "members": members,
            # One reverse() for the whole list: a circle may have thousands of members.
            "person_base": reverse("circles:person_detail", args=[organisation.slug, 0])[:-2],
            "circle_roles": circle_roles,
            "custom_roles": [r for r in roles if not r.is_circle_role],
            "warnings": selectors.link_warnings(the_circle, roles, parent_ids),
            "due": selectors.needs_attention(assignments, today),
            "sub_circles": sub_circles,
            "recent": recent,
            "is_member": the_circle.pk in mine,
            "can_edit": can_edit,
            "can_manage_members": can_edit and permissions.can_manage_members(user, the_circle),
            "can_manage_roles": can_edit and permissions.can_manage_roles(user, the_circle),
            "can_archive": permissions.can_archive_circle(user, the_circle),
            "can_create_sub": not the_circle.is_archived
            and permissions.can_create_circle(user, organisation, the_circle),
        },
    )


@login_required
def role_detail(request: HttpRequest, org: str, circle: str, role_id: int) -> HttpResponse:
    """A role's aim, domain and responsibilities, and everyone who has held it."""
    organisation = _organisation(request, org)
    the_circle = permissions.get_circle_for(request.user, organisation, circle)
    role = permissions.get_role_for(request.user, role_id)
    if role.circle_id != the_circle.pk:
        raise Http404
    history = list(role.assignments.select_related("holder").order_by("-term_start", "-id"))
    for a in history:
        a.role = role
    return render(
        request,
        "circles/role_detail.html",
        {
            "organisation": organisation,
            "circle": the_circle,
            "role": role,
            "current": [a for a in history if a.ended_on is None],
            "past": [a for a in history if a.ended_on is not None],
            "can_edit": permissions.can_manage_roles(request.user, the_circle),
            "can_assign": permissions.can_assign_role(request.user, role)
            and role.archived_at is None,
        },
    )
