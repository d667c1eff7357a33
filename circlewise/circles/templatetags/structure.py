"""Tags of the structure pages (`{% load structure %}`): the circle list's rows in one tag.

The list of a 400-circle organisation is rendered afresh after every change; one tag renders
every row, not a dozen lookups, filters and tags per circle.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple

from django import template
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from circlewise.core.templatetags.circlewise import bdi, esc, icon

register = template.Library()


class TreeRow(NamedTuple):
    """One circle of the nested list, its words prepared (`circles.views.browse`)."""

    name: str
    href: str
    hue: str  # its colour class
    kind: str
    aim: str
    is_private: bool
    ended: str  # the mandate's last day, for an ended helping circle
    has_parent: bool
    leader: str
    delegate: str
    broken: str  # what breaks its double link, "" when it holds
    members: str
    is_mine: bool
    opens: bool  # its sub-circles follow, in a nested list
    closes: int  # nested lists to close after it (a circle without sub-circles)


@register.simple_tag
def circle_tree_rows(rows: Iterable[TreeRow]) -> SafeString:
    """`{% circle_tree_rows rows %}`: the circles as nested `<li>` rows, parents before their
    sub-circles: name, kind, badges (private, ended, yours, link broken), aim, members, and the
    leader and delegate linking it to its parent."""
    private = f' <span class="badge badge-neutral">{icon("lock")}{esc(_("private"))}</span>'
    yours = f' <span class="badge badge-current">{icon("check")}{esc(_("yours"))}</span>'
    broken = f' <span class="badge badge-expired">{icon("alert")}{esc(_("link broken"))}</span>'
    leader, delegate = esc(_("Leader")), esc(_("Delegate"))
    vacant = f"<strong>{esc(_('vacant'))}</strong>"
    ended_on = _("ended on %(date)s")
    # Colours, kinds and member counts repeat from row to row: each escaped once.
    escaped: dict[str, str] = {}

    def once(text: str) -> str:
        if text not in escaped:
            escaped[text] = esc(text)
        return escaped[text]

    out = []
    for row in rows:
        links = ""
        if row.has_parent:
            links = (
                f" · {leader}: {bdi(row.leader) if row.leader else vacant}"
                f" · {delegate}: {bdi(row.delegate) if row.delegate else vacant}"
            )
        ended = ""
        if row.ended:
            date = esc(row.ended)
            ended = f' <span class="badge badge-ended">{ended_on % {"date": date}}</span>'
        out.append(
            f'<li><div class="tree-item"><a href="{esc(row.href)}">'
            f'<span class="circle-dot {once(row.hue)}" aria-hidden="true"></span>'
            f"{bdi(row.name)}</a> "
            f'<span class="small muted">{once(row.kind)}</span>'
            f"{private if row.is_private else ''}{ended}{yours if row.is_mine else ''}"
            f"{broken if row.broken else ''}"
            f'<p class="tree-aim">{esc(row.aim)}</p>'
            f'<p class="tree-links">{once(row.members)}{links}</p>'
            + (f'<p class="tree-broken">{esc(row.broken)}</p>' if row.broken else "")
            + "</div>"
            + ("<ul>" if row.opens else "</li>" + "</ul></li>" * row.closes)
            + "\n    "
        )
    return mark_safe("".join(out))  # noqa: S308 - every variable part is escaped
