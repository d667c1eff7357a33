"""Reads shared by the browsing pages, each a fixed number of queries whatever the size.

Nothing here writes. Term statuses are computed in Python from rows already loaded.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db.models import Count, Exists, OuterRef, Prefetch, Q
from django.utils.translation import gettext as _

from .models import Circle, CircleMembership, Organisation, Role, RoleAssignment, TermStatus
from .permissions import hidden_circle_ids, visible_only

LINK_KINDS = (Role.Kind.LEADER, Role.Kind.DELEGATE)


def visible_circles(user: Any, organisation: Organisation) -> list[Circle]:
    """Active circles of the organisation the person may see, by name: one query."""
    circles = Circle.objects.filter(organisation=organisation, archived_at__isnull=True).only(
        "id", "organisation_id", "parent_id", "name", "slug", "kind", "aim", "visibility",
        "ends_on", "archived_at", "ended_at",
    )  # fmt: skip
    return visible_only(user, organisation, circles)


def hidden_private_ids(user: Any, organisation: Organisation) -> set[int]:
    """Private circles (archived too) the person is not in: their events stay hidden."""
    return set(hidden_circle_ids(user, organisation))


def link_holders(organisation: Organisation) -> dict[int, dict[str, str]]:
    """The names of the current leader and delegate of every circle: one light query."""
    result: dict[int, dict[str, str]] = defaultdict(dict)
    rows = (
        RoleAssignment.objects.current()
        .filter(role__circle__organisation=organisation, role__kind__in=LINK_KINDS)
        .order_by("term_start")
        .values_list("role__circle_id", "role__kind", "holder__name")
    )
    for circle_id, kind, name in rows:
        result[circle_id][kind] = name
    return result


def member_counts(organisation: Organisation) -> dict[int, int]:
    """Current members per circle: one aggregate query."""
    rows = (
        CircleMembership.objects.current()
        .filter(circle__organisation=organisation)
        .values("circle_id")
        .annotate(n=Count("id"))
    )
    return {row["circle_id"]: row["n"] for row in rows}


@dataclass
class TreeItem:
    circle: Circle
    children: list[TreeItem] = field(default_factory=list)
    depth: int = 0


def circle_tree(circles: list[Circle]) -> list[TreeItem]:
    """Nest circles under their parents. A circle whose parent is hidden or archived hangs
    under its nearest visible ancestor, or at the top."""
    by_id = {c.pk: TreeItem(c) for c in circles}
    parent_of = {c.pk: c.parent_id for c in circles}
    roots: list[TreeItem] = []
    all_parents: dict[int, int | None] = {}
    if any(c.parent_id is not None and c.parent_id not in by_id for c in circles):
        # One more query, only when something is hidden: the full parent map of the organisation.
        org_id = circles[0].organisation_id
        all_parents = dict(
            Circle.objects.filter(organisation_id=org_id).values_list("id", "parent_id")
        )
    for c in circles:
        parent = parent_of[c.pk]
        guard = 0
        while parent is not None and parent not in by_id and guard < 1000:
            parent = all_parents.get(parent)
            guard += 1
        if parent is not None and parent in by_id:
            by_id[parent].children.append(by_id[c.pk])
        else:
            roots.append(by_id[c.pk])

    def sort_key(item: TreeItem) -> tuple[int, str]:
        order = {Circle.Kind.MISSION: 0, Circle.Kind.GENERAL: 1}
        return (order.get(Circle.Kind(item.circle.kind), 2), item.circle.name.lower())

    stack = [(r, 0) for r in roots]
    while stack:
        item, depth = stack.pop()
        item.depth = depth
        item.children.sort(key=sort_key)
        stack.extend((child, depth + 1) for child in item.children)
    roots.sort(key=sort_key)
    return roots


def flatten(tree: list[TreeItem]) -> list[TreeItem]:
    """Depth-first order, parents before their children."""
    out: list[TreeItem] = []
    stack = list(reversed(tree))
    while stack:
        item = stack.pop()
        out.append(item)
        stack.extend(reversed(item.children))
    return out


def nesting(tree: list[TreeItem]) -> list[tuple[TreeItem, bool, int]]:
    """Depth-first (item, opens a nested list, lists to close after it) for a flat template loop.

    An item with children opens a <ul> after itself; a leaf closes its <li> and then `closes`
    levels of nesting (each a </ul></li>).
    """
    flat = flatten(tree)
    out: list[tuple[TreeItem, bool, int]] = []
    for index, item in enumerate(flat):
        next_depth = flat[index + 1].depth if index + 1 < len(flat) else 0
        has_children = bool(item.children)
        closes = 0 if has_children else item.depth - next_depth
        out.append((item, has_children, closes))
    return out


# One circle --------------------------------------------------------------------------------


def circle_roles(circle: Circle) -> list[Role]:
    """The circle's active roles, circle roles first, each with `current` (its current
    assignments, holders loaded): two queries."""
    roles: list[Role] = list(
        Role.objects.filter(circle=circle, archived_at__isnull=True).prefetch_related(
            Prefetch(
                "assignments",
                queryset=RoleAssignment.objects.current()
                .select_related("holder")
                .order_by("term_start"),
                to_attr="current",
            )
        )
    )
    for role in roles:
        role.circle = circle  # already loaded: templates reach it through role.circle
    roles.sort(key=lambda r: (r.sort_key, r.name.lower()))
    return roles


def link_warnings(
    circle: Circle,
    roles: list[Role] | None = None,
    parent_member_ids: set[int] | None = None,
    *,
    parent_visible: bool = True,
) -> list[str]:
    """What is wrong with the circle's double link, in words. Read-only.

    `roles` may come from circle_roles() (saves a query); `parent_member_ids` likewise. For a
    reader who may not see the parent circle (a private one), who is in it is not told: as the
    API does, only the leader and the delegate being one person is.
    """
    if roles is None:
        roles = circle_roles(circle)
    holders: dict[str, list[Any]] = {}
    for role in roles:
        if role.kind in LINK_KINDS:
            holders[role.kind] = [a.holder for a in getattr(role, "current", [])]
    leaders = holders.get(Role.Kind.LEADER, [])
    delegates = holders.get(Role.Kind.DELEGATE, [])
    warnings: list[str] = []
    if circle.parent_id is None:
        return warnings
    if not leaders:
        warnings.append(
            _("Nobody holds the leader role: the link from the parent circle is missing.")
        )
    if not delegates:
        warnings.append(
            _("Nobody holds the delegate role: the circle has no voice in its parent circle.")
        )
    for person in {p.pk: p for p in leaders}.values():
        if person.pk in {d.pk for d in delegates}:
            warnings.append(
                _("%(name)s is both leader and delegate; they must be two different people.")
                % {"name": person.name}
            )
    linkers = {p.pk: p for p in [*leaders, *delegates]}
    if linkers and circle.parent is not None and parent_visible:
        if parent_member_ids is None:
            parent_member_ids = set(
                CircleMembership.objects.current()
                .filter(circle_id=circle.parent_id, user_id__in=list(linkers))
                .values_list("user_id", flat=True)
            )
        for pk, person in linkers.items():
            if pk not in parent_member_ids:
                warnings.append(
                    _("%(name)s links this circle to %(parent)s but is not a member of %(parent)s.")
                    % {"name": person.name, "parent": circle.parent.name}
                )
    return warnings


def needs_attention(assignments: list[RoleAssignment], today: dt.date) -> list[RoleAssignment]:
    """Current terms that have expired or end within the warning window, soonest first."""
    limit = today + dt.timedelta(days=settings.TERM_WARNING_DAYS)
    return sorted(
        (a for a in assignments if a.ended_on is None and a.term_end <= limit),
        key=lambda a: a.term_end,
    )


def attention_assignments(
    organisation: Organisation, circle_ids: set[int], today: dt.date
) -> list[RoleAssignment]:
    """Terms in these circles that have expired or end soon, with role, circle and holder: one
    query."""
    rows = (
        RoleAssignment.objects.needing_attention(today, settings.TERM_WARNING_DAYS)
        .filter(
            role__circle__organisation=organisation,
            role__circle__archived_at__isnull=True,
            role__archived_at__isnull=True,
        )
        .select_related("role__circle", "holder")
        .order_by("term_end", "role__circle__name")
    )
    return [a for a in rows if a.role.circle_id in circle_ids]


def vacant_circle_roles(organisation: Organisation, circle_ids: set[int]) -> list[Role]:
    """Circle roles (leader, delegate, facilitator, secretary) nobody holds: one query."""
    rows = (
        Role.objects.filter(
            circle__organisation=organisation,
            circle__archived_at__isnull=True,
            archived_at__isnull=True,
        )
        .exclude(kind=Role.Kind.CUSTOM)
        .filter(~Exists(RoleAssignment.objects.current().filter(role=OuterRef("pk"))))
        # A circle at the top links to nobody: its leader and delegate are optional.
        .filter(~Q(circle__parent__isnull=True, kind__in=LINK_KINDS))
        .select_related("circle")
        .order_by("circle__name", "kind")
    )
    return [r for r in rows if r.circle_id in circle_ids]


def status_of(assignment: RoleAssignment, today: dt.date) -> TermStatus:
    return assignment.status(today)
