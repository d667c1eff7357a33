"""Every change to a meeting as it is planned: planning one (or a repeating series), changing it,
cancelling it, and keeping its agenda (items added by the planners, proposed by members and taken
on or declined, moved, removed).

Each runs in one transaction that appends its ledger event; the circle's members hear of a
meeting planned, changed or cancelled, and of what is proposed for its agenda, after commit
(ledger.append's `notify`). The ledger holds the meeting's times and names, never an agenda
item's details.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from circlewise.accounts.models import User
from circlewise.circles import permissions as circle_permissions
from circlewise.circles.models import Circle, CircleMembership, Role
from circlewise.core import ledger
from circlewise.core.errors import ServiceError
from circlewise.core.models import LedgerEvent
from circlewise.decisions import permissions as decision_permissions
from circlewise.decisions.models import BacklogItem
from circlewise.selections.models import Selection

from . import permissions, recurrence
from .broadcast import members_changed, room_changed
from .models import LONGEST, SHORTEST, AgendaItem, Meeting, Repeat, Series

# The fields of a meeting that update_meeting changes, and what each is called in a sentence.
MEETING_FIELDS = (
    "title",
    "starts_at",
    "duration_minutes",
    "place",
    "video_url",
    "facilitator",
    "secretary",
)


def member_ids(circle: Circle) -> list[int]:
    return sorted(
        CircleMembership.objects.current()
        .filter(circle=circle, user__is_active=True)
        .values_list("user_id", flat=True)
    )


def default_holder(circle: Circle, kind: str) -> User | None:
    """The circle's current facilitator or secretary, who a new meeting names by default."""
    ids = decision_permissions.role_holder_ids(circle, kind)
    return User.objects.filter(pk__in=ids, is_active=True).order_by("pk").first()


def _check_zone(time_zone: str) -> str:
    try:
        zoneinfo.ZoneInfo(time_zone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ServiceError(_("Choose a time zone from the list."), field="time_zone") from None
    return time_zone


def _check_times(starts_at: dt.datetime | None, duration_minutes: int | None) -> None:
    if starts_at is None:
        raise ServiceError(_("Say when the meeting starts."), field="starts_at")
    if timezone.is_naive(starts_at):
        raise ServiceError(_("Say when the meeting starts, with its time zone."), field="starts_at")
    if duration_minutes is None or not SHORTEST <= duration_minutes <= LONGEST:
        raise ServiceError(
            _("A meeting lasts between %(shortest)s minutes and %(hours)s hours.")
            % {"shortest": SHORTEST, "hours": LONGEST // 60},
            field="duration_minutes",
        )


def _check_person(circle: Circle, person: User | None, field: str) -> None:
    """A meeting's facilitator or secretary is a current member of its circle."""
    if person is None:
        return
    if not person.is_active or not circle_permissions.is_current_member(circle.pk, person.pk):
        raise ServiceError(
            _("%(name)s is not a member of %(circle)s: choose one of its members.")
            % {"name": person.name, "circle": circle.name},
            field=field,
        )


def _check_video(url: str) -> str:
    url = (url or "").strip()
    if url and not url.lower().startswith(("https://", "http://")):
        raise ServiceError(
            _("A video link starts with https:// (copy it from the invitation of the call)."),
            field="video_url",
        )
    return url


def _payload(meeting: Meeting, **extra: Any) -> dict[str, Any]:
    return {
        "meeting": meeting.pk,
        "circle_name": meeting.circle.name,
        "title": meeting.title,
        "starts_at": meeting.starts_at.isoformat(),
        "time_zone": meeting.time_zone,
        **extra,
    }


def _append(
    meeting: Meeting,
    actor: User | None,
    verb: str,
    obj: Any,
    notify: Iterable[int] = (),
    **extra: Any,
) -> LedgerEvent:
    if meeting.status == Meeting.Status.LIVE:  # its agenda or details, changed while it is on
        room_changed(meeting)
    return ledger.append(
        organisation=meeting.circle.organisation,
        actor=actor,
        verb=verb,
        obj=obj,
        circle=meeting.circle,
        payload=_payload(meeting, **extra),
        notify=sorted(set(notify)),
    )


def _refuse_if_ended(circle: Circle) -> None:
    if circle.archived_at is not None:
        raise ServiceError(
            _("%(circle)s is archived: it holds no more meetings.") % {"circle": circle.name},
            status=409,
        )
    circle_permissions.refuse_if_ended(circle)


# Planning ------------------------------------------------------------------------------------


@transaction.atomic
def plan_meeting(
    *,
    circle: Circle,
    actor: User,
    starts_at: dt.datetime | None,
    duration_minutes: int | None = 90,
    time_zone: str | None = None,
    title: str = "",
    place: str = "",
    video_url: str = "",
    facilitator: User | None = None,
    secretary: User | None = None,
    repeat: str = Repeat.NEVER,
    until: dt.date | None = None,
) -> Meeting:
    """Plan a meeting of the circle (and, with `repeat`, the series it begins). The facilitator
    and secretary default to the circle's role holders. The circle's members are told."""
    permissions.require_plan(actor, circle)
    _refuse_if_ended(circle)
    _check_times(starts_at, duration_minutes)
    assert starts_at is not None and duration_minutes is not None
    zone = _check_zone(time_zone or actor.timezone or "UTC")
    if starts_at <= timezone.now():
        raise ServiceError(_("A meeting is planned for a time still to come."), field="starts_at")
    if repeat not in Repeat.values:
        raise ServiceError(_("Choose how the meeting repeats from the list."), field="repeat")
    if until is not None and (
        repeat == Repeat.NEVER or until < starts_at.astimezone(zoneinfo.ZoneInfo(zone)).date()
    ):
        raise ServiceError(
            _("A series ends on or after the day of its first meeting."), field="until"
        )
    facilitator = facilitator or default_holder(circle, Role.Kind.FACILITATOR)
    secretary = secretary or default_holder(circle, Role.Kind.SECRETARY)
    _check_person(circle, facilitator, "facilitator")
    _check_person(circle, secretary, "secretary")
    video_url = _check_video(video_url)
    series = None
    if repeat != Repeat.NEVER:
        first_local = starts_at.astimezone(zoneinfo.ZoneInfo(zone)).replace(tzinfo=None)
        series = Series.objects.create(
            circle=circle,
            repeat=repeat,
            rule=recurrence.rule_for(repeat, first_local),
            first_starts_at=starts_at,
            time_zone=zone,
            until=until,
            title=title.strip(),
            duration_minutes=duration_minutes,
            place=place.strip(),
            video_url=video_url,
            made_until=starts_at,
            created_by=actor,
        )
    meeting = Meeting.objects.create(
        circle=circle,
        series=series,
        title=title.strip(),
        starts_at=starts_at,
        ends_at=starts_at + dt.timedelta(minutes=duration_minutes),
        time_zone=zone,
        place=place.strip(),
        video_url=video_url,
        facilitator=facilitator,
        secretary=secretary,
        created_by=actor,
    )
    extra: dict[str, Any] = {"repeat": repeat} if series is not None else {}
    _append(meeting, actor, "meeting.planned", meeting, notify=member_ids(circle), **extra)
    if series is not None:
        _make_occurrences(series, facilitator=facilitator, secretary=secretary)
    return meeting


def _make_occurrences(
    series: Series,
    *,
    now: dt.datetime | None = None,
    facilitator: User | None = None,
    secretary: User | None = None,
) -> list[Meeting]:
    """The series' meetings from the last one made up to HORIZON ahead (no event each: the
    series' planning, or its extension, says so)."""
    now = now or timezone.now()
    after = series.made_until or (series.first_starts_at - dt.timedelta(seconds=1))
    starts = list(
        recurrence.occurrences(
            series.rule,
            series.first_starts_at,
            series.time_zone,
            after=after,
            before=now + recurrence.HORIZON,
            until=series.until,
        )
    )
    made = [
        Meeting(
            circle=series.circle,
            series=series,
            title=series.title,
            starts_at=start,
            ends_at=start + dt.timedelta(minutes=series.duration_minutes),
            time_zone=series.time_zone,
            place=series.place,
            video_url=series.video_url,
            facilitator=facilitator,
            secretary=secretary,
            created_by=series.created_by,
        )
        for start in starts
    ]
    Meeting.objects.bulk_create(made, ignore_conflicts=True)
    if starts:
        Series.objects.filter(pk=series.pk).update(made_until=starts[-1])
        series.made_until = starts[-1]
    return made


@transaction.atomic
def extend_series(*, now: dt.datetime | None = None) -> int:
    """Make the meetings of every running series up to HORIZON ahead, each with the circle's
    facilitator and secretary of the day; one event per series extended. How many were made."""
    now = now or timezone.now()
    count = 0
    running = Series.objects.select_related("circle__organisation").filter(
        ended_at__isnull=True, circle__archived_at__isnull=True
    )
    for series in running:
        circle = series.circle
        made = _make_occurrences(
            series,
            now=now,
            facilitator=default_holder(circle, Role.Kind.FACILITATOR),
            secretary=default_holder(circle, Role.Kind.SECRETARY),
        )
        if not made:
            continue
        count += len(made)
        ledger.append(
            organisation=circle.organisation,
            actor=None,
            verb="meeting.series_extended",
            obj=series,
            circle=circle,
            payload={
                "series": series.pk,
                "circle_name": circle.name,
                "count": len(made),
                "until": made[-1].starts_at.isoformat(),
                "time_zone": series.time_zone,
            },
        )
    return count


@transaction.atomic
def update_meeting(*, meeting: Meeting, actor: User, **changes: Any) -> Meeting:
    """Change what a meeting still to come says: its title, time, length, place, video link,
    facilitator or secretary. The members are told when its time or place changes."""
    unknown = set(changes) - set(MEETING_FIELDS) - {"time_zone"}
    if unknown:
        raise TypeError(f"update_meeting: no such field {sorted(unknown)}")
    meeting = (
        Meeting.objects.select_for_update(of=("self",))
        .select_related("circle__organisation")
        .get(pk=meeting.pk)
    )
    permissions.require_keep_agenda(actor, meeting)
    if meeting.is_cancelled:
        raise ServiceError(_("This meeting was cancelled: plan a new one instead."), status=409)
    if meeting.is_over:
        raise ServiceError(_("This meeting is over: what it was stays as it was."), status=409)
    starts_at = changes.get("starts_at", meeting.starts_at)
    duration = changes.get("duration_minutes", meeting.duration_minutes)
    _check_times(starts_at, duration)
    if "starts_at" in changes and starts_at != meeting.starts_at and starts_at <= timezone.now():
        raise ServiceError(_("A meeting is moved to a time still to come."), field="starts_at")
    for name in ("facilitator", "secretary"):
        if name in changes:
            _check_person(meeting.circle, changes[name], name)
    if "video_url" in changes:
        changes["video_url"] = _check_video(changes["video_url"])
    if "time_zone" in changes:
        changes["time_zone"] = _check_zone(changes["time_zone"])
    changed = []
    old_duration = meeting.duration_minutes
    for name, value in changes.items():
        if name == "duration_minutes":
            continue
        value = value.strip() if isinstance(value, str) else value
        current = getattr(meeting, name)
        if current != value:
            setattr(meeting, name, value)
            changed.append(name)
    if duration != old_duration:
        changed.append("duration_minutes")
    meeting.ends_at = meeting.starts_at + dt.timedelta(minutes=duration)
    if not changed:
        return meeting
    meeting.revision += 1
    meeting.save()
    moved = {"starts_at", "duration_minutes", "place", "video_url"} & set(changed)
    notify = member_ids(meeting.circle) if moved else []
    _append(meeting, actor, "meeting.updated", meeting, notify=notify, changed=sorted(changed))
    if {"facilitator", "secretary"} & set(changed):  # who runs its room, if it is on
        members_changed(meeting.pk)
    return meeting


@transaction.atomic
def cancel_meeting(*, meeting: Meeting, actor: User, reason: str) -> Meeting:
    """Cancel a meeting still to come, saying why; the members are told."""
    meeting = (
        Meeting.objects.select_for_update(of=("self",))
        .select_related("circle__organisation")
        .get(pk=meeting.pk)
    )
    permissions.require_keep_agenda(actor, meeting)
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError(
            _("Say why the meeting is cancelled: the members will read it."), field="reason"
        )
    if meeting.is_cancelled:
        raise ServiceError(_("This meeting is cancelled already."), status=409)
    if meeting.is_over:
        raise ServiceError(_("This meeting is over: it can no longer be cancelled."), status=409)
    meeting.status = Meeting.Status.CANCELLED
    meeting.cancel_reason = reason
    meeting.revision += 1
    meeting.save(update_fields=["status", "cancel_reason", "revision"])
    _append(meeting, actor, "meeting.cancelled", meeting, notify=member_ids(meeting.circle))
    return meeting


# The agenda ----------------------------------------------------------------------------------


def _open_agenda(meeting: Meeting) -> None:
    if meeting.is_cancelled:
        raise ServiceError(_("This meeting was cancelled: its agenda is closed."), status=409)
    if meeting.is_over:
        raise ServiceError(_("This meeting is over: its agenda stays as it was."), status=409)


def _check_item(title: str, outcome: str, minutes: int | None) -> str:
    title = (title or "").strip()
    if not title:
        raise ServiceError(_("Name the item: what is it about?"), field="title")
    if outcome not in AgendaItem.Outcome.values:
        raise ServiceError(
            _("Choose what the item is for: understand, explore or decide."), field="outcome"
        )
    if minutes is None or not 1 <= minutes <= LONGEST:
        raise ServiceError(
            _("Give the item between 1 and %(most)s minutes.") % {"most": LONGEST}, field="minutes"
        )
    return title


@transaction.atomic
def add_agenda_item(
    *,
    meeting: Meeting,
    actor: User,
    title: str = "",
    outcome: str = "",
    minutes: int | None = 10,
    presenter: User | None = None,
    details: str = "",
    backlog_item: BacklogItem | None = None,
    selection: Selection | None = None,
) -> AgendaItem:
    """Put an item on the agenda (who keeps the agenda), or propose one (any member: it waits
    for them). An item from the circle's backlog takes its topic, desired outcome and owner (as
    presenter) unless they are given; an open selection of the circle's (who keeps the agenda),
    its role and facilitator, to decide; any other item is to explore unless said otherwise."""
    meeting = (
        Meeting.objects.select_for_update(of=("self",))
        .select_related("circle__organisation")
        .get(pk=meeting.pk)
    )
    keeps = permissions.can_keep_agenda(permissions._fresh(actor), meeting)
    if not keeps:
        permissions.require_propose_item(actor, meeting)
    _open_agenda(meeting)
    if backlog_item is not None:
        if backlog_item.circle_id != meeting.circle_id:
            raise ServiceError(
                _("That topic is in another circle's backlog."), field="backlog_item"
            )
        if backlog_item.status != BacklogItem.Status.OPEN:
            raise ServiceError(
                _("That topic is no longer open in the backlog."), field="backlog_item", status=409
            )
        if (
            meeting.agenda.filter(backlog_item=backlog_item)
            .exclude(status=AgendaItem.Status.DECLINED)
            .exists()
        ):
            raise ServiceError(
                _("That topic is on this agenda already."), field="backlog_item", status=409
            )
        title = title or backlog_item.topic
        outcome = outcome or backlog_item.desired_outcome
        presenter = presenter or backlog_item.owner
    if selection is not None:
        title, presenter = _from_selection(meeting, selection, keeps, title, presenter)
        outcome = outcome or AgendaItem.Outcome.DECIDE
    outcome = outcome or AgendaItem.Outcome.EXPLORE
    title = _check_item(title, outcome, minutes)
    _check_person(meeting.circle, presenter, "presenter")
    last = meeting.agenda.aggregate(last=Max("position"))["last"]
    item = AgendaItem.objects.create(
        meeting=meeting,
        position=(last or 0) + 1,
        title=title,
        outcome=outcome,
        minutes=minutes or 10,
        presenter=presenter,
        details=(details or "").strip(),
        backlog_item=backlog_item,
        selection=selection,
        status=AgendaItem.Status.ON_AGENDA if keeps else AgendaItem.Status.PROPOSED,
        added_by=actor,
    )
    if keeps:
        _append(meeting, actor, "agenda.item_added", item, item=item.pk, topic=item.title)
    else:
        _append(
            meeting,
            actor,
            "agenda.item_proposed",
            item,
            notify=_keepers(meeting, but=actor),
            item=item.pk,
            topic=item.title,
        )
    return item


def _from_selection(
    meeting: Meeting, selection: Selection, keeps: bool, title: str, presenter: User | None
) -> tuple[str, User | None]:
    """The topic and presenter of an item that carries a selection of the meeting's circle."""
    if not keeps:
        raise ServiceError(
            _("Only the meeting's facilitator or secretary puts a selection on its agenda."),
            status=403,
        )
    if selection.circle_id != meeting.circle_id:
        raise ServiceError(_("That selection is another circle's."), field="selection")
    if not selection.is_open:
        raise ServiceError(_("That selection is over."), field="selection", status=409)
    taken = meeting.agenda.filter(selection=selection).exclude(status=AgendaItem.Status.DECLINED)
    if taken.exists():
        raise ServiceError(
            _("That selection is on this agenda already."), field="selection", status=409
        )
    topic = title or _("Selecting the %(role)s") % {"role": selection.role.name}
    return topic, presenter or selection.facilitator


def _keepers(meeting: Meeting, *, but: User) -> list[int]:
    """Who hears of a proposed item: the meeting's facilitator and secretary, or, if it names
    neither, the circle's."""
    named = {pk for pk in (meeting.facilitator_id, meeting.secretary_id) if pk is not None}
    if not named:
        named = set(
            decision_permissions.role_holder_ids(
                meeting.circle, Role.Kind.FACILITATOR, Role.Kind.SECRETARY
            )
        )
    return sorted(pk for pk in named if pk != but.pk)


def _locked_item(item: AgendaItem) -> AgendaItem:
    return (
        AgendaItem.objects.select_for_update(of=("self",))
        .select_related("meeting__circle__organisation", "added_by")
        .get(pk=item.pk)
    )


@transaction.atomic
def accept_agenda_item(*, item: AgendaItem, actor: User) -> AgendaItem:
    item = _locked_item(item)
    permissions.require_keep_agenda(actor, item.meeting)
    _open_agenda(item.meeting)
    if item.status != AgendaItem.Status.PROPOSED:
        raise ServiceError(_("This item is not waiting to be taken on."), status=409)
    item.status = AgendaItem.Status.ON_AGENDA
    item.save(update_fields=["status"])
    notify = [item.added_by_id] if item.added_by_id != actor.pk else []
    _append(
        item.meeting,
        actor,
        "agenda.item_accepted",
        item,
        notify=notify,
        item=item.pk,
        topic=item.title,
    )
    return item


@transaction.atomic
def decline_agenda_item(*, item: AgendaItem, actor: User, reason: str) -> AgendaItem:
    item = _locked_item(item)
    permissions.require_keep_agenda(actor, item.meeting)
    _open_agenda(item.meeting)
    if item.status != AgendaItem.Status.PROPOSED:
        raise ServiceError(_("This item is not waiting to be taken on."), status=409)
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError(_("Say why, for whoever proposed it."), field="reason")
    item.status = AgendaItem.Status.DECLINED
    item.decline_reason = reason
    item.save(update_fields=["status", "decline_reason"])
    notify = [item.added_by_id] if item.added_by_id != actor.pk else []
    _append(
        item.meeting,
        actor,
        "agenda.item_declined",
        item,
        notify=notify,
        item=item.pk,
        topic=item.title,
    )
    return item


@transaction.atomic
def remove_agenda_item(*, item: AgendaItem, actor: User) -> None:
    """Take an item off the agenda (it is gone from it; the ledger keeps that it was there)."""
    item = _locked_item(item)
    permissions.require_keep_agenda(actor, item.meeting)
    _open_agenda(item.meeting)
    meeting, pk, title = item.meeting, item.pk, item.title
    item.delete()
    _append(meeting, actor, "agenda.item_removed", meeting, item=pk, topic=title)


@transaction.atomic
def move_agenda_item(*, item: AgendaItem, actor: User, up: bool) -> AgendaItem:
    """Move an item of the agenda one place up or down (a proposed one stays where it is)."""
    item = _locked_item(item)
    permissions.require_keep_agenda(actor, item.meeting)
    _open_agenda(item.meeting)
    order = list(
        item.meeting.agenda.filter(status=AgendaItem.Status.ON_AGENDA).order_by("position", "pk")
    )
    if item not in order:
        raise ServiceError(_("Only items on the agenda have a place in it."), status=409)
    at = order.index(item)
    to = at - 1 if up else at + 1
    if not 0 <= to < len(order):
        return item
    order[at], order[to] = order[to], order[at]
    for position, entry in enumerate(order, start=1):
        if entry.position != position:
            AgendaItem.objects.filter(pk=entry.pk).update(position=position)
    item.position = to + 1
    _append(
        item.meeting,
        actor,
        "agenda.item_moved",
        item,
        item=item.pk,
        topic=item.title,
        position=to + 1,
    )
    return item
