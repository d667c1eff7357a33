"""A meeting as an iCalendar event (RFC 5545): the .ics of its page and the entries of a person's
calendar feed (accounts/calendar.py). The times are written in the reader's time zone; a
cancelled meeting stays, marked CANCELLED, so that calendars that had it take it off; SEQUENCE
grows with every change, so that they replace their copy."""

from __future__ import annotations

import zoneinfo

from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from icalendar import Calendar, Event

from circlewise.core.links import absolute_url

from .models import Meeting


def title_of(meeting: Meeting) -> str:
    return meeting.title or _("Meeting of %(circle)s") % {"circle": meeting.circle.name}


def event_of(meeting: Meeting, request: HttpRequest, zone: zoneinfo.ZoneInfo) -> Event:
    url = absolute_url(
        reverse("meetings:meeting_detail", args=[meeting.circle.organisation.slug, meeting.pk]),
        request,
    )
    event = Event()
    event.add("uid", f"meeting-{meeting.pk}@{request.get_host()}")
    event.add("dtstamp", timezone.now())
    event.add("sequence", meeting.revision)
    event.add("summary", title_of(meeting))
    event.add("dtstart", meeting.starts_at.astimezone(zone))
    event.add("dtend", meeting.ends_at.astimezone(zone))
    where = [meeting.place] if meeting.place else []
    if meeting.video_url:
        where.append(meeting.video_url)
    if where:
        event.add("location", " · ".join(where))
    lines = [meeting.circle.name]
    if meeting.video_url:
        lines.append(_("Video: %(link)s") % {"link": meeting.video_url})
    lines.append(_("Agenda: %(link)s") % {"link": url})
    event.add("description", "\n".join(lines))
    event.add("url", url)
    if meeting.is_cancelled:
        event.add("status", "CANCELLED")
    return event


def calendar_of(meetings: list[Meeting], request: HttpRequest, zone: zoneinfo.ZoneInfo) -> bytes:
    cal = Calendar()
    cal.add("prodid", "-//Circlewise//Meetings//EN")
    cal.add("version", "2.0")
    cal.add("method", "PUBLISH")
    for meeting in meetings:
        cal.add_component(event_of(meeting, request, zone))
    cal.add_missing_timezones()
    return bytes(cal.to_ical())
