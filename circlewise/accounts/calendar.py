"""A person's calendar feed: the deadlines that concern them, as iCalendar (RFC 5545).

Subscribed to at a secret address (`feed_url`) that a calendar application polls without
signing in: the token in it is signed with the site's secret and names the person and the
nonce of their `CalendarFeed` row, so it is useless to anyone who guesses, and a new address
(or stopping the feed) ends every earlier one at once.

What it holds, in the circles the person is a current member of (private ones only theirs):
- the end of each asynchronous step of an open proposal (questions, reactions, the consent
  round), at its time;
- the review date of each policy in force, all day;
- the end of the person's own role terms, and, for a circle's secretary, of every term in that
  circle, all day;
- the meetings of those circles, from start to end (a cancelled one marked so, for calendars
  that had it).
Times are written in the person's own time zone, with its VTIMEZONE (icalendar builds it).
"""

from __future__ import annotations

import datetime as dt
import secrets
import zoneinfo

from django.conf import settings
from django.core import signing
from django.db.models import F
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from icalendar import Calendar, Event

from circlewise.core.links import absolute_url

from .models import CalendarFeed, User

SALT = "circlewise.calendar"
# How far ahead and behind the feed reaches: what a calendar shows without clutter.
AHEAD = dt.timedelta(days=400)
BEHIND = dt.timedelta(days=30)


def new_nonce() -> str:
    return secrets.token_hex(16)


def token_for(feed: CalendarFeed) -> str:
    return signing.dumps({"u": feed.user_id, "n": feed.nonce}, salt=SALT, compress=True)


def feed_url(feed: CalendarFeed, request: HttpRequest | None) -> str:
    """The feed's absolute address, for a calendar application to subscribe to."""
    return absolute_url(reverse("calendar_feed", args=[token_for(feed)]), request)


def feed_from_token(token: str) -> CalendarFeed | None:
    """The feed a token opens: None for a token that was not signed here, names a nonce that has
    been replaced, or belongs to a deactivated account."""
    try:
        data = signing.loads(token, salt=SALT)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("u"), int):
        return None
    feed = CalendarFeed.objects.select_related("user").filter(user_id=data["u"]).first()
    if feed is None or not secrets.compare_digest(feed.nonce, str(data.get("n", ""))):
        return None
    return feed if feed.user.is_active else None


def build(user: User, request: HttpRequest) -> bytes:
    """The person's calendar, in their time zone."""
    from circlewise.circles.models import CircleMembership, Role, RoleAssignment
    from circlewise.decisions.models import Policy, Proposal, ProposalVersion

    zone = _zone(user)
    now = timezone.now()
    host = request.get_host()

    def link(path: str) -> str:
        return absolute_url(path, request)

    cal = Calendar()
    cal.add("prodid", "-//Circlewise//Calendar//EN")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", _("Circlewise: %(name)s") % {"name": user.name})
    cal.add("x-wr-timezone", str(zone))

    circles = dict(
        CircleMembership.objects.current()
        .filter(user=user, circle__archived_at__isnull=True)
        .values_list("circle_id", "circle__organisation__slug")
    )
    titles = dict(
        ProposalVersion.objects.filter(
            proposal__circle_id__in=circles, number=F("proposal__version_number")
        ).values_list("proposal_id", "title")
    )
    steps = {
        Proposal.State.CLARIFYING: _("Clarifying questions close: %(title)s"),
        Proposal.State.REACTING: _("Reactions close: %(title)s"),
        Proposal.State.CONSENT: _("The consent round closes: %(title)s"),
    }
    proposals = Proposal.objects.filter(
        circle_id__in=circles, state__in=list(steps), mode=Proposal.Mode.ASYNC,
        step_ends_at__gte=now - BEHIND, step_ends_at__lte=now + AHEAD,
    ).select_related("circle")  # fmt: skip
    for p in proposals:
        assert p.step_ends_at is not None
        url = reverse("decisions:proposal_detail", args=[circles[p.circle_id], p.pk])
        _add(cal, uid=f"proposal-{p.pk}-{p.state}@{host}", url=link(url),
             summary=steps[Proposal.State(p.state)] % {"title": titles.get(p.pk, "")},
             description=p.circle.name, start=p.step_ends_at.astimezone(zone))  # fmt: skip

    today = timezone.localdate(now, zone)
    policies = Policy.objects.filter(
        circle_id__in=circles, retired_at__isnull=True, superseded_by__isnull=True,
        review_on__gte=today - BEHIND, review_on__lte=today + AHEAD,
    ).select_related("circle")  # fmt: skip
    for policy in policies:
        assert policy.review_on is not None
        url = reverse("decisions:policy_detail", args=[circles[policy.circle_id], policy.pk])
        _add(cal, uid=f"policy-{policy.pk}-review-{policy.review_on}@{host}",
             url=link(url),
             summary=_("Review due: %(title)s") % {"title": policy.title},
             description=policy.circle.name, day=policy.review_on)  # fmt: skip

    secretary_of = set(
        RoleAssignment.objects.current()
        .filter(holder=user, role__kind=Role.Kind.SECRETARY, role__circle_id__in=circles)
        .values_list("role__circle_id", flat=True)
    )
    terms = (
        RoleAssignment.objects.current()
        .filter(role__circle_id__in=circles, term_end__gte=today - BEHIND,
                term_end__lte=today + AHEAD)
        .select_related("role__circle", "holder")
    )  # fmt: skip
    for term in terms:
        mine = term.holder_id == user.pk
        if not mine and term.role.circle_id not in secretary_of:
            continue
        url = reverse(
            "circles:role_detail",
            args=[circles[term.role.circle_id], term.role.circle.slug, term.role_id],
        )
        summary = (
            _("Your term as %(role)s ends") % {"role": term.role.name}
            if mine
            else _("%(name)s's term as %(role)s ends") % {"name": term.holder.name,
                                                           "role": term.role.name}
        )  # fmt: skip
        _add(cal, uid=f"term-{term.pk}-{term.term_end}@{host}", url=link(url),
             summary=summary, description=term.role.circle.name, day=term.term_end)  # fmt: skip
    from circlewise.meetings.ics import event_of
    from circlewise.meetings.models import Meeting

    meetings = Meeting.objects.filter(
        circle_id__in=circles, ends_at__gte=now - BEHIND, starts_at__lte=now + AHEAD
    ).select_related("circle__organisation")
    for meeting in meetings:
        cal.add_component(event_of(meeting, request, zone))
    cal.add_missing_timezones()
    return bytes(cal.to_ical())


def _add(
    cal: Calendar,
    *,
    uid: str,
    url: str,
    summary: str,
    description: str,
    start: dt.datetime | None = None,
    day: dt.date | None = None,
) -> None:
    event = Event()
    event.add("uid", uid)
    event.add("dtstamp", timezone.now())
    event.add("summary", summary)
    event.add("description", description)
    event.add("url", url)
    if start is not None:
        event.add("dtstart", start)  # a moment: a deadline has no length
    elif day is not None:
        event.add("dtstart", day)
        event.add("dtend", day + dt.timedelta(days=1))
        event.add("transp", "TRANSPARENT")  # an all-day reminder does not make anyone busy
    cal.add_component(event)


def _zone(user: User) -> zoneinfo.ZoneInfo:
    try:
        return zoneinfo.ZoneInfo(user.timezone or settings.TIME_ZONE)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo("UTC")
