"""Rows of the decision pages built in one tag each: the proposal page's consent roster, the
people still to answer and the quick reactions; the policy register's policies and circles.

A round lists everyone in the circle (a hundred people in the benchmark's assembly), and the page
is rendered afresh after every answer: one tag per list, not a dozen lookups and filters per
person. Each renders exactly what the loop it replaced rendered (tests/decisions/test_row_tags.py).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import template
from django.template.defaultfilters import linebreaksbr
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from circlewise.core.bidi import isolate
from circlewise.core.links import path_to
from circlewise.core.templatetags.circlewise import (
    _icon,
    avatar,
    bdi,
    circle_dot_of,
    day_text,
    esc,
    local_moment,
    when_text,
)

register = template.Library()

# A person's small avatar and name in <bdi>, by their id: the proposal page names the same people
# in its roster, its list of those still to answer and its reactions, so each is made once per
# rendering of the page (the page's context holds the dict; without it, once per row).
Faces = dict[int, tuple[str, str]]


def _face(person: Any, faces: Faces | None) -> tuple[str, str]:
    found = faces.get(person.pk) if faces is not None else None
    if found is None:
        found = (avatar(person, "small"), bdi(person.name))
        if faces is not None and person.pk is not None:
            faces[person.pk] = found
    return found


def _badge(css: str, icon: str, label: Any) -> str:
    return f'<span class="badge badge-{esc(css)}">{_icon(icon)}{bdi(label)}</span>'


def _badge_in(badges: dict[tuple[str, str, str], str], css: str, icon: str, label: Any) -> str:
    """An answer's badge, made once per list (`badges`: those made so far)."""
    look = (css, icon, str(label))
    badge = badges.get(look)
    if badge is None:
        badge = badges[look] = _badge(*look)
    return badge


def _roster_row(
    row: Any, you: str, badges: dict[tuple[str, str, str], str], org_slug: str, faces: Faces | None
) -> str:
    """One person's row; `you` is the marker for the viewer's own row (else "")."""
    face, name = _face(row.user, faces)
    parts = [
        '<li class="list-row roster-row"><span class="person list-row-main">',
        face,
        f'<span class="person-name"><span>{name}',
        you,
        "</span>",
        f'<span class="pronouns">{when_text(row.at)}</span>' if row.at else "",
        "</span></span>",
        _badge_in(badges, row.css, row.icon, row.label),
    ]
    if row.left_at and row.state != "left":
        left = _("left the circle %(date)s; the answer stands") % {"date": when_text(row.left_at)}
        parts.append(f'<span class="small muted">{left}</span>')
    if row.reason:
        thread = ""
        if row.objection_id:
            href = path_to("decisions:objection_detail", org_slug, row.objection_id)
            thread = f' <a href="{esc(href)}">{esc(_("Its thread"))}</a>'
        parts.append(f'<p class="roster-reason">{esc(row.reason)}{thread}</p>')
    parts.append("</li>")
    return "".join(parts)


@register.simple_tag
def roster_rows(
    rows: Iterable[Any], viewer: Any, organisation: Any, faces: Faces | None = None
) -> SafeString:
    """`{% roster_rows round_info.rows user organisation faces %}`: everyone in the round, with their
    answer (or what keeps them from one), its time and reason."""
    viewer_id = getattr(viewer, "pk", None)
    you = f' <span class="muted">({esc(_("you"))})</span>'
    badges: dict[tuple[str, str, str], str] = {}
    html = "".join(
        _roster_row(row, you if row.user.pk == viewer_id else "", badges, organisation.slug, faces)
        for row in rows
    )
    return mark_safe(html)  # noqa: S308 - every variable part is escaped


@register.simple_tag
def waiting_names(people: Iterable[Any], faces: Faces | None = None) -> SafeString:
    """`{% waiting_names round_info.waiting faces %}`: who has not answered yet, as list items."""
    html = "".join(f'<li class="person">{"".join(_face(u, faces))}</li>' for u in people)
    return mark_safe(html)  # noqa: S308 - every variable part is escaped


@register.simple_tag
def reaction_rows(rows: Iterable[tuple[Any, Any]], faces: Faces | None = None) -> SafeString:
    """`{% reaction_rows reaction_rows faces %}`: each member's quick reaction, or that they
    passed or have not reacted yet."""
    not_yet = f'<span class="badge badge-neutral">{_icon("clock")}{esc(_("not yet"))}</span>'
    passed = f'<span class="badge badge-neutral">{_icon("minus")}{esc(_("passed"))}</span>'
    parts = []
    for person, r in rows:
        if r is None:
            said = not_yet
        elif r.passed:
            said = passed
        else:
            said = f"<p>{linebreaksbr(r.text, autoescape=True)}</p>"
        face, name = _face(person, faces)
        parts.append(
            f'<li class="list-row contribution">{face}'
            f'<div class="list-row-main"><div class="small"><strong>{name}</strong>'
            f"</div>{said}</div></li>"
        )
    return mark_safe("".join(parts))  # noqa: S308 - every variable part is escaped


def _policy_when(policy: Any) -> str:
    if policy.retired_at:
        return _("retired on %(date)s") % {"date": day_text(policy.retired_at)}
    if policy.superseded_by_id:
        return esc(_("replaced by a newer policy"))
    if policy.review_on:
        return _("review by %(date)s") % {"date": day_text(policy.review_on)}
    return esc(_("no review date"))


@register.simple_tag
def policy_rows(rows: Iterable[Any], organisation: Any) -> SafeString:
    """`{% policy_rows policies organisation %}`: the register's policies as list rows (the
    circle's dot and name, the title linked, when it is reviewed or how it ended, its status)."""
    parts = []
    badges: dict[tuple[str, str, str], str] = {}
    for row in rows:
        href = esc(path_to("decisions:policy_detail", organisation.slug, row.pk))
        look = (row.status_css, row.status_icon, row.status_label)
        badge = badges.get(look)
        if badge is None:
            css, icon, label = look
            badge = badges[look] = (
                f'<span class="badge badge-{esc(css)}">{_icon(icon)}{esc(label)}</span>'
            )
        parts.append(
            f'<li class="list-row">{circle_dot_of(row.circle_id)}<div class="list-row-main">'
            f'<div class="list-row-title"><a href="{href}">{bdi(row.title)}</a></div>'
            f'<div class="small muted">{bdi(row.circle_name)} · {_policy_when(row)}</div></div>'
            f"{badge}</li>"
        )
    return mark_safe("".join(parts))  # noqa: S308 - every variable part is escaped


@register.simple_tag
def circle_options(circles: Iterable[Any], chosen: Any) -> SafeString:
    """`{% circle_options circles chosen_circle %}`: a `<option>` for each circle, by its slug,
    the chosen one selected."""
    chosen_pk = getattr(chosen, "pk", None)
    html = "".join(
        f'<option value="{esc(c.slug)}"'
        f"{' selected' if c.pk == chosen_pk else ''}>{esc(isolate(c.name))}</option>"
        for c in circles
    )
    return mark_safe(html)  # noqa: S308 - every variable part is escaped


def _record_row(row: dict[str, Any], badges: dict[tuple[str, str, str], str]) -> str:
    person, at, left_at = row["person"], row["at"], row["left_at"]
    when = ""
    if at:
        when = (
            f'<span class="pronouns"><time datetime="{local_moment(at).isoformat()}">'
            f"{when_text(at, year=True)}</time></span>"
        )
    elif left_at:
        left = _('left on <time datetime="%(datetime)s">%(date)s</time>')
        values = {
            "datetime": local_moment(left_at).isoformat(),
            "date": when_text(left_at, year=True),
        }
        when = f'<span class="pronouns">{left % values}</span>'
    parts = [
        '<li class="list-row roster-row"><span class="person list-row-main">',
        avatar(person, "small"),
        f'<span class="person-name"><span>{bdi(person.name if person else "")}</span>{when}</span></span>',
        _badge_in(badges, row["css"], row["icon"], row["label"]),
    ]
    if left_at and row["state"] != "left":
        stands = _("Left the circle on %(date)s, after answering: the answer stands.")
        parts.append(
            f'<p class="small muted">{stands % {"date": when_text(left_at, year=True)}}</p>'
        )
    if row["reason"]:
        parts.append(f'<p class="roster-reason">{esc(row["reason"])}</p>')
    parts.append("</li>")
    return "".join(parts)


@register.simple_tag
def record_roster(rows: Iterable[dict[str, Any]]) -> SafeString:
    """`{% record_roster rows %}`: everyone the decision record names, with their answer (or
    what kept them from one), its time and reason."""
    badges: dict[tuple[str, str, str], str] = {}
    return mark_safe("".join(_record_row(row, badges) for row in rows))  # noqa: S308 - escaped


@register.simple_tag(takes_context=True)
def needs_panel(context: template.Context, organisation: Any, limit: int = 5) -> SafeString:
    """The home's "what needs you": the first things the "what needs me" page lists (rounds to
    answer with their end, objections to confirm, proposals with a step to take), read by the
    same function, with the same count. The home keeps it, with the rest of the person's own
    part, on the version of their circles (circles.views.browse.org_home)."""
    from django.template.loader import render_to_string

    return mark_safe(  # noqa: S308 - rendered by its template, which escapes
        render_to_string(
            "decisions/includes/needs_panel.html",
            _needs_items(context["user"], organisation, limit),
        )
    )


def _needs_items(user: Any, organisation: Any, limit: int) -> dict[str, Any]:
    from ..views.needs_me import needs_of

    found = needs_of(user, organisation)
    items: list[dict[str, Any]] = []
    for r in found["rounds"]:
        items.append({"kind": "answer_round", "title": r.title, "circle": r.proposal.circle,
                      "href": path_to("decisions:proposal_detail", organisation.slug,
                                      r.proposal_id) + "#answer",
                      "sentence": _("Consent or object"), "ends_at": r.closes_at,
                      "overdue": r.proposal.step_overdue})  # fmt: skip
    for o in found["objections_to_confirm"]:
        items.append({"kind": "confirm_objection", "title": o.title, "circle": o.proposal.circle,
                      "href": path_to("decisions:objection_detail", organisation.slug, o.pk),
                      "sentence": _("Your objection was stated back to you: confirm it"),
                      "ends_at": None, "overdue": False})  # fmt: skip
    for p in found["proposals"]:
        items.append({"kind": p.need.kind, "title": p.title, "circle": p.circle,
                      "href": p.need.href, "sentence": p.need.sentence,
                      "ends_at": p.step_ends_at if p.state in ("clarifying", "reacting") else None,
                      "overdue": p.step_overdue})  # fmt: skip
    return {
        "organisation": organisation,
        "items": items[:limit],
        "count": found["count"],
        "more": max(0, found["count"] - limit),
    }
