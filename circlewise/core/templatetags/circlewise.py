"""Template tags shared by every page: avatars, circle dots, term badges, icons, Markdown.

They return small HTML fragments built by hand (escaped with `conditional_escape`) because they
run once per person or role on pages that list thousands of them.
"""

from __future__ import annotations

import datetime as dt
import html
from functools import lru_cache
from typing import Any

from django import template
from django.conf import settings
from django.utils import timezone
from django.utils.dates import MONTHS_3
from django.utils.formats import date_format
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from circlewise.accounts.models import avatar_hue_of, initials_of
from circlewise.circles.models import circle_hue_of
from circlewise.core import bidi
from circlewise.core.feed import Sentence
from circlewise.core.feed import describe as describe_event
from circlewise.core.feed import sentence as sentence_of
from circlewise.core.markdown import render_markdown

register = template.Library()


def esc(value: Any) -> str:
    """`conditional_escape(value)` for the row tags: the same text, without Django's lazy-string
    wrapper on every call when the value is a plain `str` (a list of hundreds of rows escapes
    thousands of names and links)."""
    if type(value) is str:
        return html.escape(value)
    return conditional_escape(value)


# Icons drawn on a 24 by 24 grid with a 2 px stroke; decorative (the text beside them carries
# the meaning), so they are hidden from screen readers.
ICONS: dict[str, str] = {
    "home": '<path d="M3 11l9-7 9 7"/><path d="M5 10v10h5v-6h4v6h5V10"/>',
    "circles": '<circle cx="12" cy="12" r="9"/><circle cx="9" cy="13" r="3.5"/>'
    '<circle cx="15.5" cy="10.5" r="2.5"/>',
    "meetings": '<rect x="3" y="5" width="18" height="16" rx="2"/>'
    '<path d="M3 10h18M8 3v4M16 3v4"/>',
    "me": '<circle cx="12" cy="8" r="4"/><path d="M4 21c1.5-4 4.5-6 8-6s6.5 2 8 6"/>',
    "bell": '<path d="M6 16V11a6 6 0 0112 0v5l2 2H4z"/><path d="M10 21h4"/>',
    "check": '<path d="M5 12.5l4.5 4.5L19 7.5"/>',
    "clock": '<circle cx="12" cy="12" r="9"/><path d="M12 7v5l3 2"/>',
    "alert": '<path d="M12 3l10 18H2z"/><path d="M12 10v5M12 18v.5"/>',
    "minus": '<circle cx="12" cy="12" r="9"/><path d="M8 12h8"/>',
    "lock": '<rect x="5" y="11" width="14" height="10" rx="2"/><path d="M8 11V7a4 4 0 018 0v4"/>',
    "link": '<path d="M10 14a4 4 0 005.7 0l3-3a4 4 0 00-5.7-5.7l-1 1"/>'
    '<path d="M14 10a4 4 0 00-5.7 0l-3 3a4 4 0 005.7 5.7l1-1"/>',
    "chart": '<circle cx="12" cy="12" r="9"/><circle cx="8.5" cy="12" r="3"/>'
    '<circle cx="15.5" cy="12" r="3"/>',
    "list": '<path d="M8 6h13M8 12h13M8 18h13M3 6h.01M3 12h.01M3 18h.01"/>',
    "plus": '<path d="M12 5v14M5 12h14"/>',
    "edit": '<path d="M4 20h4L19 9l-4-4L4 16z"/>',
    "archive": '<rect x="3" y="4" width="18" height="5" rx="1"/><path d="M5 9v11h14V9M10 13h4"/>',
    "shield": '<path d="M12 3l8 3v6c0 5-3.5 8-8 9-4.5-1-8-4-8-9V6z"/>'
    '<path d="M8.5 12l2.5 2.5 4.5-5"/>',
    "activity": '<path d="M3 12h4l3-8 4 16 3-8h4"/>',
    "calendar": '<rect x="3" y="5" width="18" height="16" rx="2"/>'
    '<path d="M3 10h18M8 3v4M16 3v4"/>',
    "info": '<circle cx="12" cy="12" r="9"/><path d="M12 11v6M12 7.5v.5"/>',
    "arrow-right": '<path d="M5 12h14M13 6l6 6-6 6"/>',
    "switch": '<path d="M7 4L3 8l4 4M3 8h14M17 12l4 4-4 4M21 16H7"/>',
    "out": '<path d="M15 4h4v16h-4M10 8l-4 4 4 4M6 12h10"/>',
    "download": '<path d="M12 4v11M7 10l5 5 5-5M5 20h14"/>',
}


@lru_cache(maxsize=256)
def _icon(name: str, extra_class: str = "") -> str:
    cls = f"icon {extra_class}".strip()
    return (
        f'<svg class="{cls}" viewBox="0 0 24 24" width="20" height="20" fill="none" '
        'stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round" '
        f'aria-hidden="true" focusable="false">{ICONS.get(name, ICONS["info"])}</svg>'
    )


@register.simple_tag
def icon(name: str, extra_class: str = "") -> SafeString:
    """`{% icon "bell" %}`: a decorative inline SVG icon (the text beside it says what it is)."""
    return mark_safe(_icon(name, extra_class))  # noqa: S308 - built from constants


def hue_class_for(hue: int) -> str:
    """One of twelve colour classes (.hue-0 … .hue-11): CSP forbids inline style attributes."""
    return f"hue-{(int(hue) % 360) // 30}"


@register.filter
def hue_class(hue: int) -> str:
    return hue_class_for(hue)


@register.simple_tag
def avatar(user: Any, size: str = "") -> SafeString:
    """`{% avatar user %}` or `{% avatar user "large" %}`: initials on a stable colour."""
    if user is None:
        return mark_safe('<span class="avatar avatar-empty" aria-hidden="true">?</span>')
    size_class = f" avatar-{esc(size)}" if size else ""
    return mark_safe(  # noqa: S308 - every variable part is escaped
        f'<span class="avatar {hue_class_for(user.avatar_hue)}{size_class}" aria-hidden="true">'
        f"{esc(user.initials)}</span>"
    )


def avatar_of(user_id: int, name: str, email: str, size: str = "") -> str:
    """What `{% avatar user size %}` renders, from a person's row instead of an instance."""
    size_class = f" avatar-{esc(size)}" if size else ""
    return (
        f'<span class="avatar {hue_class_for(avatar_hue_of(user_id))}{size_class}" aria-hidden="true">'
        f"{esc(initials_of(name, email))}</span>"
    )


@register.simple_tag
def circle_dot(circle: Any) -> SafeString:
    """`{% circle_dot circle %}`: the circle's colour as a small dot beside its name."""
    return mark_safe(  # noqa: S308 - built from an integer
        f'<span class="circle-dot {hue_class_for(circle.hue)}" aria-hidden="true"></span>'
    )


def circle_dot_of(circle_id: int) -> str:
    """What `{% circle_dot circle %}` renders, from the circle's id (its hue is derived from it)."""
    return f'<span class="circle-dot {hue_class_for(circle_hue_of(circle_id))}" aria-hidden="true"></span>'


def local_moment(moment: Any) -> Any:
    """A time in the viewer's time zone, as the `date` filter shows it (other values as they are)."""
    if isinstance(moment, dt.datetime) and timezone.is_aware(moment):
        return timezone.localtime(moment)
    return moment


def day_text(moment: Any, *, year: bool = True) -> str:
    """`{{ moment|date:"j M Y" }}` (without `year`, `"j M"`) in the viewer's time zone, written
    out as Django's date format writes it ("j": the day, "M": the month's three letters,
    title-cased, "Y": four digits), without parsing the format again for every row."""
    moment = local_moment(moment)
    month = esc(str(MONTHS_3[moment.month]).title())
    return f"{moment.day} {month} {moment.year:04d}" if year else f"{moment.day} {month}"


def when_text(moment: Any, *, year: bool = False) -> str:
    """`{{ moment|date:"j M, H:i" }}` (with `year`, `"j M Y, H:i"`), as `day_text` writes it."""
    moment = local_moment(moment)
    return f"{day_text(moment, year=year)}, {moment.hour:02d}:{moment.minute:02d}"


def term_text(assignment: Any, today: dt.date | None = None) -> tuple[str, str, str]:
    """A term's status as (css modifier, icon, words): ("ending", "clock", "ends in 3 days")."""
    today = today or timezone.localdate()
    if assignment.ended_on is not None:
        return (
            "ended",
            "minus",
            _("ended %(date)s") % {"date": date_format(assignment.ended_on, "j M Y")},
        )
    days = (assignment.term_end - today).days
    if days < 0:
        ago = -days
        if ago == 1:
            return "expired", "alert", _("expired yesterday")
        return (
            "expired",
            "alert",
            ngettext("expired %(count)d day ago", "expired %(count)d days ago", ago)
            % {"count": ago},
        )
    if days <= settings.TERM_WARNING_DAYS:
        if days == 0:
            return "ending", "clock", _("ends today")
        if days == 1:
            return "ending", "clock", _("ends tomorrow")
        return (
            "ending",
            "clock",
            ngettext("ends in %(count)d day", "ends in %(count)d days", days) % {"count": days},
        )
    return "current", "check", _("current")


@register.simple_tag
def term_badge(assignment: Any, today: dt.date | None = None) -> SafeString:
    """`{% term_badge assignment %}`: the term's status in words, with an icon and a colour."""
    if assignment is None:
        vacant = esc(_("vacant"))
        return mark_safe(f'<span class="badge badge-vacant">{_icon("minus")}{vacant}</span>')  # noqa: S308
    status, icon_name, words = term_text(assignment, today)
    return mark_safe(  # noqa: S308 - every variable part is escaped
        f'<span class="badge badge-{status}">{_icon(icon_name)}{esc(words)}</span>'
    )


@register.filter(is_safe=True)
def markdown(text: str | None) -> SafeString:
    """`{{ circle.domain|markdown }}`: Markdown rendered and sanitised."""
    return render_markdown(text or "")


@register.simple_tag
def describe(event: Any) -> SafeString:
    """`{% describe event %}`: a ledger event as a sentence, its names escaped and isolated."""
    return describe_event(event)


@register.simple_tag
def sentence(event: Any) -> Sentence:
    """`{% sentence event as said %}`: the event's sentence (`said.html`) and where it leads
    (`said.url`)."""
    return sentence_of(event)


PLACES_BY_URL = {
    "circles:org_home": "home",
    "decisions:needs_me": "needs",
    "home": "home",
    "profile": "me",
    "tokens": "me",
}


@register.simple_tag(takes_context=True)
def nav_state(context: template.Context) -> dict[str, Any]:
    """What the navigation needs, computed once per page: `{% nav_state as nav %}`.

    Gives `org` (the organisation being looked at, or the person's first), `orgs` (every
    organisation the person belongs to), `place` (home, circles, meetings, me or "") and `unread`.
    """
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"org": None, "orgs": [], "place": "", "unread": 0}
    organisations = context.get("nav_organisations")
    orgs = list(organisations() if callable(organisations) else organisations or [])
    unread_fn = context.get("nav_unread")
    unread = unread_fn() if callable(unread_fn) else int(unread_fn or 0)
    match = getattr(request, "resolver_match", None)
    org = context.get("organisation")
    if org is None and match is not None and "org" in match.kwargs:
        org = next((o for o in orgs if o.slug == match.kwargs["org"]), None)
    if org is None and orgs:
        org = orgs[0]
    place = ""
    if match is not None:
        view_name = match.view_name
        place = PLACES_BY_URL.get(view_name, "")
        if not place and match.namespace == "circles":
            place = "circles"
            if match.url_name == "person_detail" and match.kwargs.get("user_id") == user.pk:
                place = "me"
            elif match.url_name in {
                "org_about", "org_edit", "org_members", "ledger", "org_feed", "invite",
                "revoke_invitation", "set_admin", "remove_member",
            }:  # fmt: skip
                place = "home"
        elif not place and match.namespace == "meetings":
            place = "meetings"
    return {"org": org, "orgs": orgs, "place": place, "unread": unread}


@register.filter
def bdi(value: Any) -> SafeString:
    """`{{ circle.name|bdi }}`: the name in `<bdi>`, for the page's text (see core/bidi.py)."""
    if value in (None, ""):
        return mark_safe("")
    return mark_safe(f"<bdi>{esc(value)}</bdi>")  # noqa: S308 - escaped


@register.filter
def isolate(value: Any) -> str:
    """`{{ circle.name|isolate }}`: between isolate marks, for the `<title>` and attributes."""
    return bidi.isolate(value)
