"""The terms page's lists, one tag each: `{% load term_rows %}`.

The page lists every term in the organisation that has run out or ends soon (hundreds at full
size) and is rendered afresh after every change, so its rows are not an include each: the tag
builds them from values (`selectors.TermRow`, `selectors.VacantRole`), and makes each face,
circle, person and date once per list, however many rows share it. The markup is that of
circles/includes/term_row.html with `show_circle`, which the organisation's home still uses.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import NamedTuple

from django import template
from django.utils.formats import date_format
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from circlewise.accounts.models import avatar_hue_of, initials_of
from circlewise.core.links import path_to
from circlewise.core.templatetags.circlewise import avatar, bdi, circle_dot, term_badge

from ..models import circle_hue_of
from ..selectors import TermRow, VacantRole

register = template.Library()


class _Face(NamedTuple):
    """What `{% avatar %}` reads of a person."""

    avatar_hue: int
    initials: str


class _Dot(NamedTuple):
    """What `{% circle_dot %}` reads of a circle."""

    hue: int


def _circle_link(org: str, row: TermRow) -> str:
    href = conditional_escape(path_to("circles:circle_detail", org, row.circle_slug))
    return (
        f' <span class="muted">·</span> <a class="circle-link" href="{href}">'
        f"{circle_dot(_Dot(circle_hue_of(row.circle_id)))}{bdi(row.circle_name)}</a>"
    )


def _person(org: str, row: TermRow) -> tuple[str, str]:
    """The person's face, and their name linked to their page with their pronouns."""
    face = avatar(
        _Face(avatar_hue_of(row.holder_id), initials_of(row.holder_name, row.holder_email))
    )
    href = conditional_escape(path_to("circles:person_detail", org, row.holder_id))
    pronouns = f" ({conditional_escape(row.holder_pronouns)})" if row.holder_pronouns else ""
    return face, f'<a href="{href}">{bdi(row.holder_name)}</a>{pronouns}'


def _term(row: TermRow, today: dt.date) -> tuple[str, str]:
    """The end of the term in words, and its badge."""
    end = conditional_escape(date_format(row.term_end, "j M Y"))
    return _("term until %(end)s") % {"end": end}, term_badge(row, today)


@register.simple_tag
def term_rows(rows: Iterable[TermRow], today: dt.date, org: str) -> SafeString:
    """`{% term_rows terms today organisation.slug %}`: terms as `<li>` rows (the holder's face,
    the role and its circle linked, the holder linked, the term's end and its badge)."""
    names: dict[str, str] = {}  # roles' names: most are Leader, Delegate, Facilitator, Secretary
    circles: dict[int, str] = {}
    people: dict[int, tuple[str, str]] = {}
    ends: dict[tuple[dt.date, dt.date | None], tuple[str, str]] = {}
    out = []
    for row in rows:
        if row.role_name not in names:
            names[row.role_name] = bdi(row.role_name)
        if row.circle_id not in circles:
            circles[row.circle_id] = _circle_link(org, row)
        if row.holder_id not in people:
            people[row.holder_id] = _person(org, row)
        end = (row.term_end, row.ended_on)
        if end not in ends:
            ends[end] = _term(row, today)
        face, person = people[row.holder_id]
        until, badge = ends[end]
        role_href = conditional_escape(
            path_to("circles:role_detail", org, row.circle_slug, row.role_id)
        )
        out.append(
            f'<li class="list-row">\n  {face}\n  <div class="list-row-main">\n'
            f'    <div class="list-row-title"><a href="{role_href}">{names[row.role_name]}</a>'
            f"{circles[row.circle_id]}</div>\n"
            f'    <div class="small muted">{person} · {until}</div>\n'
            f"  </div>\n  {badge}\n</li>\n"
        )
    return mark_safe("".join(out))  # noqa: S308 - every variable part is escaped


@register.simple_tag
def vacant_rows(roles: Iterable[VacantRole], org: str) -> SafeString:
    """`{% vacant_rows vacant organisation.slug %}`: circle roles nobody holds as `<li>` rows
    (the circle's dot, the role linked, the circle's name, a "vacant" badge)."""
    vacant = term_badge(None)
    out = []
    for role in roles:
        href = conditional_escape(
            path_to("circles:role_detail", org, role.circle_slug, role.role_id)
        )
        out.append(
            f'<li class="list-row">{circle_dot(_Dot(circle_hue_of(role.circle_id)))}'
            f'<div class="list-row-main"><div class="list-row-title"><a href="{href}">'
            f'{bdi(role.role_name)}</a></div><div class="small muted">{bdi(role.circle_name)}'
            f"</div></div>{vacant}</li>\n"
        )
    return mark_safe("".join(out))  # noqa: S308 - every variable part is escaped
