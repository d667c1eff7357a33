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
    a_date,
    a_moment,
    actor,
    bdi,
    circle_name,
    circle_url,
    org_url,
    person,
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


def _room_url(event: LedgerEvent) -> str:
    return org_url(event, "meetings:meeting_room", event.payload["meeting"])


def _opened(event: LedgerEvent) -> Sentence:
    return say(
        _("%(actor)s opened the meeting of %(circle)s planned for %(when)s."),
        _room_url(event),
        **_values(event),
    )


def _closed(event: LedgerEvent) -> Sentence:
    present = int(event.payload.get("present", 0))
    return say(
        ngettext(
            "%(actor)s closed the meeting of %(circle)s of %(when)s: %(count)s person took part.",
            "%(actor)s closed the meeting of %(circle)s of %(when)s: %(count)s people took part.",
            present,
        ),
        _url(event),
        count=present,
        **_values(event),
    )


def _joined(event: LedgerEvent) -> Sentence:
    p = event.payload
    if p.get("recorded_by"):
        return say(
            _("%(actor)s recorded %(person)s as present in the meeting of %(circle)s."),
            _room_url(event),
            person=person(p),
            **_values(event),
        )
    return say(_("%(actor)s joined the meeting of %(circle)s."), _room_url(event), **_values(event))


def _moved_on(event: LedgerEvent) -> Sentence:
    from .models import Meeting

    p = event.payload
    phase = dict(Meeting.Phase.choices).get(p.get("phase", ""), p.get("phase", ""))
    if p.get("topic"):
        return say(
            _("%(actor)s moved the meeting of %(circle)s on to “%(topic)s”."),
            _room_url(event),
            **_values(event),
        )
    return say(
        _("%(actor)s moved the meeting of %(circle)s on to: %(phase)s."),
        _room_url(event),
        phase=phase,
        **_values(event),
    )


def _kind(event: LedgerEvent) -> str:
    from .models import Round

    kind = event.payload.get("kind", "")
    return str(dict(Round.Kind.choices).get(kind, kind)).lower()


def _round_started(event: LedgerEvent) -> Sentence:
    return say(
        _("%(actor)s started a %(kind)s round in the meeting of %(circle)s."),
        _room_url(event),
        kind=_kind(event),
        **_values(event),
    )


def _round_ended(event: LedgerEvent) -> Sentence:
    if event.actor_id is not None:  # ended early, or with the meeting, by the facilitator
        return say(
            _("%(actor)s ended the %(kind)s round in the meeting of %(circle)s."),
            _room_url(event),
            kind=_kind(event),
            **_values(event),
        )
    return say(
        _("The %(kind)s round in the meeting of %(circle)s ended: everyone had their turn."),
        _room_url(event),
        kind=_kind(event),
        **_values(event),
    )


def _turn(event: LedgerEvent) -> Sentence:
    p = event.payload
    values = {**_values(event), "person": person(p), "kind": _kind(event)}
    if p.get("recorded_by"):  # said in the room, recorded by the facilitator or secretary
        if p.get("came_back"):
            template = _(
                "%(actor)s recorded that %(person)s asked to be come back to in the %(kind)s "
                "round of %(circle)s."
            )
        elif p.get("passed"):
            template = _(
                "%(actor)s recorded that %(person)s passed in the %(kind)s round of %(circle)s."
            )
        else:
            template = _(
                "%(actor)s recorded %(person)s's turn in the %(kind)s round of %(circle)s."
            )
    elif p.get("came_back"):
        template = _("%(person)s asked to be come back to in the %(kind)s round of %(circle)s.")
    elif p.get("passed"):
        template = _("%(person)s passed in the %(kind)s round of %(circle)s.")
    elif p.get("written"):
        template = _("%(person)s gave a written turn in the %(kind)s round of %(circle)s.")
    else:
        template = _("%(person)s spoke in the %(kind)s round of %(circle)s.")
    return say(template, _room_url(event), **values)


def _actions_url(event: LedgerEvent) -> str:
    return circle_url(event, "meetings:circle_actions") + f"#action-{event.payload['action']}"


def _action(event: LedgerEvent) -> Sentence:
    p = event.payload
    values = {
        "actor": actor(event),
        "circle": circle_name(event),
        "title": bdi(p.get("title", "")),
        "owner": person(p, "owner_name"),
        "due": a_date(p.get("due_on")),
        "reason": bdi(p.get("reason", "")),
    }
    if event.verb == "action.added":
        if p.get("due_on"):
            template = _(
                "%(actor)s gave %(owner)s an action item in %(circle)s: “%(title)s”, due %(due)s."
            )
        else:
            template = _("%(actor)s gave %(owner)s an action item in %(circle)s: “%(title)s”.")
    elif event.verb == "action.done":
        template = _("%(actor)s marked “%(title)s” done in %(circle)s.")
    elif event.verb == "action.dropped":
        template = _("%(actor)s dropped “%(title)s” in %(circle)s: %(reason)s")
    elif p.get("overdue"):
        template = _("%(actor)s reminds %(owner)s: “%(title)s” in %(circle)s was due %(due)s.")
    else:
        template = _("%(actor)s reminds %(owner)s: “%(title)s” in %(circle)s is due %(due)s.")
    return say(template, _actions_url(event), **values)


def _minutes_url(event: LedgerEvent) -> str:
    return org_url(event, "meetings:meeting_minutes", event.payload["meeting"])


def _minutes_approved(event: LedgerEvent) -> Sentence:
    """Approved by a person (at a meeting), or by lazy consent: then the circle's act, nobody's."""
    if event.payload.get("by_consent"):
        return say(
            _(
                "%(actor)s approved the minutes of its meeting of %(when)s by lazy consent: "
                "nobody objected in time."
            ),
            _minutes_url(event),
            **_values(event),
        )
    return say(
        _("%(actor)s approved the minutes of the meeting of %(circle)s of %(when)s."),
        _minutes_url(event),
        **_values(event),
    )


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
    "meeting.opened": _opened,
    "meeting.joined": _joined,
    "meeting.moved_on": _moved_on,
    "meeting.closed": _closed,
    "round.started": _round_started,
    "round.turn_taken": _turn,
    "round.ended": _round_ended,
    "meeting.agenda_sent": lambda event: say(
        _("%(circle)s meets on %(when)s: here is its agenda."),
        _url(event),
        **_values(event),
    ),
    "discussion.started": lambda event: say(
        _(
            "%(actor)s opened a free discussion of %(minutes)s minutes in the meeting of %(circle)s."
        ),
        _room_url(event),
        minutes=event.payload.get("minutes", ""),
        **_values(event),
    ),
    "hand.raised": lambda event: say(
        _("%(actor)s raised a hand to speak in the meeting of %(circle)s."),
        _room_url(event),
        **_values(event),
    ),
    "hand.lowered": lambda event: say(
        _("%(actor)s lowered their hand in the meeting of %(circle)s."),
        _room_url(event),
        **_values(event),
    ),
    "hand.called": lambda event: say(
        _("%(actor)s gave %(person)s the floor in the meeting of %(circle)s."),
        _room_url(event),
        person=person(event.payload),
        **_values(event),
    ),
    "hand.queue_ordered": lambda event: say(
        _("%(actor)s put those who have spoken least first in the meeting of %(circle)s.")
        if event.payload.get("least_first")
        else _(
            "%(actor)s put the raised hands in the order they went up in the meeting of %(circle)s."
        ),
        _room_url(event),
        **_values(event),
    ),
    "meeting.seats_changed": lambda event: say(
        _("%(actor)s moved %(person)s to seat %(seat)s in the meeting of %(circle)s."),
        _room_url(event),
        person=person(event.payload),
        seat=event.payload.get("seat", ""),
        **_values(event),
    ),
    "agenda.notes_edited": lambda event: say(
        _("%(actor)s wrote the notes on “%(topic)s” in the meeting of %(circle)s."),
        _room_url(event),
        **_values(event),
    ),
    "minutes.edited": lambda event: say(
        _("%(actor)s wrote up the minutes of the meeting of %(circle)s of %(when)s."),
        _minutes_url(event),
        **_values(event),
    ),
    "minutes.approved": lambda event: _minutes_approved(event),
    "minutes.sent_for_consent": lambda event: say(
        _(
            "%(actor)s sent the minutes of the meeting of %(circle)s of %(when)s to its members "
            "for consent: object by %(until)s if something is wrong or missing."
        ),
        _minutes_url(event),
        until=a_moment(event.payload.get("consent_until")),
        **_values(event),
    ),
    "minutes.objected": lambda event: say(
        _("%(actor)s objected to the minutes of the meeting of %(circle)s of %(when)s."),
        _minutes_url(event),
        **_values(event),
    ),
    "action.added": _action,
    "action.done": _action,
    "action.dropped": _action,
    "action.reminder": _action,
    "meeting.evaluated": lambda event: say(
        _("%(actor)s evaluated the meeting of %(circle)s of %(when)s."),
        circle_url(event, "meetings:circle_evaluations"),
        **_values(event),
    ),
}
# A meeting is seen by whoever sees its circle. Who joined, each turn, each hand and seat, and
# each edit of an item's notes or of the minutes stay in the ledger (the participation figures come from them) and out
# of the feeds, where they would be noise.
HIDDEN: frozenset[str] = frozenset(
    {
        "meeting.joined",
        "round.turn_taken",
        "minutes.edited",
        "agenda.notes_edited",
        "hand.raised",
        "hand.lowered",
        "hand.called",
        "hand.queue_ordered",
        "meeting.seats_changed",
        "discussion.started",
    }
)
