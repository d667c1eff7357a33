"""Meetings for the demo organisation, planned through the meeting services: Land & Gardens meets
every other Tuesday evening, its next agenda built from its backlog with an item a member
proposed; Community Life meets once next week, with a member's item taken on and one declined,
and held a meeting two weeks before it (rounds, an action item, evaluation cards, approved
minutes: the history a circle has after a meeting). Both circles have action items, one done."""

from __future__ import annotations

import datetime as dt
import zoneinfo

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from circlewise.accounts.models import User
from circlewise.circles.models import Circle, Organisation
from circlewise.decisions.models import BacklogItem

from . import services, services_actions, services_evaluations, services_minutes
from . import services_room as room
from .models import Attendance, Evaluation, Meeting, Repeat, Round, Turn


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
    _held(community, held_at=gathering.starts_at - dt.timedelta(days=14))


# Each person's turns in the held meeting's rounds, in seconds: some speak longer than others.
TURN_SECONDS = (55, 40, 95, 25, 70, 30, 120, 45, 60, 35, 80, 20)


def _held(community: Circle, *, held_at: dt.datetime) -> Meeting:
    """A meeting Community Life held: held now through the services, then dated back to
    `held_at` (the services plan and open meetings only from now on)."""
    wren, zoe, tara, hugo, uma = (_p(n) for n in ("wren", "zoe", "tara", "hugo", "uma"))
    held = services.plan_meeting(
        circle=community, actor=wren, starts_at=timezone.now() + dt.timedelta(hours=1),
        time_zone="Europe/London", duration_minutes=60, place="The common house kitchen",
    )  # fmt: skip
    hours = services.add_agenda_item(
        meeting=held, actor=wren, title="The tool library's opening hours", outcome="explore",
        minutes=20, presenter=hugo,
    )  # fmt: skip
    room.open_room(meeting=held, actor=wren)
    for person in (zoe, tara, hugo, uma):
        room.join_room(meeting=held, user=person)
    prompts = (
        ("check_in", "check_in", "One word for how you arrive."),
        ("items", "reaction", "What do you think of Saturday mornings?"),
        ("evaluation", "evaluation", "What worked well, and what would you change?"),
    )
    for phase, kind, prompt in prompts:
        room.move_to(
            meeting=held, actor=wren, phase=phase, item=hours if phase == "items" else None
        )
        round_ = room.start_round(meeting=held, actor=wren, kind=kind, prompt=prompt)
        people = {p.pk: p for p in (wren, zoe, tara, hugo, uma)}
        for pk in round_.order:  # each completes their own turn, on their own device
            passes = kind == "reaction" and pk == uma.pk
            room.complete_turn(round_=round_, actor=people[pk], passed=passes)
        if phase == "items":
            services_actions.add_action_item(
                circle=community, actor=wren, title="Try Saturday morning opening for a month",
                owner=hugo, due_on=held_at.date() + dt.timedelta(days=21), meeting=held,
            )  # fmt: skip
    room.close_room(meeting=held, actor=wren)
    cards = (
        (wren, 5, "Everyone spoke in the check-in, even the quiet ones.", ""),
        (zoe, 4, "Hugo's numbers on the borrowing made it easy to talk about.",
         "Could we start on time? Ten minutes went on waiting."),
        (tara, 4, "", "The reaction round ran long; a time box would help."),
        (hugo, 3, "People came with ideas for the opening hours.",
         "I would have liked to hear from Elif and Viktor, who were away."),
        (uma, 4, "Passing was fine and nobody minded.", ""),
    )  # fmt: skip
    for person, rating, went_well, could_improve in cards:
        services_evaluations.evaluate(
            meeting=held, user=person,
            ratings={"heard": rating, "on_time": 3, "clear": 4, "respected": 5, "served_aim": rating},
            went_well=went_well, could_improve=could_improve,
        )  # fmt: skip
    services_minutes.approve_minutes(meeting=held, actor=wren)
    _date_back(held, held_at)
    return held


def _date_back(meeting: Meeting, start: dt.datetime) -> None:
    """Move a held meeting's times to `start`, its turns one after another as long as
    TURN_SECONDS says (its ledger keeps the times the services wrote)."""
    delta = start - meeting.starts_at
    Meeting.objects.filter(pk=meeting.pk).update(
        starts_at=F("starts_at") + delta, ends_at=F("ends_at") + delta,
        started_at=start, phase_started_at=start, closed_at=start + dt.timedelta(minutes=62),
    )  # fmt: skip
    Attendance.objects.filter(meeting=meeting).update(joined_at=start)
    Evaluation.objects.filter(meeting=meeting).update(created_at=start + dt.timedelta(minutes=63))
    at = start + dt.timedelta(minutes=1)
    for number, round_ in enumerate(Round.objects.filter(meeting=meeting).order_by("pk")):
        begun = at
        for index, turn in enumerate(Turn.objects.filter(round=round_).order_by("pk")):
            length = dt.timedelta(seconds=TURN_SECONDS[(index + 3 * number) % len(TURN_SECONDS)])
            Turn.objects.filter(pk=turn.pk).update(started_at=at, ended_at=at + length)
            at += length
        Round.objects.filter(pk=round_.pk).update(started_at=begun, ended_at=at)
        at += dt.timedelta(minutes=15)
