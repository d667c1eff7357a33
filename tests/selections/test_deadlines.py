"""A selection run between meetings keeps moving: reminded before a step ends, the nominations
revealed and the change round closed when their step ends, the facilitator asked otherwise."""

import datetime as dt

import crontask
import pytest
from django.utils import timezone

from circlewise.core.errors import ServiceError
from circlewise.core.models import LedgerEvent
from circlewise.notifications.models import Notification
from circlewise.selections import services
from circlewise.selections import tasks as selection_tasks
from circlewise.selections.models import Step
from circlewise.selections.services_deadlines import keep_selections_moving

from .helpers import nominating, revealed, started


def _later(hours):
    return timezone.now() + dt.timedelta(hours=hours)


def test_the_scheduler_runs_the_selections_every_few_minutes():
    jobs = [
        j
        for j in crontask.scheduler.get_jobs()
        if j.name == selection_tasks.keep_selections_moving.name
    ]
    assert len(jobs) == 1 and jobs[0].func == selection_tasks.keep_selections_moving.enqueue


def test_those_who_have_not_nominated_are_reminded_once(world, django_capture_on_commit_callbacks):
    selection = nominating(world)
    services.set_step_end(selection=selection, actor=world.facilitator, step_ends_at=_later(48))
    services.nominate(
        selection=selection, actor=world.member, nominee=world.facilitator, reason="Careful."
    )
    # a day and a half later, within the reminder's lead
    with django_capture_on_commit_callbacks(execute=True):
        assert keep_selections_moving(now=_later(30)) == (1, 0)
    assert keep_selections_moving(now=_later(31)) == (0, 0)
    event = LedgerEvent.objects.get(verb="selection.step_reminder")
    reminded = set(Notification.objects.filter(event=event).values_list("recipient_id", flat=True))
    assert reminded == {world.circle_member.pk, world.facilitator.pk}


def test_the_end_of_the_nomination_step_reveals_them(world):
    selection = nominating(world)
    services.set_step_end(selection=selection, actor=world.facilitator, step_ends_at=_later(2))
    services.nominate(
        selection=selection, actor=world.member, nominee=world.facilitator, reason="Careful."
    )
    assert keep_selections_moving(now=_later(3)) == (0, 1)
    selection.refresh_from_db()
    assert selection.is_revealed and selection.step == Step.CHANGE
    assert LedgerEvent.objects.get(verb="selection.revealed").payload["why"] == "step_ended"


def test_the_end_of_the_change_round_moves_on_to_the_proposal(world):
    selection = revealed(world)
    services.set_step_end(selection=selection, actor=world.facilitator, step_ends_at=_later(2))
    keep_selections_moving(now=_later(3))
    selection.refresh_from_db()
    assert selection.step == Step.PROPOSE


def test_a_passed_end_of_the_term_step_asks_the_facilitator_once(
    world, django_capture_on_commit_callbacks
):
    selection = started(world, step_ends_at=_later(2))
    with django_capture_on_commit_callbacks(execute=True):
        assert keep_selections_moving(now=_later(3)) == (0, 1)
    assert keep_selections_moving(now=_later(4)) == (0, 0)
    selection.refresh_from_db()
    assert selection.step == Step.PREPARE and selection.step_overdue_at is not None
    event = LedgerEvent.objects.get(verb="selection.step_overdue")
    assert list(
        Notification.objects.filter(event=event).values_list("recipient_id", flat=True)
    ) == [world.facilitator.pk]


def test_a_step_end_in_the_past_is_refused(world):
    selection = nominating(world)
    with pytest.raises(ServiceError) as refused:
        services.set_step_end(selection=selection, actor=world.facilitator, step_ends_at=_later(-1))
    assert refused.value.field == "step_ends_at"
    selection.refresh_from_db()
    assert selection.step_ends_at is None
