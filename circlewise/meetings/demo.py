"""Meetings for the demo organisation, planned through the meeting services: Land & Gardens meets
every other Tuesday evening, its next agenda built from its backlog with an item a member
proposed; Community Life meets once next week, with a member's item taken on and one declined.
Both circles have action items, one of them done."""

from __future__ import annotations

import datetime as dt
import zoneinfo

from django.db import transaction
from django.utils import timezone

from circlewise.accounts.models import User
from circlewise.circles.models import Organisation
from circlewise.decisions.models import BacklogItem

from . import services, services_actions
from .models import Repeat


def _p(local: str) -> User:
    return User.objects.get(email=f"{local}@riverbend.example")


def _next(weekday: int, hour: int, zone: str, *, at_least_days: int = 1) -> dt.datetime:
    """The next such weekday (0 is Monday) at least this many days ahead, at this hour there."""
    tz = zoneinfo.ZoneInfo(zone)
    day = timezone.localdate() + dt.timedelta(days=at_least_days)
    day += dt.timedelta(days=(weekday - day.weekday()) % 7)
    return dt.datetime.combine(day, dt.time(hour, 0), tzinfo=tz)


@transaction.atomic
def load(org: Organisation) -> None:
    land = org.circles.get(slug="land-gardens")
    community = org.circles.get(slug="community-life")
    kai, lena, omar = _p("kai"), _p("lena"), _p("omar")
    wren, zoe, tara = _p("wren"), _p("zoe"), _p("tara")

    garden = services.plan_meeting(
        circle=land, actor=lena, starts_at=_next(1, 19, "Europe/London"),
        time_zone="Europe/London", duration_minutes=90, place="The common house, upstairs room",
        video_url="https://meet.example.org/riverbend-land", repeat=Repeat.FORTNIGHTLY,
    )  # fmt: skip
    for topic in BacklogItem.objects.open().filter(circle=land).order_by("created_at")[:2]:
        services.add_agenda_item(meeting=garden, actor=kai, backlog_item=topic, minutes=20)
    services.add_agenda_item(
        meeting=garden, actor=kai, title="Report: the winter pruning days", outcome="understand",
        minutes=10, presenter=omar,
        details="Omar reports on the three pruning days: who came, which trees, what is left.",
    )  # fmt: skip
    services.add_agenda_item(
        meeting=garden, actor=lena, title="Seed swap with the neighbouring farms", minutes=15,
        details="An idea to explore: a spring seed swap at the common house.",
    )  # fmt: skip

    gathering = services.plan_meeting(
        circle=community, actor=wren, starts_at=_next(3, 18, "Europe/London", at_least_days=5),
        time_zone="Europe/London", duration_minutes=60, place="The common house kitchen",
    )  # fmt: skip
    services.add_agenda_item(
        meeting=gathering, actor=wren, title="Planning the midsummer festival", outcome="explore",
        minutes=25, presenter=tara,
    )  # fmt: skip
    taken = services.add_agenda_item(
        meeting=gathering, actor=zoe, title="A quiet room for the teenagers", outcome="explore",
        minutes=15, details="Somewhere to study and hang out that is not the kitchen.",
    )  # fmt: skip
    services.accept_agenda_item(item=taken, actor=wren)
    declined = services.add_agenda_item(
        meeting=gathering, actor=zoe, title="Buying a second minibus", outcome="decide", minutes=20
    )
    services.decline_agenda_item(
        item=declined, actor=wren,
        reason="Vehicles are Buildings & Energy's domain: raise it on their backlog.",
    )  # fmt: skip

    today = timezone.localdate()
    services_actions.add_action_item(
        circle=land, actor=kai, title="Book the chipper for the pruning days", owner=omar,
        due_on=today + dt.timedelta(days=3),
    )  # fmt: skip
    services_actions.add_action_item(
        circle=land, actor=kai, title="Ask the neighbouring farms about a seed swap", owner=lena,
        due_on=today + dt.timedelta(days=12),
    )  # fmt: skip
    done = services_actions.add_action_item(
        circle=community, actor=wren, title="Put the festival date on the notice board",
        owner=tara, due_on=today,
    )  # fmt: skip
    services_actions.close_action_item(action=done, actor=tara)
