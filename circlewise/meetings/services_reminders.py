"""The agenda, sent the day before: each meeting still to come in the next day is told to its
circle's members once, in-app and by email, with its agenda (notifications' emails carry it, as
they carry minutes). A periodic task (AGENDAS_SCHEDULE) runs it; a run sends nothing twice."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import AgendaItem, Meeting
from .services import _append, member_ids

# How long before a meeting its agenda goes out.
AHEAD = dt.timedelta(hours=24)


def send_agendas(*, now: dt.datetime | None = None) -> int:
    """Send the agenda of every planned meeting starting within AHEAD; how many were sent."""
    now = now or timezone.now()
    due = Meeting.objects.filter(
        status=Meeting.Status.PLANNED,
        agenda_sent_at__isnull=True,
        starts_at__gt=now,
        starts_at__lte=now + AHEAD,
        circle__archived_at__isnull=True,
    ).values_list("pk", flat=True)
    return sum(_send(pk, now) for pk in list(due))


@transaction.atomic
def _send(pk: int, now: dt.datetime) -> int:
    meeting = (
        Meeting.objects.select_for_update(of=("self",))
        .select_related("circle__organisation")
        .filter(pk=pk, agenda_sent_at__isnull=True, status=Meeting.Status.PLANNED)
        .first()
    )
    if meeting is None:  # sent or cancelled meanwhile
        return 0
    meeting.agenda_sent_at = now
    meeting.save(update_fields=["agenda_sent_at"])
    items = AgendaItem.objects.filter(meeting=meeting, status=AgendaItem.Status.ON_AGENDA).count()
    _append(meeting, None, "meeting.agenda_sent", meeting, notify=member_ids(meeting.circle),
            items=items)  # fmt: skip
    return 1


def agenda_markdown(meeting_id: int) -> str:
    """The meeting's agenda in Markdown, for its email: each item with its outcome, its time and
    who presents it, then its details."""
    items = (
        AgendaItem.objects.filter(meeting_id=meeting_id, status=AgendaItem.Status.ON_AGENDA)
        .select_related("presenter")
        .order_by("position", "pk")
    )
    lines = []
    for number, item in enumerate(items, start=1):
        about = [str(item.get_outcome_display()), _("%(minutes)s min") % {"minutes": item.minutes}]
        if item.presenter is not None:
            about.append(_("presented by %(name)s") % {"name": item.presenter.name})
        lines.append(f"{number}. **{item.title}** ({', '.join(about)})")
        if item.details:
            lines += [f"   {line}".rstrip() for line in item.details.splitlines()]
    if not lines:
        return _("No items yet: the meeting opens with a check-in round and the administration.")
    return "\n".join(lines) + "\n"
