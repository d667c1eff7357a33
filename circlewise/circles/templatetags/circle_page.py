"""Row tags of the circles' pages (the organisation's home, the circle page, the feeds, the terms
page): `{% load circle_page %}`.

Each renders a whole list in one tag, with the markup of the includes and loops it replaces
(the term, role and event includes and the member rows, kept in tests/circles/replaced/ and
tests/core/test_member_rows.py to check the tags against): those pages
are rendered afresh after every change in the organisation, and a tag per row costs more than
the row. Every variable part is escaped; every word is translated.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django import template
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from circlewise.circles.selectors import MemberRow, RoleRow, TermRow, VacantRole
from circlewise.core.feed import sentence
from circlewise.core.links import path_to
from circlewise.core.templatetags.circlewise import (
    avatar_of,
    bdi,
    circle_dot_of,
    day_text,
    esc,
    icon,
    local_moment,
    term_badge,
    when_text,
)

register = template.Library()


def _circle_link(organisation_slug: str, row: TermRow) -> str:
    href = esc(path_to("circles:circle_detail", organisation_slug, row.circle_slug))
    return (
        f' <span class="muted">·</span> <a class="circle-link" href="{href}">'
        f"{circle_dot_of(row.circle_id)}{bdi(row.circle_name)}</a>"
    )


def _holder_of(organisation_slug: str, row: TermRow) -> tuple[str, str]:
    """The holder's face, and their name linked to their page with their pronouns."""
    href = esc(path_to("circles:person_detail", organisation_slug, row.holder_id))
    pronouns = f" ({esc(row.holder_pronouns)})" if row.holder_pronouns else ""
    return (
        avatar_of(row.holder_id, row.holder_name, row.holder_email),
        f'<a href="{href}">{bdi(row.holder_name)}</a>{pronouns}',
    )


def _term_end(row: TermRow, today: dt.date) -> tuple[str, str]:
    """The end of the term in words, and its badge."""
    end = day_text(row.term_end)
    return _("term until %(end)s") % {"end": end}, term_badge(row, today)


@register.simple_tag
def term_rows(
    rows: Iterable[TermRow], organisation_slug: str, today: dt.date, show_circle: bool = False
) -> SafeString:
    """`{% term_rows due organisation.slug today True %}`: terms as `<li>` rows (the holder's
    face, the role and, with `show_circle`, its circle linked; the holder linked, the term's end
    and its badge). Each role name, circle, person and end is made once per list, however many
    rows share it: the terms page lists hundreds."""
    names: dict[str, str] = {}  # most roles are Leader, Delegate, Facilitator or Secretary
    circles: dict[int, str] = {}
    people: dict[int, tuple[str, str]] = {}
    ends: dict[tuple[dt.date, dt.date | None], tuple[str, str]] = {}
    out = []
    for row in rows:
        if row.role_name not in names:
            names[row.role_name] = bdi(row.role_name)
        if show_circle and row.circle_id not in circles:
            circles[row.circle_id] = _circle_link(organisation_slug, row)
        if row.holder_id not in people:
            people[row.holder_id] = _holder_of(organisation_slug, row)
        end = (row.term_end, row.ended_on)
        if end not in ends:
            ends[end] = _term_end(row, today)
        face, person = people[row.holder_id]
        until, badge = ends[end]
        role_href = esc(
            path_to("circles:role_detail", organisation_slug, row.circle_slug, row.role_id)
        )
        out.append(
            f'<li class="list-row">\n  {face}\n  <div class="list-row-main">\n'
            f'    <div class="list-row-title"><a href="{role_href}">{names[row.role_name]}</a>'
            f"{circles.get(row.circle_id, '')}</div>\n"
            f'    <div class="small muted">{person} · {until}</div>\n'
            f"  </div>\n  {badge}\n</li>\n"
        )
    return mark_safe("".join(out))  # noqa: S308 - every variable part is escaped


@register.simple_tag
def vacant_rows(roles: Iterable[VacantRole], organisation_slug: str) -> SafeString:
    """`{% vacant_rows vacant organisation.slug %}`: circle roles nobody holds as `<li>` rows
    (the circle's dot, the role linked, the circle's name, a "vacant" badge)."""
    vacant = term_badge(None)
    out = []
    for role in roles:
        href = esc(
            path_to("circles:role_detail", organisation_slug, role.circle_slug, role.role_id)
        )
        out.append(
            f'<li class="list-row">{circle_dot_of(role.circle_id)}'
            f'<div class="list-row-main"><div class="list-row-title"><a href="{href}">'
            f'{bdi(role.role_name)}</a></div><div class="small muted">{bdi(role.circle_name)}'
            f"</div></div>{vacant}</li>\n"
        )
    return mark_safe("".join(out))  # noqa: S308 - every variable part is escaped


@register.simple_tag
def event_rows(
    events: Iterable[Any], organisation_slug: str, show_circle: bool = False
) -> SafeString:
    """`{% event_rows events organisation.slug %}`: ledger events as `<li>` rows (who, the
    sentence linked to what it is about, when; with `show_circle`, the circle it happened in)."""
    out = []
    empty = (
        '<span class="avatar avatar-small avatar-empty" aria-hidden="true">'
        f"{icon('activity')}</span>"
    )
    for event in events:
        said = sentence(event)
        text = f'<a href="{esc(said.url)}">{said.html}</a>' if said.url else said.html
        when = local_moment(event.occurred_at)
        who = empty
        by = ""
        actor = event.actor
        if actor:
            who = avatar_of(actor.pk, actor.name, actor.email, "small")
            by = f" · {bdi(actor.name)}"
        where = ""
        circle = event.circle if show_circle else None
        if circle:
            href = esc(path_to("circles:circle_detail", organisation_slug, circle.slug))
            where = f' · <a href="{href}">{bdi(circle.name)}</a>'
        out.append(
            f'<li>{who}<div><p>{text}</p><p class="feed-meta">'
            f'<time datetime="{when.isoformat()}">'
            f"{when_text(when, year=True)}</time>{by}{where}</p></div></li>\n"
        )
    return mark_safe("".join(out))  # noqa: S308 - every variable part is escaped


@register.simple_tag
def member_list(rows: Iterable[MemberRow], organisation_slug: str) -> SafeString:
    """`{% member_list members organisation.slug %}`: a circle's members as `<li>` rows, as
    the loop it replaced rendered them (avatar, name linked to the person, pronouns, roles held)."""
    out = []
    for m in rows:
        pronouns = esc(m.pronouns or "")
        detail = ""
        if pronouns or m.role_names:
            between = " · " if pronouns and m.role_names else ""
            held = ", ".join(esc(r) for r in m.role_names)
            detail = f'<span class="pronouns">{pronouns}{between}{held}</span>'
        href = esc(path_to("circles:person_detail", organisation_slug, m.user_id))
        out.append(
            f'<li>{avatar_of(m.user_id, m.name, m.email)}<span class="person-name">'
            f'<a href="{href}">{bdi(m.name)}</a>{detail}</span></li>'
        )
    return mark_safe("".join(out))  # noqa: S308 - every variable part is escaped


def _role_notes() -> dict[str, tuple[str, str]]:
    """What each circle role is for: (the abbreviation's title, its words)."""
    return {
        "leader": (
            _("Chosen by the parent circle: the top-down link. A full member of both circles."),
            _("top-down link"),
        ),
        "delegate": (
            _(
                "Chosen by this circle: the bottom-up link, its voice in the parent circle. "
                "Never the same person as the leader."
            ),
            _("bottom-up link"),
        ),
        "facilitator": (_("Runs the meetings so that every voice is heard."), _("runs meetings")),
        "secretary": (
            _("Keeps minutes and records; tracks terms and reviews that fall due."),
            _("keeps records"),
        ),
    }


@register.simple_tag
def role_rows(
    roles: Iterable[RoleRow],
    organisation_slug: str,
    circle_slug: str,
    today: dt.date,
    can_manage_roles: bool = False,
) -> SafeString:
    """`{% role_rows roles organisation.slug circle.slug today can_manage_roles %}`: a circle's
    roles as `<li>` rows (what the role is for, who holds it until when, the button to select
    or fill it), as circles/includes/role_row.html renders them."""
    notes = _role_notes()
    out = []
    for role in roles:
        href = esc(path_to("circles:role_detail", organisation_slug, circle_slug, role.role_id))
        note = ""
        if role.kind in notes:
            title, words = notes[role.kind]
            note = f' <abbr class="small muted" title="{esc(title)}">{esc(words)}</abbr>'
        if role.current:
            held = "".join(
                f"\n    {_holder(a, organisation_slug, today)}\n    " for a in role.current
            )
            holders = f"\n    {held}\n    "
        else:
            nobody = esc(_("Nobody holds this role."))
            holders = (
                '\n    <div class="role-holder"><span class="avatar avatar-empty" '
                f'aria-hidden="true">?</span><span class="muted">{nobody}</span>'
                f"{term_badge(None)}</div>\n    "
            )
        manage = ""
        if can_manage_roles:
            assign = esc(
                path_to("circles:role_assign", organisation_slug, circle_slug, role.role_id)
            )
            verb = esc(_("Select") if role.current else _("Fill"))
            manage = (
                f'<a class="button button-small" href="{assign}">{verb}'
                f'<span class="visually-hidden"> {bdi(role.name)}</span></a>'
            )
        out.append(
            '<li class="list-row">\n  <div class="list-row-main">\n'
            f'    <div class="role-name"><a href="{href}">{bdi(role.name)}</a>{note}</div>\n'
            f"    {holders}\n  </div>\n  {manage}\n</li>\n"
        )
    return mark_safe("".join(out))  # noqa: S308 - every variable part is escaped


def _holder(a: TermRow, organisation_slug: str, today: dt.date) -> str:
    href = esc(path_to("circles:person_detail", organisation_slug, a.holder_id))
    until = _("until %(end)s") % {"end": day_text(a.term_end)}
    return (
        f'<div class="role-holder">{avatar_of(a.holder_id, a.holder_name, a.holder_email, "small")}'
        f'<a href="{href}">{bdi(a.holder_name)}</a><span class="small muted">{until}</span>'
        f"{term_badge(a, today)}</div>"
    )
