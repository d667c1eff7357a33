"""Sentences for the meetings' ledger events, in feeds and notifications.

Each names the meeting by its circle and its time (in the reader's time zone), and leads to the
meeting's page; an agenda item is named by its topic. (See circlewise.core.feed for the escaping
and the `<bdi>`.)
"""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from circlewise.core.feed import (
    Describer,
    Sentence,
    a_moment,
    actor,
    bdi,
    circle_name,
    circle_url,
    org_url,
    say,
)
from circlewise.core.models import LedgerEvent


def _url(event: LedgerEvent) -> str:
    return org_url(event, "meetings:meeting_detail", event.payload["meeting"])


def _values(event: LedgerEvent) -> dict[str, object]:
    p = event.payload
    return {
        "actor": actor(event),
        "circle": circle_name(event),
        "when": a_moment(p.get("starts_at")),
        "topic": bdi(p.get("topic", "")),
    }


def _planned(event: LedgerEvent) -> Sentence:
    if event.payload.get("repeat"):
        return say(
            _("%(actor)s planned repeating meetings of %(circle)s, the first on %(when)s."),
            _url(event),
            **_values(event),
        )
    return say(
        _("%(actor)s planned a meeting of %(circle)s on %(when)s."), _url(event), **_values(event)
    )


def _updated(event: LedgerEvent) -> Sentence:
    changed = set(event.payload.get("changed", ()))
    if {"starts_at", "duration_minutes"} & changed:
        template = _("%(actor)s moved the meeting of %(circle)s to %(when)s.")
    elif {"place", "video_url"} & changed:
        template = _("%(actor)s changed where the meeting of %(circle)s on %(when)s takes place.")
    else:
        template = _("%(actor)s changed the meeting of %(circle)s on %(when)s.")
    return say(template, _url(event), **_values(event))


def _cancelled(event: LedgerEvent) -> Sentence:
    return say(
        _("%(actor)s cancelled the meeting of %(circle)s on %(when)s."),
        _url(event),
        **_values(event),
    )


def _extended(event: LedgerEvent) -> Sentence:
    count = int(event.payload.get("count", 0))
    return say(
        ngettext(
            "Circlewise planned %(count)s more meeting of %(circle)s, up to %(until)s.",
            "Circlewise planned %(count)s more meetings of %(circle)s, up to %(until)s.",
            count,
        ),
        circle_url(event, "meetings:circle_meetings"),
        count=count,
        circle=circle_name(event),
        until=a_moment(event.payload.get("until")),
    )


def _item(template: str | Promise) -> Describer:
    def describe(event: LedgerEvent) -> Sentence:
        return say(template, _url(event) + "#agenda", **_values(event))

    return describe


DESCRIBERS: dict[str, Describer] = {
    "meeting.planned": _planned,
    "meeting.updated": _updated,
    "meeting.cancelled": _cancelled,
    "meeting.series_extended": _extended,
    "agenda.item_added": _item(
        gettext_lazy(
            "%(actor)s put “%(topic)s” on the agenda of the meeting of %(circle)s on %(when)s."
        )
    ),
    "agenda.item_proposed": _item(
        gettext_lazy("%(actor)s proposed “%(topic)s” for the meeting of %(circle)s on %(when)s.")
    ),
    "agenda.item_accepted": _item(
        gettext_lazy(
            "%(actor)s took “%(topic)s” onto the agenda of the meeting of %(circle)s on %(when)s."
        )
    ),
    "agenda.item_declined": _item(
        gettext_lazy("%(actor)s declined “%(topic)s” for the meeting of %(circle)s on %(when)s.")
    ),
    "agenda.item_removed": _item(
        gettext_lazy(
            "%(actor)s took “%(topic)s” off the agenda of the meeting of %(circle)s on %(when)s."
        )
    ),
    "agenda.item_moved": _item(
        gettext_lazy(
            "%(actor)s moved “%(topic)s” on the agenda of the meeting of %(circle)s on %(when)s."
        )
    ),
}
# Every meeting event is in the feeds: a meeting is seen by whoever sees its circle.
HIDDEN: frozenset[str] = frozenset()
