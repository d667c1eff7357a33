"""A term ending goes on its circle's backlog 60 days before, and the secretary, the holder and
the circle hear of it then and again at 30 days (settings.TERM_NOTICE_DAYS), once each."""

import datetime as dt

from django.utils import timezone

from circlewise.core.models import LedgerEvent
from circlewise.decisions import services
from circlewise.decisions.models import BacklogItem
from circlewise.notifications.models import Notification

from .. import factories as f


def _term(world, days_left):
    today = timezone.localdate()
    return f.give_role(
        world.garden, "secretary", world.circle_member,
        term_start=today - dt.timedelta(days=300), term_end=today + dt.timedelta(days=days_left),
    )  # fmt: skip


def _told(django_capture_on_commit_callbacks, today):
    with django_capture_on_commit_callbacks(execute=True):
        return services.send_reminders(today=today)


def test_a_term_is_noticed_at_sixty_and_thirty_days_and_not_between(
    world, django_capture_on_commit_callbacks
):
    _term(world, days_left=70)
    today = timezone.localdate()
    assert _told(django_capture_on_commit_callbacks, today) == 0  # more than 60 days ahead
    assert not BacklogItem.objects.filter(source="term_ending").exists()
    at_60 = today + dt.timedelta(days=10)
    assert _told(django_capture_on_commit_callbacks, at_60) == 1
    assert _told(django_capture_on_commit_callbacks, at_60 + dt.timedelta(days=8)) == 0
    at_30 = today + dt.timedelta(days=40)
    assert _told(django_capture_on_commit_callbacks, at_30) == 1
    assert _told(django_capture_on_commit_callbacks, at_30 + dt.timedelta(days=1)) == 0
    item = BacklogItem.objects.get(source="term_ending")
    assert item.reminders_sent == 2
    # the holder and the circle were told
    event = LedgerEvent.objects.filter(verb="backlog.reminder").last()
    told = set(Notification.objects.filter(event=event).values_list("recipient_id", flat=True))
    assert world.circle_member.pk in told and world.facilitator.pk in told


def test_the_notice_days_are_a_setting(world, settings, django_capture_on_commit_callbacks):
    settings.TERM_NOTICE_DAYS = [90]
    _term(world, days_left=80)
    assert _told(django_capture_on_commit_callbacks, timezone.localdate()) == 1
