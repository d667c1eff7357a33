"""The day before a review meets, everyone taking part is reminded once, on the day before in
their own time zone, in the app and by email, after the reminder is saved; the scheduler runs it
with the other hourly reminders."""

from __future__ import annotations

import datetime as dt

import crontask
from django.utils import timezone

from circlewise.core.models import LedgerEvent
from circlewise.notifications.models import Kind, Notification
from circlewise.reviews import services, tasks
from circlewise.reviews.models import DateReminder
from circlewise.reviews.services_reminders import remind_of_dates
from tests.notifications.conftest import Inbox

from .helpers import fay_term

ROLE = "Facilitator of Garden"


def _review_on(world, meets_on: dt.date):
    """Fay's review meeting on `meets_on`, Cy reviewing, Ada facilitating; Fay in Auckland, Cy in
    Los Angeles, Ada in UTC."""
    fay, cy = world.facilitator, world.circle_member
    for person, zone in ((fay, "Pacific/Auckland"), (cy, "America/Los_Angeles")):
        person.timezone = zone
        person.save(update_fields=["timezone"])
    review = services.start_review(
        assignment=fay_term(world), actor=fay, facilitator=world.admin, meets_on=meets_on
    )
    services.add_reviewer(review=review, person=cy, actor=fay)
    return review


def _at(day: dt.date, hour: int) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=dt.UTC)


def _reminded(review) -> set[int]:
    return set(DateReminder.objects.filter(review=review).values_list("person_id", flat=True))


def test_each_person_is_reminded_once_on_the_day_before_where_they_are(world):
    # given Fay's review meeting in five days
    meets_on = timezone.localdate() + dt.timedelta(days=5)
    review = _review_on(world, meets_on)
    fay, ada, cy = world.facilitator, world.admin, world.circle_member
    before = meets_on - dt.timedelta(days=1)
    # when the reminders run two days before, nobody is reminded
    assert remind_of_dates(now=_at(before - dt.timedelta(days=1), 9)) == 0
    # when they run at 09:00 UTC the day before: Ada's morning, Fay's evening, Cy's night
    assert remind_of_dates(now=_at(before, 9)) == 2
    assert _reminded(review) == {ada.pk, fay.pk}
    # and again in the same hour: nobody twice
    assert remind_of_dates(now=_at(before, 9)) == 0
    # when they run at 17:00 UTC, Cy's morning in Los Angeles, she is reminded too
    assert remind_of_dates(now=_at(before, 17)) == 1
    assert _reminded(review) == {ada.pk, fay.pk, cy.pk}
    # and on the day itself nobody is reminded again
    assert remind_of_dates(now=_at(meets_on, 10)) == 0
    events = LedgerEvent.objects.filter(verb="review.date_reminder", object_id=review.pk)
    assert events.count() == 2
    assert all(e.actor_id is None and set(e.payload) >= {"review", "meets_on"} for e in events)


def test_a_review_without_a_date_or_completed_reminds_nobody(world):
    # given a review without a date
    services.start_review(
        assignment=fay_term(world), actor=world.facilitator, facilitator=world.admin
    )
    # when the reminders run on any day, nobody is reminded
    today = timezone.localdate()
    assert [remind_of_dates(now=_at(today + dt.timedelta(days=d), 12)) for d in range(3)] == [0] * 3
    assert not DateReminder.objects.exists()


def test_the_reminder_reaches_them_after_commit_in_words_said_to_each(
    world, smtp: Inbox, django_capture_on_commit_callbacks
):
    # given Fay's review meeting in five days
    meets_on = timezone.localdate() + dt.timedelta(days=5)
    review = _review_on(world, meets_on)
    fay, ada, cy = world.facilitator, world.admin, world.circle_member
    before = meets_on - dt.timedelta(days=1)
    # when the reminders run at 09:00 UTC the day before (Ada's morning, Fay's evening)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        remind_of_dates(now=_at(before, 9))
    # then nothing is told before the commit
    assert callbacks and not Notification.objects.filter(event__verb="review.date_reminder")
    assert smtp.received == []
    # and once committed, each is told in words said to them, by email at once
    with django_capture_on_commit_callbacks(execute=True):  # and what they queue in turn
        for callback in callbacks:
            callback()
    date = f"{meets_on.day} {meets_on:%b %Y}"
    subjects = {
        p.email: [" ".join(str(r.message["Subject"]).split()) for r in smtp.to(p.email)]
        for p in (fay, ada, cy)
    }
    assert subjects[fay.email] == [f"Reminder: your review as {ROLE} meets on {date}"]
    assert subjects[ada.email] == [f"Reminder: Fay Facilitator's review as {ROLE} meets on {date}"]
    assert subjects[cy.email] == []  # still night in Los Angeles
    assert all(r.message["X-Circlewise-Kind"] == Kind.REVIEW_STEP for r in smtp.received)
    assert f"/o/willow/reviews/{review.pk}/" in smtp.to(fay.email)[0].part("text/plain")


def test_the_scheduler_runs_the_reminders_hourly(settings):
    # given the scheduler's jobs, as `manage.py crontask` loads them
    jobs = [j for j in crontask.scheduler.get_jobs() if j.name == tasks.remind_of_review_dates.name]
    # then the review dates are reminded on the hourly reminders' schedule
    assert len(jobs) == 1
    start = dt.datetime(2030, 1, 1, 0, 0, tzinfo=dt.UTC)
    fired = jobs[0].trigger.get_next_fire_time(None, start)
    assert (fired.minute, fired.hour) == (7, 0)
    assert settings.REMINDERS_SCHEDULE == "7 * * * *"
