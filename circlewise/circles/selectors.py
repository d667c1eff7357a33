"""Reads shared by the browsing pages, each a fixed number of queries whatever the size.

Nothing here writes. Term statuses are computed in Python from rows already loaded.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections import defaultdict
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, NamedTuple

from django.conf import settings
from django.db.models import Exists, Func, IntegerField, OuterRef, Q, Subquery
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from circlewise.core.bidi import isolate

from .models import (
    Circle,
    CircleMembership,
    Organisation,
    Role,
    RoleAssignment,
    RoleAssignmentQuerySet,
    TermStatus,
    circle_hue_of,
)
from .permissions import hidden_circle_ids, visible_only

if TYPE_CHECKING:
    from django.db.models import QuerySet

    from circlewise.accounts.models import User
    from circlewise.core.types import Viewer

LINK_KINDS = (Role.Kind.LEADER, Role.Kind.DELEGATE)


def visible_circles(user: Viewer, organisation: Organisation) -> list[Circle]:
    """Active circles of the organisation the person may see, by name: one query."""
    circles = Circle.objects.filter(organisation=organisation, archived_at__isnull=True).only(
        "id", "organisation_id", "parent_id", "name", "slug", "kind", "aim", "visibility",
        "ends_on", "archived_at", "ended_at",
    )  # fmt: skip
    return visible_only(user, organisation, circles)


def hidden_private_ids(user: Viewer, organisation: Organisation) -> set[int]:
    """Private circles (archived too) the person is not in: their events stay hidden."""
    return set(hidden_circle_ids(user, organisation))


class CircleRow(NamedTuple):
    """What the chart and the list show of a circle: a row, not a model instance."""

    id: int
    parent_id: int | None
    name: str
    slug: str
    kind: str
    aim: str
    visibility: str
    ends_on: dt.date | None
    ended_at: dt.datetime | None
    members: int  # current members

    @property
    def pk(self) -> int:
        return self.id

    @property
    def is_private(self) -> bool:
        return self.visibility == Circle.Visibility.PRIVATE

    @property
    def has_ended(self) -> bool:
        return self.ended_at is not None

    @property
    def hue(self) -> int:
        return circle_hue_of(self.pk)


@dataclass
class Structure:
    """The circles a person sees (active ones, by name), and the parent of every circle of the
    organisation (archived and hidden ones too): how the chart and the list nest them."""

    circles: list[CircleRow]
    parents: dict[int, int | None]


def structure_of(user: Viewer, organisation: Organisation) -> Structure:
    """The organisation's circles for the chart and the list, with their member counts: one
    query. Circles the person may not see are left out by the visibility rule
    (permissions.visible_only), and only their parent links are kept, to nest what is shown."""
    # COUNT as a plain function, not the Count aggregate: no GROUP BY, and a row (0) for a
    # circle without members. Counted by the index of current memberships.
    members = (
        CircleMembership.objects.current()
        .filter(circle_id=OuterRef("pk"))
        .order_by()
        .annotate(n=Func("pk", function="COUNT", output_field=IntegerField()))
        .values("n")
    )
    rows = (
        Circle.objects.filter(organisation=organisation)
        .annotate(members=Subquery(members))
        .order_by("name", "pk")
        .values_list(*CircleRow._fields, "archived_at")
    )
    parents: dict[int, int | None] = {}
    active: list[CircleRow] = []
    for row in rows:
        parents[row[0]] = row[1]
        if row[10] is None:
            active.append(CircleRow._make(row[:10]))
    return Structure(visible_only(user, organisation, active), parents)


@dataclass
class TreeItem:
    circle: CircleRow
    children: list[TreeItem] = field(default_factory=list)
    depth: int = 0


def circle_tree(structure: Structure) -> list[TreeItem]:
    """Nest circles under their parents. A circle whose parent is hidden or archived hangs
    under its nearest visible ancestor, or at the top."""
    by_id = {c.pk: TreeItem(c) for c in structure.circles}
    all_parents = structure.parents
    roots: list[TreeItem] = []
    for c in structure.circles:
        parent = c.parent_id
        guard = 0
        while parent is not None and parent not in by_id and guard < 1000:
            parent = all_parents.get(parent)
            guard += 1
        if parent is not None and parent in by_id:
            by_id[parent].children.append(by_id[c.pk])
        else:
            roots.append(by_id[c.pk])

    order = {Circle.Kind.MISSION.value: 0, Circle.Kind.GENERAL.value: 1}

    def sort_key(item: TreeItem) -> tuple[int, str]:
        return (order.get(item.circle.kind, 2), item.circle.name.lower())

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


# The double link --------------------------------------------------------------------------
#
# One rule for every page and the API: link_problems() says what is wrong with the link of each
# circle to its parent, links_broken_by() what a removal would break. The words come from the
# describe_* functions below, so the chart, the list, the circle page and the API cannot disagree.


class Problem:
    NO_LEADER = "no_leader"
    NO_DELEGATE = "no_delegate"
    SAME_PERSON = "same_person"
    NOT_IN_PARENT = "not_in_parent"


@dataclass(frozen=True)
class LinkProblem:
    """One thing wrong with a circle's double link to its parent circle."""

    kind: str  # a Problem
    circle_id: int
    parent_id: int
    parent_name: str  # "" when the reader may not see the parent circle
    person_name: str = ""  # the holder concerned (SAME_PERSON, NOT_IN_PARENT)
    role_kind: str = ""  # leader or delegate (NOT_IN_PARENT)

    @property
    def is_vacancy(self) -> bool:
        return self.kind in (Problem.NO_LEADER, Problem.NO_DELEGATE)

    def breaks(self, role_kind: str) -> bool:
        """Whether this problem breaks the leader's or the delegate's side of the link."""
        if self.kind == Problem.NO_LEADER:
            return role_kind == Role.Kind.LEADER
        if self.kind == Problem.NO_DELEGATE:
            return role_kind == Role.Kind.DELEGATE
        if self.kind == Problem.NOT_IN_PARENT:
            return role_kind == self.role_kind
        return True  # one person on both sides: neither side links two people


def _parent_names(circles: list[Circle], hidden: Collection[int]) -> dict[int, str]:
    """The names of the circles' parents the reader may see: from the rows given (or a parent
    loaded with its circle), else one query for the rest."""
    names = {c.pk: c.name for c in circles}
    for c in circles:
        if c.parent_id is not None and Circle.parent.is_cached(c):
            assert c.parent is not None
            names[c.parent.pk] = c.parent.name
    missing = {
        c.parent_id for c in circles if c.parent_id is not None and c.parent_id not in names
    } - set(hidden)
    if missing:
        names.update(Circle.objects.filter(pk__in=missing).values_list("pk", "name"))
    return {pk: name for pk, name in names.items() if pk not in hidden}


@dataclass
class Links:
    """The double links of some circles: who holds them, and what is wrong with them."""

    holders: dict[int, dict[str, str]]  # circle -> leader / delegate -> the holder's name
    problems: dict[int, list[LinkProblem]]  # circles with a parent whose link does not hold


def links_of(
    organisation: Organisation, circles: Iterable[Circle], *, hidden: Collection[int] = ()
) -> Links:
    """The leader and delegate of each of these circles, and what is wrong with the link of each
    that has a parent: one query however many circles (two when a parent is neither given nor
    loaded).

    `hidden` are circles the reader may not see (permissions.hidden_circle_ids): such a parent
    is not named, and who is in it is not told, so a holder missing from it is not reported (as
    everywhere, only the leader and the delegate being one person is).
    """
    items = list(circles)
    if not items:
        return Links({}, {})
    rows = _link_rows(
        RoleAssignment.objects.filter(
            role__circle__organisation=organisation, role__circle_id__in=[c.pk for c in items]
        )
    )
    parents = [(c.pk, c.parent_id) for c in items]
    return _links(parents, rows, _parent_names(items, hidden), hidden)


def structure_links(organisation: Organisation, structure: Structure) -> Links:
    """links_of for every circle a person sees (`structure_of`): the same rule and words, by one
    query on the organisation's active circles. A parent not among them is private to others
    or archived: it is not named, and who is in it is not told."""
    shown = {c.pk: c.name for c in structure.circles}
    parents = [(c.pk, c.parent_id) for c in structure.circles]
    hidden = {parent for _pk, parent in parents if parent is not None} - shown.keys()
    rows = _link_rows(
        RoleAssignment.objects.filter(
            role__circle__organisation=organisation, role__circle__archived_at__isnull=True
        )
    )
    # Rows of circles the person may not see are dropped here, never read.
    return _links(parents, [r for r in rows if r[0] in shown], shown, hidden)


def _link_rows(assignments: RoleAssignmentQuerySet) -> list[tuple[int, str, int, str, bool]]:
    """(circle, leader or delegate, holder id, holder's name, whether the holder is a member of
    the circle's parent) of the current link-role terms among `assignments`, oldest first."""
    in_parent = CircleMembership.objects.current().filter(
        circle_id=OuterRef("role__circle__parent_id"), user_id=OuterRef("holder_id")
    )
    return list(
        assignments.current()
        .filter(role__kind__in=LINK_KINDS, role__archived_at__isnull=True)
        .annotate(in_parent=Exists(in_parent))
        .order_by("term_start", "pk")
        .values_list("role__circle_id", "role__kind", "holder_id", "holder__name", "in_parent")
    )


def _links(
    circles: Iterable[tuple[int, int | None]],
    rows: Iterable[tuple[int, str, int, str, bool]],
    parent_names: dict[int, str],
    hidden: Collection[int],
) -> Links:
    """Links from `_link_rows`, for these (circle, parent) pairs."""
    holders: dict[int, dict[str, list[tuple[int, str, bool]]]] = defaultdict(
        lambda: defaultdict(list)
    )
    names: dict[int, dict[str, str]] = defaultdict(dict)
    for circle_id, kind, holder_id, name, is_in_parent in rows:
        holders[circle_id][kind].append((holder_id, name, bool(is_in_parent)))
        names[circle_id][kind] = name  # the latest term's holder
    problems: dict[int, list[LinkProblem]] = {}
    for pk, parent_id in circles:
        if parent_id is None:  # a circle at the top links to nobody
            continue
        found = _problems_of(
            pk, parent_id, parent_names.get(parent_id, ""), holders.get(pk, {}), hidden
        )
        if found:
            problems[pk] = found
    return Links(dict(names), problems)


def link_problems(
    organisation: Organisation, circles: Iterable[Circle], *, hidden: Collection[int] = ()
) -> dict[int, list[LinkProblem]]:
    """What is wrong with the double link of each of these circles: the one rule for the circle
    page, the chart, the list and the API (see links_of)."""
    return links_of(organisation, circles, hidden=hidden).problems


def _problems_of(
    circle_id: int,
    parent_id: int,
    parent_name: str,
    holders: dict[str, list[tuple[int, str, bool]]],
    hidden: Collection[int],
) -> list[LinkProblem]:
    leaders = holders.get(Role.Kind.LEADER, [])
    delegates = holders.get(Role.Kind.DELEGATE, [])
    problem = functools.partial(
        LinkProblem, circle_id=circle_id, parent_id=parent_id, parent_name=parent_name
    )
    found: list[LinkProblem] = []
    if not leaders:
        found.append(problem(Problem.NO_LEADER))
    if not delegates:
        found.append(problem(Problem.NO_DELEGATE))
    delegate_ids = {pk for pk, _name, _in in delegates}
    for pk, name, _in in dict.fromkeys(leaders):
        if pk in delegate_ids:
            found.append(problem(Problem.SAME_PERSON, person_name=name))
    if parent_id not in hidden:
        seen: set[int] = set()
        for kind, people in ((Role.Kind.LEADER, leaders), (Role.Kind.DELEGATE, delegates)):
            for pk, name, is_in_parent in people:
                if not is_in_parent and pk not in seen:
                    seen.add(pk)
                    found.append(
                        problem(Problem.NOT_IN_PARENT, person_name=name, role_kind=str(kind))
                    )
    return found


def describe_problem(problem: LinkProblem) -> str:
    """The problem in a sentence, as the circle page and the API say it."""
    name, parent = isolate(problem.person_name), isolate(problem.parent_name)
    if problem.kind == Problem.NO_LEADER:
        return _("Nobody holds the leader role: the link from the parent circle is missing.")
    if problem.kind == Problem.NO_DELEGATE:
        return _("Nobody holds the delegate role: the circle has no voice in its parent circle.")
    if problem.kind == Problem.SAME_PERSON:
        return _("%(name)s is both leader and delegate; they must be two different people.") % {
            "name": name
        }
    return _("%(name)s links this circle to %(parent)s but is not a member of %(parent)s.") % {
        "name": name,
        "parent": parent,
    }


class LinkWords:
    """The words of the chart's and the list's short link sentences, translated once for a page
    of many circles: "The link to Finance is broken: no delegate." """

    def __init__(self) -> None:
        self.no_leader = _("no leader")
        self.no_delegate = _("no delegate")
        self.same_person = _("%(name)s is both leader and delegate")
        self.leader_outside = _("the leader, %(name)s, is not a member of %(parent)s")
        self.delegate_outside = _("the delegate, %(name)s, is not a member of %(parent)s")
        self.broken_named = _("The link to %(parent)s is broken: %(problems)s.")
        self.broken_unnamed = _("The link to its parent circle is broken: %(problems)s.")

    def short(self, problem: LinkProblem) -> str:
        """The problem in a few words."""
        if problem.kind == Problem.NO_LEADER:
            return self.no_leader
        if problem.kind == Problem.NO_DELEGATE:
            return self.no_delegate
        name = isolate(problem.person_name)
        if problem.kind == Problem.SAME_PERSON:
            return self.same_person % {"name": name}
        is_leader = problem.role_kind == Role.Kind.LEADER
        return (self.leader_outside if is_leader else self.delegate_outside) % {
            "name": name,
            "parent": isolate(problem.parent_name),
        }

    def broken(self, problems: list[LinkProblem]) -> str:
        """The sentence for the reader; "" when the link holds."""
        if not problems:
            return ""
        what = "; ".join(self.short(p) for p in problems)
        if problems[0].parent_name:
            return self.broken_named % {
                "parent": isolate(problems[0].parent_name),
                "problems": what,
            }
        return self.broken_unnamed % {"problems": what}


# What a removal breaks ------------------------------------------------------------------------


class Via:
    """How a removal reaches a link: the person leaves the parent circle, their term ends
    (they leave the circle, or the term is ended), or they leave the organisation."""

    PARENT = "parent"
    CIRCLE = "circle"
    TERM = "term"
    ORGANISATION = "organisation"


@dataclass(frozen=True)
class LinkBreak:
    """A double link that a removal breaks: `person_name` holds `role_kind` in the circle."""

    circle_id: int
    circle_name: str
    parent_id: int
    parent_name: str
    role_kind: str
    person_name: str
    via: str


def links_broken_by(
    person: Any,
    organisation: Organisation,
    *,
    leaving: Circle | None = None,
    ending: RoleAssignment | None = None,
) -> list[LinkBreak]:
    """The double links broken if `person` leaves the circle `leaving`, or their term `ending`
    is ended, or (neither given) they leave the organisation: one query.

    A person leaving a circle breaks the links of the child circles they are the leader or the
    delegate of (they are no longer in the parent), and the circle's own link if they hold one
    of its link roles there (that term ends with the membership).
    """
    rows = (
        RoleAssignment.objects.current()
        .filter(
            holder_id=person.pk,
            role__kind__in=LINK_KINDS,
            role__archived_at__isnull=True,
            role__circle__organisation=organisation,
            role__circle__archived_at__isnull=True,
            role__circle__parent__isnull=False,
        )
        .select_related("role__circle__parent")
        .order_by("role__circle__name", "role__kind")
    )
    breaks: list[LinkBreak] = []
    for a in rows:
        circle = a.role.circle
        parent = circle.parent
        if parent is None:  # filtered above; for the type checker
            continue
        if ending is not None:
            via = Via.TERM if a.pk == ending.pk else ""
        elif leaving is not None:
            via = {circle.pk: Via.CIRCLE, parent.pk: Via.PARENT}.get(leaving.pk, "")
        else:
            via = Via.ORGANISATION
        if via:
            breaks.append(
                LinkBreak(
                    circle_id=circle.pk,
                    circle_name=circle.name,
                    parent_id=parent.pk,
                    parent_name=parent.name,
                    role_kind=a.role.kind,
                    person_name=person.name,
                    via=via,
                )
            )
    return breaks


def link_break_sentences(
    viewer: Viewer,
    organisation: Organisation,
    person: Any,
    *,
    leaving: Circle | None = None,
    ending: RoleAssignment | None = None,
) -> list[str]:
    """links_broken_by() in words for `viewer`, who is not told the names of circles they may not
    see (a link between two of those is only counted): for the confirmation pages and the API's
    answers alike."""
    hidden = hidden_circle_ids(viewer, organisation)
    breaks = links_broken_by(person, organisation, leaving=leaving, ending=ending)
    unseen = [b for b in breaks if b.circle_id in hidden and b.parent_id in hidden]
    sentences = [describe_break(b, hidden=hidden) for b in breaks if b not in unseen]
    if unseen:
        sentences.append(
            ngettext(
                "It also breaks %(count)d double link between circles you cannot see.",
                "It also breaks %(count)d double links between circles you cannot see.",
                len(unseen),
            )
            % {"count": len(unseen)}
        )
    return sentences


def describe_break(brk: LinkBreak, *, hidden: Collection[int] = ()) -> str:
    """What the removal breaks, in a sentence for a reader who may not see `hidden` circles:
    such a circle is not named."""
    first, again = _("a circle you cannot see"), _("that circle")
    circle_hidden, parent_hidden = brk.circle_id in hidden, brk.parent_id in hidden
    circle, parent = isolate(brk.circle_name), isolate(brk.parent_name)
    words = {
        "name": isolate(brk.person_name),
        "circle": first if circle_hidden else circle,
        "parent": first if parent_hidden else parent,
    }
    is_leader = brk.role_kind == Role.Kind.LEADER
    role = _("leader") if is_leader else _("delegate")
    who = _("%(name)s is the %(role)s of %(circle)s") % {**words, "role": role}
    how = {
        Via.PARENT: _("removing them from %(parent)s breaks the double link"),
        Via.CIRCLE: _("taking them out of %(circle)s ends that term and breaks the double link"),
        Via.TERM: _("ending that term breaks the double link"),
        Via.ORGANISATION: _(
            "removing them from the organisation ends that term and breaks the double link"
        ),
    }[brk.via] % words
    # Named once: a circle the reader may not see is "that circle" the second time.
    between = {"circle": again if circle_hidden else circle, "parent": words["parent"]}
    # The leader is chosen by the parent circle, the delegate by the circle itself.
    if is_leader:
        then = _("%(parent)s will need to choose a new leader") % {
            "parent": again if parent_hidden else parent
        }
    else:
        then = _("%(circle)s will need to choose a new delegate") % {"circle": between["circle"]}
    return _("%(who)s: %(how)s between %(circle)s and %(parent)s; %(then)s.") % {
        **between,
        "who": who,
        "how": how,
        "then": then,
    }


def needs_attention(assignments: list[TermRow], today: dt.date) -> list[TermRow]:
    """Current terms that have expired or end within the warning window, soonest first."""
    limit = today + dt.timedelta(days=settings.TERM_WARNING_DAYS)
    return sorted(
        (a for a in assignments if a.ended_on is None and a.term_end <= limit),
        key=lambda a: a.term_end,
    )


class TermRow(NamedTuple):
    """A term as a list shows it (the terms page, the home, the circle page): values, not model
    instances (hundreds per page)."""

    role_id: int
    role_name: str
    circle_id: int
    circle_slug: str
    circle_name: str
    holder_id: int
    holder_name: str
    holder_email: str
    holder_pronouns: str
    term_end: dt.date
    ended_on: dt.date | None = None  # read by the term badge; a current term has not ended


_TERM_ROW_FIELDS = (
    "role_id", "role__name", "role__circle_id", "role__circle__slug", "role__circle__name",
    "holder_id", "holder__name", "holder__email", "holder__pronouns", "term_end", "ended_on",
)  # fmt: skip


def attention_term_rows(
    organisation: Organisation, hidden: Collection[int], today: dt.date
) -> list[TermRow]:
    """Terms that have expired or end soon in the organisation's active circles but the hidden
    ones, soonest first: one query."""
    rows = RoleAssignment.objects.needing_attention(today, settings.TERM_WARNING_DAYS).filter(
        role__circle__organisation=organisation,
        role__circle__archived_at__isnull=True,
        role__archived_at__isnull=True,
    )
    if hidden:
        rows = rows.exclude(role__circle_id__in=hidden)
    ordered = rows.order_by("term_end", "role__circle__name").values_list(*_TERM_ROW_FIELDS)
    return [TermRow._make(row) for row in ordered]


class VacantRole(NamedTuple):
    """A circle role nobody holds, as the terms page lists it."""

    role_id: int
    role_name: str
    circle_id: int
    circle_slug: str
    circle_name: str


def vacant_circle_roles(organisation: Organisation, hidden: Collection[int]) -> list[VacantRole]:
    """Circle roles (leader, delegate, facilitator, secretary) nobody holds, in the
    organisation's active circles but the hidden ones: one query."""
    rows = (
        Role.objects.filter(
            circle__organisation=organisation,
            circle__archived_at__isnull=True,
            archived_at__isnull=True,
        )
        .exclude(kind=Role.Kind.CUSTOM)
        # The roles held now, read once (NOT IN), rather than looked up for each role (NOT
        # EXISTS): 4.6 to 3.3 ms at full size.
        .exclude(pk__in=RoleAssignment.objects.current().values("role_id"))
        # A circle at the top links to nobody: its leader and delegate are optional.
        .filter(~Q(circle__parent__isnull=True, kind__in=LINK_KINDS))
    )
    if hidden:
        rows = rows.exclude(circle_id__in=hidden)
    ordered = rows.order_by("circle__name", "kind").values_list(
        "pk", "name", "circle_id", "circle__slug", "circle__name"
    )
    return [VacantRole._make(row) for row in ordered]


def status_of(assignment: RoleAssignment, today: dt.date) -> TermStatus:
    return assignment.status(today)


def attention_rows(
    organisation: Organisation, circle_ids: Collection[int], today: dt.date
) -> list[TermRow]:
    """Terms in these circles that have expired or end soon, soonest first, as rows: one query
    (the circles filtered in SQL, only the columns a row shows)."""
    rows = (
        RoleAssignment.objects.needing_attention(today, settings.TERM_WARNING_DAYS)
        .filter(
            role__circle__organisation=organisation,
            role__circle_id__in=list(circle_ids),
            role__circle__archived_at__isnull=True,
            role__archived_at__isnull=True,
        )
        .order_by("term_end", "role__circle__name")
        .values_list(*_TERM_ROW_FIELDS)
    )
    return [TermRow._make(row) for row in rows]


class MemberRow(NamedTuple):
    """A circle's member as the circle page lists them, with the roles they hold there."""

    user_id: int
    name: str
    email: str
    pronouns: str
    role_names: list[str]


def member_rows(circle: Circle, role_names: dict[int, list[str]]) -> list[MemberRow]:
    """The circle's current members by name, as rows: one query."""
    rows = (
        CircleMembership.objects.current()
        .filter(circle=circle)
        .order_by("user__name")
        .values_list("user_id", "user__name", "user__email", "user__pronouns")
    )
    return [
        MemberRow(pk, name, email, pronouns, role_names.get(pk, []))
        for pk, name, email, pronouns in rows
    ]


class RoleRow(NamedTuple):
    """An active role of a circle as its page lists it, with its current terms."""

    role_id: int
    kind: str
    name: str
    current: list[TermRow]

    @property
    def is_circle_role(self) -> bool:
        return self.kind != Role.Kind.CUSTOM


def circle_role_rows(circle: Circle) -> list[RoleRow]:
    """The circle's active roles, circle roles first, each with its current
    terms by start: two queries, rows rather than instances."""
    roles = list(
        Role.objects.filter(circle=circle, archived_at__isnull=True)
        .order_by("kind", "name")  # the model's order within one circle, without a join
        .values_list("id", "kind", "name")
    )
    terms: dict[int, list[TermRow]] = defaultdict(list)
    rows = (
        RoleAssignment.objects.current()
        .filter(role_id__in=[pk for pk, _kind, _name in roles])
        .order_by("term_start")
        .values_list(
            "role_id", "holder_id", "holder__name", "holder__email", "holder__pronouns", "term_end"
        )
    )
    names = {pk: name for pk, _kind, name in roles}
    for role_id, holder_id, name, email, pronouns, term_end in rows:
        terms[role_id].append(
            TermRow(
                role_id,
                names[role_id],
                circle.pk,
                circle.slug,
                circle.name,
                holder_id,
                name,
                email,
                pronouns,
                term_end,
            )
        )
    order = [k.value for k in Role.CIRCLE_ROLES]
    found = [RoleRow(pk, kind, name, terms.get(pk, [])) for pk, kind, name in roles]
    found.sort(
        key=lambda r: (order.index(r.kind) if r.kind in order else len(order), r.name.lower())
    )
    return found


def people_who_see(circle: Circle) -> QuerySet[User]:
    """The organisation's active members who may see the circle (of a private circle, its
    members), by name: whom a review or a selection may ask to facilitate."""
    from circlewise.accounts.models import User

    people = User.objects.filter(
        is_active=True,
        org_memberships__organisation=circle.organisation,
        org_memberships__ended_at__isnull=True,
    )
    if circle.is_private:
        people = people.filter(
            circle_memberships__circle=circle, circle_memberships__ended_on__isnull=True
        )
    return people.distinct().order_by("name")
