"""Pages that show things: the organisation, its circles, roles, people, terms and record.

Each view authorises through circles.permissions, reads through circles.selectors with a fixed
number of queries, and renders. Nothing here changes state.

The circle page, the circle list, the chart and the terms keep what they render in
circlewise.core.cache under the organisation's ledger version (every change appends to the ledger,
so the version moves with anything they show) and the viewer-specific inputs of the rendering.
The permission check runs first, on every request; only its inputs come from the cache.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_safe

from circlewise.accounts.models import User
from circlewise.core import cache, export, feed
from circlewise.core.bidi import isolate
from circlewise.core.inputs import whole_number
from circlewise.core.ledger import verify_organisation
from circlewise.core.links import path_to
from circlewise.core.models import LedgerEvent
from circlewise.core.perf.pages import shared_body_page
from circlewise.core.perf.pages import whole_page as _whole_page
from circlewise.core.templatetags.circlewise import hue_class_for
from circlewise.core.views import person

from .. import chart, glossary, permissions, selectors
from ..models import Circle, CircleMembership, Organisation, OrgMembership, Role, RoleAssignment
from ..templatetags.structure import TreeRow

if TYPE_CHECKING:
    from circlewise.core.types import Viewer

FEED_PAGE_SIZE = 30
RECENT_EVENTS = 6


def _organisation(
    request: HttpRequest, slug: str, *, need: permissions.OrganisationNeed = "view"
) -> Organisation:
    return permissions.get_organisation_for(request.user, slug, need=need)


# The organisation --------------------------------------------------------------------------


@login_required
def org_glossary(request: HttpRequest, org: str) -> HttpResponse:
    """The words Circlewise uses for sociocracy, each with what it means in everyday words."""
    organisation = _organisation(request, org)
    return render(
        request, "circles/glossary.html",
        {"organisation": organisation, "groups": glossary.GROUPS},
    )  # fmt: skip


@login_required
def org_home(request: HttpRequest, org: str) -> HttpResponse:
    """What needs me: my circles, my roles and their terms, terms due in my circles, activity."""
    organisation = _organisation(request, org)
    user = request.user
    mine = permissions.circle_ids_of(user, organisation)
    hidden = selectors.hidden_private_ids(user, organisation)

    def render_mine() -> str:
        return render_to_string(
            "circles/org_home.html#mine", _home_mine(user, organisation, mine), request
        )

    def render_activity() -> str:
        recent = _events(feed.organisation_feed(organisation.pk, set(), hidden), organisation)
        context = {"organisation": organisation, "recent": recent}
        return render_to_string("circles/org_home.html#activity", context, request)

    return render(
        request,
        "circles/org_home.html",
        {
            "organisation": organisation,
            # Only the person's circles show in it: other circles' work leaves it cached.
            "mine": cache.fragment(
                f"home-mine:{organisation.pk}:{user.pk}",
                version=cache.circles_version(organisation, mine),
                vary=(user.pk, settings.TERM_WARNING_DAYS),
                render=render_mine,
            ),
            "activity": cache.fragment(
                f"home-activity:{organisation.pk}",
                version=cache.organisation_version(organisation),
                vary=(tuple(sorted(hidden)),),
                render=render_activity,
            ),
            "is_admin": permissions.can_admin_organisation(user, organisation),
        },
    )


def _home_mine(user: Any, organisation: Organisation, mine: set[int]) -> dict[str, Any]:
    """The reads of the home's own part: run only when it is rendered."""
    today = timezone.localdate()
    my_circles = list(
        Circle.objects.filter(pk__in=mine, archived_at__isnull=True).only(
            "id", "slug", "name", "visibility", "aim"
        )
    )
    my_roles = list(
        RoleAssignment.objects.current()
        .filter(
            holder_id=user.pk,
            role__circle__organisation=organisation,
            role__circle__archived_at__isnull=True,
        )
        .select_related("role__circle")
        .only(
            "id", "role_id", "term_end", "ended_on", "role__id", "role__name",
            "role__circle__id", "role__circle__slug", "role__circle__name",
        )
        .order_by("term_end")
    )  # fmt: skip
    return {
        "organisation": organisation,
        "today": today,
        "my_circles": my_circles,
        "my_roles": my_roles,
        "my_roles_due": [a for a in my_roles if a.term_end <= _limit(today)],
        "due": selectors.attention_rows(organisation, mine, today),
    }


def _events(
    events: Any, organisation: Organisation, limit: int = RECENT_EVENTS
) -> list[LedgerEvent]:
    """The first `limit` of these events with what their rows show: the actor's and the circle's
    names, the organisation already loaded (not prefetched again)."""
    rows = list(
        events.prefetch_related(None).only(
            "id", "organisation_id", "sequence", "occurred_at", "actor_id", "verb",
            "object_type", "object_id", "circle_id", "payload",
            "actor__id", "actor__name", "actor__email",
            "circle__id", "circle__name", "circle__slug",
        )[:limit]
    )  # fmt: skip
    for event in rows:
        event.organisation = organisation
    return rows


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
    user = request.user
    mine = permissions.circle_ids_of(user, organisation)
    can_create = permissions.can_create_circle(user, organisation, None)

    def context() -> dict[str, Any]:
        return {
            "organisation": organisation,
            "can_create_circle": can_create,
            **_circle_list_context(user, organisation, mine),
        }

    # "yours" marks the viewer's circles, which also decide the private circles listed.
    return shared_body_page(
        request,
        "circles/circle_list.html",
        organisation,
        name="circle-list",
        vary=(tuple(sorted(mine)), can_create),
        context=context,
    )


def _ended_on(circle: selectors.CircleRow) -> str:
    """The last day of an ended helping circle's mandate; "" while the circle works."""
    if circle.ended_at is None:
        return ""
    return date_format(circle.ends_on or circle.ended_at.date(), "j M Y")


def _circle_list_context(
    user: Viewer, organisation: Organisation, mine: set[int]
) -> dict[str, Any]:
    structure = selectors.structure_of(user, organisation)
    links_now = selectors.structure_links(organisation, structure)
    holders, problems = links_now.holders, links_now.problems
    words = selectors.LinkWords()
    kinds = {k.value: str(k.label) for k in Circle.Kind}
    counted: dict[int, str] = {}  # "12 members", once per number
    rows = []
    # Rendered by one tag ({% circle_tree_rows %}), with the words prepared here.
    for item, opens, closes in selectors.nesting(selectors.circle_tree(structure)):
        c = item.circle
        links = holders.get(c.id, {})
        if c.members not in counted:
            counted[c.members] = ngettext("%(count)d member", "%(count)d members", c.members) % {
                "count": c.members
            }
        rows.append(
            TreeRow(
                name=c.name,
                href=path_to("circles:circle_detail", organisation.slug, c.slug),
                hue=hue_class_for(c.hue),
                kind=kinds.get(c.kind, c.kind),
                aim=_short(c.aim, 160),
                is_private=c.is_private,
                ended=_ended_on(c),
                has_parent=c.parent_id is not None,
                leader=links.get(Role.Kind.LEADER, ""),
                delegate=links.get(Role.Kind.DELEGATE, ""),
                broken=words.broken(problems.get(c.id, [])),
                members=counted[c.members],
                is_mine=c.id in mine,
                opens=opens,
                closes=closes,
            )
        )
    return {"rows": rows, "circle_count": len(structure.circles)}


@login_required
def org_chart(request: HttpRequest, org: str) -> HttpResponse:
    """Circles drawn as circles, packed inside their parents, each a link."""
    organisation = _organisation(request, org)
    user = request.user

    return shared_body_page(
        request,
        "circles/org_chart.html",
        organisation,
        name="org-chart",
        vary=(permissions.seen_private_ids(user, organisation),),
        context=lambda: {"organisation": organisation, **_chart_context(user, organisation)},
    )


def _chart_context(user: Viewer, organisation: Organisation) -> dict[str, Any]:
    structure = selectors.structure_of(user, organisation)
    circles = structure.circles
    links_now = selectors.structure_links(organisation, structure)
    tree = selectors.flatten(selectors.circle_tree(structure))
    # Parents as the list shows them: a circle whose parent is hidden hangs under the nearest
    # visible ancestor.
    parent_in_tree = {child.circle.id: item.circle.id for item in tree for child in item.children}
    nodes = [
        chart.ChartNode(i.circle.id, parent_in_tree.get(i.circle.id), i.circle.members)
        for i in tree
    ]
    links: dict[int, tuple[bool, bool]] = {}
    for c in circles:
        if parent_in_tree.get(c.id) is not None:
            broken = links_now.problems.get(c.id, [])
            # Each side of the link holds when no problem breaks it (the same rule as the page).
            links[c.id] = (
                not any(p.breaks(Role.Kind.LEADER) for p in broken),
                not any(p.breaks(Role.Kind.DELEGATE) for p in broken),
            )
    drawn, box = chart.draw(
        chart.pack(nodes),
        names={c.id: c.name for c in circles},
        hues={c.id: c.hue for c in circles},
        hrefs={c.id: path_to("circles:circle_detail", organisation.slug, c.slug) for c in circles},
        labels=_chart_labels(circles, links_now),
        links=links,
    )
    ended_ids = {c.id for c in circles if c.has_ended}
    for d in drawn:
        if d.id in ended_ids:
            d.css = "c-disc c-ended"  # drawn muted: its work went to its parent
    return {
        "svg": chart.svg(
            drawn,
            box,
            css_class="chart chart-large" if len(circles) > 40 else "chart",
            labelledby="chart-caption",
        ),
        "is_large": len(circles) > 40,
        "circle_count": len(circles),
        "has_ended": bool(ended_ids),
    }


def _chart_labels(circles: list[selectors.CircleRow], links: selectors.Links) -> dict[int, str]:
    """Each circle's accessible name: its name, aim, leader, delegate and what breaks its link."""
    words = selectors.LinkWords()
    ended_on, aim = _("Ended on %(date)s."), _("Aim: %(aim)s")
    leader_is, delegate_is = _("Leader: %(name)s."), _("Delegate: %(name)s.")
    no_leader, no_delegate = _("No leader."), _("No delegate.")
    labels: dict[int, str] = {}
    for c in circles:
        h = links.holders.get(c.id, {})
        leader, delegate = h.get(Role.Kind.LEADER), h.get(Role.Kind.DELEGATE)
        broken = links.problems.get(c.id)
        ended = _ended_on(c)
        labels[c.id] = " ".join(
            [
                isolate(c.name) + ".",
                *([ended_on % {"date": ended}] if ended else []),
                aim % {"aim": _short(c.aim)},
                leader_is % {"name": isolate(leader)} if leader else no_leader,
                delegate_is % {"name": isolate(delegate)} if delegate else no_delegate,
                *([words.broken(broken)] if broken else []),
            ]
        )
    return labels


def _short(text: str, limit: int = 140) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


@login_required
def terms(request: HttpRequest, org: str) -> HttpResponse:
    """Terms that have expired or end soon, and circle roles nobody holds, in visible circles."""
    organisation = _organisation(request, org)
    user = request.user

    def context() -> dict[str, Any]:
        today = timezone.localdate()
        # The private circles the viewer is not in: what `vary` says, as the rows leave out.
        hidden = permissions.hidden_circle_ids(user, organisation)
        due = selectors.attention_term_rows(organisation, hidden, today)
        return {
            "organisation": organisation,
            "today": today,
            "groups": {
                "expired": [t for t in due if t.term_end < today],
                "ending": [t for t in due if t.term_end >= today],
            },
            "vacant": selectors.vacant_circle_roles(organisation, hidden),
            "warning_days": settings.TERM_WARNING_DAYS,
        }

    # Today's date, in the viewer's time zone, is part of every fragment's key.
    return shared_body_page(
        request,
        "circles/terms.html",
        organisation,
        name="terms",
        vary=(permissions.seen_private_ids(user, organisation), settings.TERM_WARNING_DAYS),
        context=context,
    )


@dataclass
class FeedPage:
    """A page of events, newest first, found by sequence (no COUNT over a long ledger)."""

    events: list[LedgerEvent]
    older: int | None  # the `before` value of the next page, if there is one
    is_first: bool


def _page(request: HttpRequest, events: Any, organisation: Organisation) -> FeedPage:
    before = whole_number(request.GET.get("before")) or 0
    if before > 0:
        events = events.filter(sequence__lt=before)
    rows = _events(events, organisation, FEED_PAGE_SIZE + 1)
    older = rows[FEED_PAGE_SIZE - 1].sequence if len(rows) > FEED_PAGE_SIZE else None
    return FeedPage(rows[:FEED_PAGE_SIZE], older, before <= 0)


@login_required
def org_feed(request: HttpRequest, org: str) -> HttpResponse:
    organisation = _organisation(request, org)
    user = request.user
    hidden = set(permissions.hidden_circle_ids(user, organisation))

    def context() -> dict[str, Any]:
        page = _page(request, feed.organisation_feed(organisation.pk, set(), hidden), organisation)
        # Each event names the circle it happened in (loaded with it).
        return {"organisation": organisation, "page": page, "circle": None, "show_circle": True}

    return _whole_page(
        request,
        "circles/feed.html",
        context,
        name=f"org-feed-page:{organisation.pk}",
        version=cache.organisation_version(organisation),
        vary=(tuple(sorted(hidden)),),
    )


def _circle_events(organisation: Organisation, circle: Circle) -> Any:
    # Filtering by organisation too lets the database use the (organisation, circle, sequence)
    # index instead of scanning the whole ledger.
    return feed.circle_feed(circle.pk).filter(organisation_id=organisation.pk)


@login_required
def circle_feed(request: HttpRequest, org: str, circle: str) -> HttpResponse:
    organisation = _organisation(request, org)
    the_circle = permissions.get_cached_circle_for(request.user, organisation, circle)

    def context() -> dict[str, Any]:
        page = _page(request, _circle_events(organisation, the_circle), organisation)
        return {"organisation": organisation, "page": page, "circle": the_circle}

    # The circle is visible to this viewer (checked above), and so is all of its history.
    return _whole_page(
        request,
        "circles/feed.html",
        context,
        name=f"circle-feed-page:{the_circle.pk}",
        version=cache.circle_version(the_circle),
        vary=(),
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
    # An admin sees that every event is there, not what happened in a private circle they are
    # not in, nor in someone else's draft: those are shown without their text.
    hidden = selectors.hidden_private_ids(request.user, organisation)
    for event in latest:
        event.in_hidden_circle = event.circle_id in hidden  # type: ignore[attr-defined]
        event.is_others_draft = (  # type: ignore[attr-defined]
            event.verb in feed.HIDDEN_VERBS and event.actor_id != request.user.pk
        )
    return render(
        request,
        "circles/ledger.html",
        {"organisation": organisation, "report": report, "latest": latest},
    )


@login_required
@require_safe
def ledger_export(request: HttpRequest, org: str) -> StreamingHttpResponse:
    """For organisation admins: the whole chain as JSON lines, to check away from the server.
    Events they may not see in the feeds are in it sealed (core/export.py)."""
    organisation = _organisation(request, org, need="admin")
    lines = export.export_lines(organisation, scope=export.WHOLE_CHAIN, viewer=person(request))
    return export.streamed(
        request, lines, filename=export.filename_for(organisation, export.WHOLE_CHAIN)
    )


@login_required
@require_safe
def feed_export(request: HttpRequest, org: str) -> StreamingHttpResponse:
    """For every member: the events of the organisation's feed they see, as JSON lines."""
    organisation = _organisation(request, org)
    lines = export.export_lines(organisation, scope=export.MEMBER_VIEW, viewer=person(request))
    return export.streamed(
        request, lines, filename=export.filename_for(organisation, export.MEMBER_VIEW)
    )


# One circle --------------------------------------------------------------------------------


@login_required
def circle_detail(request: HttpRequest, org: str, circle: str) -> HttpResponse:
    """What this circle is, who is in it, who holds its roles and until when."""
    organisation = _organisation(request, org)
    user = request.user
    the_circle = permissions.get_cached_circle_for(user, organisation, circle)
    mine = permissions.circle_ids_of(user, organisation)
    can_edit = permissions.can_edit_circle(user, the_circle)
    hidden = permissions.hidden_circle_ids(user, organisation)
    rights = {
        "is_member": the_circle.pk in mine,
        # A private parent the viewer is not in is not named (heading, link warnings).
        "parent_hidden": the_circle.parent_id in hidden,
        "can_edit": can_edit,
        "can_manage_members": can_edit and permissions.can_manage_members(user, the_circle),
        "can_manage_roles": can_edit and permissions.can_manage_roles(user, the_circle),
        "can_archive": permissions.can_archive_circle(user, the_circle),
        "can_create_sub": not the_circle.is_archived
        and not the_circle.has_ended
        and permissions.can_create_circle(user, organisation, the_circle),
        # Extending a helping circle's mandate is its parent's consent decision.
        "can_extend": the_circle.kind == Circle.Kind.HELPING
        and permissions.can_propose_extension(user, the_circle),
    }
    # Its own events, its parent's, its sub-circles' and the organisation's: not the others'.
    version = cache.circle_version(the_circle)
    children = cache.value(
        f"sub-circles:{the_circle.pk}",
        version=version,
        compute=lambda: list(
            Circle.objects.filter(parent_id=the_circle.pk, archived_at__isnull=True).only(
                "id", "organisation_id", "parent_id", "name", "slug", "visibility", "aim"
            )
        ),
    )
    seen_private = tuple(sorted(c.pk for c in children if c.is_private and c.pk in mine))

    def render_body() -> str:
        context = {
            "organisation": organisation,
            "circle": the_circle,
            **rights,
            **_circle_body(organisation, the_circle, parent_hidden=rights["parent_hidden"]),
            "sub_circles": permissions.visible_only(user, organisation, children),
        }
        return render_to_string("circles/circle_detail.html#body", context, request)

    # The body shows the circle, its members and role holders (names: the people version is in
    # every key), its parent's members (link warnings) and its sub-circles: the circle version
    # follows all of them. What differs between viewers is listed.
    def body() -> str:
        return cache.fragment(
            f"circle-body:{the_circle.pk}",
            version=version,
            vary=(
                rights["can_manage_members"],
                rights["can_manage_roles"],
                rights["parent_hidden"],
                seen_private,
                settings.TERM_WARNING_DAYS,
            ),
            render=render_body,
        )

    # The body is read from the cache (or rendered) only when the whole page is not cached.
    context = {"organisation": organisation, "circle": the_circle, "body": body, **rights}
    return _whole_page(
        request,
        "circles/circle_detail.html",
        context,
        name=f"circle-page:{the_circle.pk}",
        version=version,
        vary=(tuple(rights.items()), seen_private),
    )


def _circle_body(
    organisation: Organisation, the_circle: Circle, *, parent_hidden: bool
) -> dict[str, Any]:
    """The reads of the circle page's body: run only when it is rendered."""
    today = timezone.localdate()
    roles = selectors.circle_role_rows(the_circle)
    role_names: dict[int, list[str]] = {}
    terms: list[selectors.TermRow] = []
    for role in roles:
        for a in role.current:
            terms.append(a)
            role_names.setdefault(a.holder_id, []).append(isolate(role.name))
    hidden = {the_circle.parent_id} if parent_hidden and the_circle.parent_id else set()
    problems = selectors.link_problems(organisation, [the_circle], hidden=hidden)
    return {
        "today": today,
        "members": selectors.member_rows(the_circle, role_names),
        "circle_roles": [r for r in roles if r.is_circle_role],
        "custom_roles": [r for r in roles if not r.is_circle_role],
        "warnings": [selectors.describe_problem(p) for p in problems.get(the_circle.pk, [])],
        "due": selectors.needs_attention(terms, today),
        "recent": _events(_circle_events(organisation, the_circle), organisation),
    }


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
