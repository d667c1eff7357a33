"""Planning a circle's meetings: who may, what a meeting says, repeating meetings in their own
time zone, changes and cancellation told to the members, and every refusal changing nothing."""

from __future__ import annotations

import datetime as dt
import itertools
import zoneinfo

import pytest
from django.urls import reverse
from django.utils import timezone

from circlewise.core.errors import ServiceError
from circlewise.core.models import LedgerEvent
from circlewise.meetings import recurrence, services
from circlewise.meetings.models import Meeting, Repeat, Series
from circlewise.notifications.models import Notification

from .. import factories as f

BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")


def _soon(days: int = 3, hour: int = 19) -> dt.datetime:
    day = timezone.localdate() + dt.timedelta(days=days)
    return dt.datetime.combine(day, dt.time(hour, 0), tzinfo=BERLIN)


def plan(world, **kwargs):
    kwargs.setdefault("starts_at", _soon())
    kwargs.setdefault("time_zone", "Europe/Berlin")
    return services.plan_meeting(circle=world.garden, actor=world.facilitator, **kwargs)


def test_the_facilitator_plans_a_meeting_and_the_members_are_told(
    world, django_capture_on_commit_callbacks
):
    # when Garden's facilitator plans a meeting, naming no one
    with django_capture_on_commit_callbacks(execute=True):
        meeting = plan(world, place="The barn", duration_minutes=60)
    # then it is Garden's, for an hour, facilitated by the circle's facilitator
    assert meeting.circle == world.garden and meeting.duration_minutes == 60
    assert meeting.facilitator == world.facilitator and meeting.secretary is None
    assert meeting.starts_at == _soon() and meeting.time_zone == "Europe/Berlin"
    event = LedgerEvent.objects.get(verb="meeting.planned", object_id=meeting.pk)
    assert event.circle_id == world.garden.pk
    # and every other current member of Garden hears of it (not she who planned it, not the
    # deactivated member)
    told = set(Notification.objects.filter(event=event).values_list("recipient_id", flat=True))
    assert told == {world.circle_member.pk}


@pytest.mark.parametrize("who", ["member", "circle_member", "outsider"])
def test_only_the_circles_planners_plan_its_meetings(world, who):
    # given someone who is neither Garden's leader, facilitator or secretary, nor an admin
    with pytest.raises(ServiceError) as refused:
        services.plan_meeting(circle=world.garden, actor=getattr(world, who), starts_at=_soon())
    # then nothing is planned, and they are told who may
    assert refused.value.status == 403 and "can plan its meetings" in refused.value.text
    assert not Meeting.objects.exists()


def test_the_circles_secretary_and_an_admin_plan_meetings(world):
    f.give_role(world.garden, "secretary", world.circle_member)
    assert services.plan_meeting(circle=world.garden, actor=world.circle_member, starts_at=_soon())
    assert services.plan_meeting(circle=world.garden, actor=world.admin, starts_at=_soon(4))
    assert Meeting.objects.filter(circle=world.garden).count() == 2


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        ({"starts_at": timezone.now() - dt.timedelta(hours=1)}, "starts_at", "still to come"),
        ({"starts_at": None}, "starts_at", "Say when"),
        ({"duration_minutes": 5}, "duration_minutes", "between 15 minutes and 8 hours"),
        ({"duration_minutes": 9 * 60}, "duration_minutes", "between 15 minutes and 8 hours"),
        ({"video_url": "javascript:alert(1)"}, "video_url", "https://"),
        ({"time_zone": "Mars/Olympus"}, "time_zone", "time zone"),
        ({"repeat": "yearly"}, "repeat", "how the meeting repeats"),
    ],
)
def test_a_meeting_that_cannot_be_is_refused_with_its_reason(world, change, field, words):
    with pytest.raises(ServiceError) as refused:
        plan(world, **change)
    assert refused.value.field == field and words in refused.value.text
    assert (
        not Meeting.objects.exists()
        and not LedgerEvent.objects.filter(verb__startswith="meeting.").exists()
    )


def test_a_facilitator_who_is_not_in_the_circle_is_refused(world):
    with pytest.raises(ServiceError) as refused:
        plan(world, facilitator=world.member)
    assert refused.value.field == "facilitator" and "not a member of Garden" in refused.value.text
    assert not Meeting.objects.exists()


def test_a_fortnightly_meeting_keeps_its_local_time_across_daylight_saving(world):
    # given a Tuesday at 19:00 in Berlin, some weeks before the clocks change
    first = dt.datetime(2027, 3, 9, 19, 0, tzinfo=BERLIN)
    now = first - dt.timedelta(days=2)
    starts = list(
        recurrence.occurrences(
            recurrence.rule_for(Repeat.FORTNIGHTLY, first.replace(tzinfo=None)),
            first, "Europe/Berlin", after=now, before=now + recurrence.HORIZON,
        )
    )  # fmt: skip
    # then every other Tuesday, always at 19:00 in Berlin: 18:00 UTC in winter, 17:00 in summer
    local = [s.astimezone(BERLIN) for s in starts]
    assert [d.date().isoformat() for d in local] == [
        "2027-03-09", "2027-03-23", "2027-04-06", "2027-04-20", "2027-05-04", "2027-05-18",
    ]  # fmt: skip
    assert {(d.hour, d.minute, d.weekday()) for d in local} == {(19, 0, 1)}
    assert [s.hour for s in starts[:3]] == [18, 18, 17]


def test_a_monthly_meeting_falls_on_the_same_weekday_of_the_month(world):
    first = dt.datetime(2027, 1, 12, 18, 30)  # the second Tuesday
    assert recurrence.rule_for(Repeat.MONTHLY, first) == "FREQ=MONTHLY;BYDAY=+2TU"
    assert recurrence.rule_for(Repeat.MONTHLY, dt.datetime(2027, 3, 30, 18, 30)) == (
        "FREQ=MONTHLY;BYDAY=-1TU"  # the fifth Tuesday is the last one
    )


def test_a_repeating_meeting_makes_its_meetings_weeks_ahead_and_is_topped_up(world):
    # given a weekly meeting of Garden, planned for the coming weeks
    meeting = plan(world, repeat=Repeat.WEEKLY)
    series = Series.objects.get()
    made = list(series.meetings.order_by("starts_at"))
    # then its meetings exist up to twelve weeks ahead, a week apart, each with its own row
    assert made[0] == meeting and len(made) in (12, 13)
    assert all(
        abs((b.starts_at - a.starts_at) - dt.timedelta(days=7)) <= dt.timedelta(hours=1)
        for a, b in itertools.pairwise(made)
    )  # a week apart (an hour more or less where the clocks change)
    assert LedgerEvent.objects.filter(verb="meeting.planned").count() == 1
    # when a fortnight passes and the daily task runs, twice
    later = timezone.now() + dt.timedelta(days=14)
    assert services.extend_series(now=later) == 2
    assert services.extend_series(now=later) == 0
    # then two more meetings, one event saying so, and no meeting twice
    assert series.meetings.count() == len(made) + 2
    assert LedgerEvent.objects.filter(verb="meeting.series_extended").count() == 1
    starts = list(series.meetings.values_list("starts_at", flat=True))
    assert len(starts) == len(set(starts))


def test_a_series_ends_on_its_last_day(world):
    until = (_soon() + dt.timedelta(days=15)).date()
    plan(world, repeat=Repeat.WEEKLY, until=until)
    assert Meeting.objects.count() == 3
    with pytest.raises(ServiceError) as refused:
        plan(world, repeat=Repeat.WEEKLY, until=_soon().date() - dt.timedelta(days=1))
    assert refused.value.field == "until"


def test_moving_a_meeting_tells_the_members_and_retitling_it_does_not(
    world, django_capture_on_commit_callbacks
):
    meeting = plan(world)
    with django_capture_on_commit_callbacks(execute=True):
        services.update_meeting(meeting=meeting, actor=world.facilitator, title="Harvest planning")
        services.update_meeting(meeting=meeting, actor=world.facilitator, starts_at=_soon(5))
    retitled, moved = LedgerEvent.objects.filter(verb="meeting.updated").order_by("sequence")
    assert (
        retitled.payload["changed"] == ["title"]
        and not Notification.objects.filter(event=retitled).exists()
    )
    assert (
        moved.payload["changed"] == ["starts_at"]
        and Notification.objects.filter(event=moved).count() == 1
    )
    meeting.refresh_from_db()
    assert meeting.revision == 2 and meeting.starts_at == _soon(5)
    assert meeting.ends_at == _soon(5) + dt.timedelta(minutes=90)


def test_a_cancelled_meeting_says_why_and_takes_no_more_changes(world):
    meeting = plan(world)
    with pytest.raises(ServiceError) as refused:
        services.cancel_meeting(meeting=meeting, actor=world.facilitator, reason="  ")
    assert refused.value.field == "reason"
    services.cancel_meeting(meeting=meeting, actor=world.facilitator, reason="Storm warning.")
    meeting.refresh_from_db()
    assert meeting.is_cancelled and meeting.cancel_reason == "Storm warning."
    with pytest.raises(ServiceError) as again:
        services.update_meeting(meeting=meeting, actor=world.facilitator, title="Back on")
    assert again.value.status == 409


def test_the_meeting_pages_plan_show_and_export_a_meeting(client, world):
    # given Garden's facilitator, in Berlin, planning through the page
    world.facilitator.timezone = "Europe/Berlin"
    world.facilitator.save(update_fields=["timezone"])
    client.force_login(world.facilitator)
    new = reverse("meetings:meeting_new", args=["willow", "garden"])
    start = _soon()
    answer = client.post(new, {
        "title": "", "starts_at": start.strftime("%Y-%m-%dT%H:%M"), "time_zone": "Europe/Berlin",
        "duration_minutes": "75", "place": "The barn", "video_url": "https://meet.example/garden",
        "facilitator": "", "secretary": "", "repeat": "never", "until": "",
    })  # fmt: skip
    meeting = Meeting.objects.get()
    assert answer.status_code == 302 and answer["Location"] == reverse(
        "meetings:meeting_detail", args=["willow", meeting.pk]
    )
    assert meeting.starts_at == start and meeting.duration_minutes == 75
    # then its page says when (in her zone), where, and who facilitates
    page = client.get(answer["Location"]).content.decode()
    assert "<h1><bdi>Meeting of Garden</bdi></h1>" in page
    assert start.strftime("%H:%M") in page and "The barn" in page and "Fay Facilitator" in page
    # and its .ics holds the same, in her zone
    ics = client.get(reverse("meetings:meeting_ics", args=["willow", meeting.pk]))
    body = ics.content.decode()
    assert ics["Content-Type"].startswith("text/calendar")
    assert "SUMMARY:Meeting of Garden" in body and "TZID=Europe/Berlin" in body
    assert f"DTSTART;TZID=Europe/Berlin:{start.strftime('%Y%m%dT%H%M%S')}" in body
    assert "LOCATION:The barn · https://meet.example/garden" in body
    # and the circle's meetings list it
    listed = client.get(reverse("meetings:circle_meetings", args=["willow", "garden"]))
    assert (
        reverse("meetings:meeting_detail", args=["willow", meeting.pk]) in listed.content.decode()
    )


def test_a_refused_plan_on_the_page_says_why_and_plans_nothing(client, world):
    client.force_login(world.facilitator)
    new = reverse("meetings:meeting_new", args=["willow", "garden"])
    answer = client.post(
        new, {"starts_at": "", "time_zone": "UTC", "duration_minutes": "5", "repeat": "never"}
    )
    page = answer.content.decode()
    assert answer.status_code == 400
    assert (
        "Say when the meeting starts." in page
        and "Ensure this value is greater than or equal to 15." in page
    )
    assert not Meeting.objects.exists()


def test_a_private_circles_meetings_are_missing_to_everyone_outside_it(client, world):
    # Care's planner: its member Cy, made its secretary
    f.give_role(world.care, "secretary", world.circle_member)
    meeting = services.plan_meeting(circle=world.care, actor=world.circle_member, starts_at=_soon())
    for who in ("admin", "member", "facilitator", "outsider"):
        client.force_login(getattr(world, who))
        assert (
            client.get(reverse("meetings:meeting_detail", args=["willow", meeting.pk])).status_code
            == 404
        )
        assert (
            client.get(reverse("meetings:circle_meetings", args=["willow", "care"])).status_code
            == 404
        )
        assert (
            client.get(reverse("meetings:meeting_ics", args=["willow", meeting.pk])).status_code
            == 404
        )
    client.force_login(world.circle_member)
    assert (
        client.get(reverse("meetings:meeting_detail", args=["willow", meeting.pk])).status_code
        == 200
    )


def test_the_calendar_feed_holds_the_meetings_of_ones_circles_in_ones_zone(world):
    from django.test import Client
    from icalendar import Calendar

    from circlewise.accounts import services as accounts
    from circlewise.accounts.calendar import token_for

    # given a meeting of Garden, one of Care (private), and Cy, in both, reading in New York
    f.give_role(world.care, "secretary", world.circle_member)
    garden = plan(world, title="Harvest planning")
    services.plan_meeting(
        circle=world.care, actor=world.circle_member, title="Care rota", starts_at=_soon(4)
    )
    world.circle_member.timezone = "America/New_York"
    world.circle_member.save(update_fields=["timezone"])

    def summaries(user):
        feed = accounts.renew_calendar_feed(user=user)
        body = Client().get(reverse("calendar_feed", args=[token_for(feed)])).content
        return {str(e["summary"]): e for e in Calendar.from_ical(body).walk("VEVENT")}

    # then her feed holds both, from start to end, in her zone
    mine = summaries(world.circle_member)
    event = mine["Harvest planning"]
    assert (
        event["dtstart"].dt == garden.starts_at
        and str(event["dtstart"].dt.tzinfo) == "America/New_York"
    )
    assert event["dtend"].dt == garden.ends_at and "Care rota" in mine
    # and Fay's (Garden only) holds Garden's alone; once cancelled it says so
    services.cancel_meeting(meeting=garden, actor=world.facilitator, reason="Rain.")
    theirs = summaries(world.facilitator)
    assert "Harvest planning" in theirs and "Care rota" not in theirs
    assert (
        str(theirs["Harvest planning"]["status"]) == "CANCELLED"
        and int(theirs["Harvest planning"]["sequence"]) == 1
    )


def test_a_member_is_emailed_at_once_when_a_meeting_is_planned(
    world, smtp, django_capture_on_commit_callbacks
):
    # when Fay plans a meeting of Garden (nobody has chosen how they hear of meetings)
    with django_capture_on_commit_callbacks(execute=True):
        meeting = plan(world, place="The barn")
    # then Cy, in Garden, has an email at once that says what, when, and leads to it
    sent = smtp.to(world.circle_member.email)
    assert len(sent) == 1
    body = sent[0].part("text/plain")
    assert "Fay Facilitator planned a meeting of Garden on" in body
    assert (
        "https://willow.example.org"
        + reverse("meetings:meeting_detail", args=["willow", meeting.pk])
        in body
    )
    assert smtp.to(world.member.email) == []  # not in Garden


def test_the_agenda_goes_to_the_members_the_day_before_once(
    world, smtp, django_capture_on_commit_callbacks
):
    import datetime as dt

    from django.utils import timezone

    from circlewise.core.models import LedgerEvent
    from circlewise.meetings import services, services_reminders
    from circlewise.meetings.models import Meeting

    start = timezone.now() + dt.timedelta(days=3)
    meeting = services.plan_meeting(circle=world.garden, actor=world.facilitator, starts_at=start)
    services.add_agenda_item(
        meeting=meeting, actor=world.facilitator, title="Mend the fence", outcome="decide",
        minutes=15, details="The north side, before the goats find it.",
    )  # fmt: skip
    later = services.plan_meeting(
        circle=world.garden, actor=world.facilitator, starts_at=start + dt.timedelta(days=2)
    )
    # two days before: nothing yet
    assert services_reminders.send_agendas(now=start - dt.timedelta(days=2)) == 0
    # the day before: the agenda goes out once, to the circle's members
    the_day_before = start - dt.timedelta(hours=20)
    with django_capture_on_commit_callbacks(execute=True):
        assert services_reminders.send_agendas(now=the_day_before) == 1
    assert services_reminders.send_agendas(now=the_day_before) == 0
    assert Meeting.objects.get(pk=later.pk).agenda_sent_at is None
    event = LedgerEvent.objects.get(verb="meeting.agenda_sent")
    assert event.object_id == meeting.pk and event.actor_id is None
    mails = [m for m in smtp.to(world.circle_member.email) if "agenda" in m.message["Subject"]]
    assert len(mails) == 1
    assert "Garden meets on" in mails[0].message["Subject"]
    assert "**Mend the fence** (Decide, 15 min)" in mails[0].part("text/plain")
    assert "<strong>Mend the fence</strong>" in mails[0].part("text/html")
    assert "The north side, before the goats find it." in mails[0].part("text/plain")
