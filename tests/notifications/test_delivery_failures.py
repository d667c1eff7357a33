"""A change that committed stays saved, and says so, when its notifications cannot be delivered.

Notifications are delivered after the change's transaction commits. Here the database itself
refuses them (a trigger on the notifications table), with no mock: the person who made the change
is told it was saved, the failure is logged, and the delivery is queued for the task worker to try
again, which delivers once the database takes the rows.
"""

from __future__ import annotations

import logging

import pytest
from django.db import connection, transaction
from django.tasks import default_task_backend
from django.test import Client
from django.urls import reverse

from circlewise.circles.models import CircleMembership
from circlewise.core.models import LedgerEvent
from circlewise.notifications import services
from circlewise.notifications.models import Notification

TABLE = Notification._meta.db_table

postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="needs a real commit, so a transactional test: TRUNCATE-based flushing (PostgreSQL)",
)


def refuse_notifications() -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "CREATE FUNCTION cw_refuse_notifications() RETURNS trigger AS $$ "
                "BEGIN RAISE EXCEPTION 'notifications refused'; END $$ LANGUAGE plpgsql"
            )
            cursor.execute(
                f"CREATE TRIGGER cw_refuse_notifications BEFORE INSERT ON {TABLE} "
                "FOR EACH ROW EXECUTE FUNCTION cw_refuse_notifications()"
            )
        else:
            cursor.execute(
                f"CREATE TRIGGER cw_refuse_notifications BEFORE INSERT ON {TABLE} "
                "BEGIN SELECT RAISE(ABORT, 'notifications refused'); END"
            )


def accept_notifications() -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"DROP TRIGGER IF EXISTS cw_refuse_notifications ON {TABLE}")
            cursor.execute("DROP FUNCTION IF EXISTS cw_refuse_notifications()")
        else:
            cursor.execute("DROP TRIGGER IF EXISTS cw_refuse_notifications")


def _add_to_garden(client: Client, world, person) -> object:
    client.force_login(world.admin)
    return client.post(
        reverse("circles:member_add", args=["willow", "garden"]), {"user": person.pk}, follow=True
    )


def test_a_change_is_saved_and_said_so_when_its_notifications_fail(
    client, world, django_capture_on_commit_callbacks, caplog, settings
):
    # given the database refusing every notification, and the task worker's queue kept aside
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}
    refuse_notifications()
    before = Notification.objects.count()
    # when the admin adds someone to Garden, whose members are notified after the commit
    with (
        caplog.at_level(logging.ERROR, logger="circlewise.notifications"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        response = _add_to_garden(client, world, world.member)
    # then the change is saved, and the admin is told so
    assert response.status_code == 200
    assert f"{world.member.name} is now a member of Garden." in response.content.decode()
    assert CircleMembership.objects.current().filter(circle=world.garden, user=world.member)
    # and nobody was notified, the failure is logged and a retry is queued for the worker
    assert Notification.objects.count() == before
    event = LedgerEvent.objects.get(verb="circle.member_added", payload__user=world.member.pk)
    assert any(
        "Delivering the notifications of ledger event" in r.message and r.exc_info
        for r in caplog.records
    )
    (queued,) = default_task_backend.results
    assert queued.kwargs["event_id"] == event.pk
    assert queued.kwargs["attempt"] == 1
    assert queued.task.run_after is not None  # after a pause, not at once
    # and once the database takes notifications again, the retry delivers them
    accept_notifications()
    delivered = queued.task.call(*queued.args, **queued.kwargs)
    assert delivered >= 1
    assert Notification.objects.filter(recipient=world.member, event=event).exists()


def test_a_retry_that_fails_again_is_queued_again_until_the_retries_are_used_up(
    world, caplog, settings
):
    # given a delivery the database keeps refusing
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}
    refuse_notifications()
    event = LedgerEvent.objects.filter(organisation=world.org).order_by("-sequence").first()
    # when the worker runs each queued retry in turn
    services.retry_delivery(event_id=event.pk, recipient_ids=[world.member.pk], attempt=1)
    runs = 0
    while runs < len(default_task_backend.results):
        queued = default_task_backend.results[runs]
        runs += 1
        with pytest.raises(Exception, match="notifications refused"), transaction.atomic():
            queued.task.call(*queued.args, **queued.kwargs)
    # then it was tried once per pause, each later than the one before, and then given up, said
    attempts = [r.kwargs["attempt"] for r in default_task_backend.results]
    assert attempts == list(range(1, len(services.RETRY_DELAYS) + 1))
    waits = [r.task.run_after for r in default_task_backend.results]
    assert waits == sorted(waits)
    assert any("Gave up delivering" in r.message for r in caplog.records)
    assert not Notification.objects.filter(event=event).exists()


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_the_page_answers_that_the_change_was_saved_after_a_real_commit(world, settings):
    # given the database refusing every notification, and changes that really commit
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}
    refuse_notifications()
    try:
        # when the admin adds someone to Garden (delivery runs when the change commits, inside
        # the request)
        client = Client(raise_request_exception=False)
        response = _add_to_garden(client, world, world.member)
    finally:
        accept_notifications()
    # then the answer is the saved change, not an error page
    assert response.status_code == 200
    assert f"{world.member.name} is now a member of Garden." in response.content.decode()
    assert CircleMembership.objects.current().filter(circle=world.garden, user=world.member)
    assert len(default_task_backend.results) == 1
