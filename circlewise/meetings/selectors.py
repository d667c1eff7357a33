"""What the meeting pages read: a circle's meetings, a meeting's agenda, and the topics of the
circle's backlog that could go on it. Nothing here writes."""

from __future__ import annotations

from dataclasses import dataclass, field

from circlewise.circles.models import Circle
from circlewise.decisions.models import BacklogItem

from .models import AgendaItem, Meeting, MeetingQuerySet


def meetings_of(circle: Circle) -> MeetingQuerySet:
    return Meeting.objects.filter(circle=circle).select_related(
        "facilitator", "secretary", "series"
    )


@dataclass
class Agenda:
    items: list[AgendaItem] = field(default_factory=list)
    proposed: list[AgendaItem] = field(default_factory=list)
    declined: list[AgendaItem] = field(default_factory=list)

    @property
    def minutes(self) -> int:
        return sum(item.minutes for item in self.items)


def agenda_of(meeting: Meeting) -> Agenda:
    """The meeting's agenda in its order, the items members proposed for it, and those declined
    (one query)."""
    agenda = Agenda()
    rows = (
        AgendaItem.objects.filter(meeting=meeting)
        .select_related("presenter", "added_by", "backlog_item")
        .order_by("position", "pk")
    )
    lists = {
        AgendaItem.Status.ON_AGENDA: agenda.items,
        AgendaItem.Status.PROPOSED: agenda.proposed,
        AgendaItem.Status.DECLINED: agenda.declined,
    }
    for item in rows:
        item.meeting = meeting
        lists[AgendaItem.Status(item.status)].append(item)
    return agenda


def backlog_candidates(meeting: Meeting) -> list[BacklogItem]:
    """The circle's open backlog topics not yet on this agenda (proposals to present, reviews and
    terms falling due, topics raised by members and other circles: all land in the backlog)."""
    taken = AgendaItem.objects.filter(meeting=meeting).exclude(status=AgendaItem.Status.DECLINED)
    return list(
        BacklogItem.objects.open()
        .filter(circle_id=meeting.circle_id)
        .exclude(pk__in=taken.filter(backlog_item__isnull=False).values("backlog_item_id"))
        .select_related("owner")
        .order_by("due_on", "created_at", "pk")
    )
