from __future__ import annotations

import itertools

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction

from circlewise.core.ledger import verify_organisation
from circlewise.core.models import GENESIS_HASH, LedgerEvent

from .. import factories as f


def test_every_change_appends_a_chained_event(db):
    # given an organisation with a circle and a member
    org = f.make_org()
    circle = f.make_circle(org, "Kitchen")
    person = f.join(org)
    # when someone joins the circle
    f.add(circle, person)
    # then the events are numbered without gaps and each points at the one before
    events = list(LedgerEvent.objects.filter(organisation=org).order_by("sequence"))
    assert [e.sequence for e in events] == list(range(1, len(events) + 1))
    assert events[0].prev_hash == GENESIS_HASH
    for before, after in itertools.pairwise(events):
        assert after.prev_hash == before.hash
    assert events[-1].verb == "circle.member_added"
    assert events[-1].circle_id == circle.pk
    org.refresh_from_db()
    assert org.ledger_head == events[-1].hash
    assert verify_organisation(org).ok


def test_a_failed_change_leaves_no_event(db):
    org = f.make_org()
    before = org.ledger_sequence
    with pytest.raises(Exception), transaction.atomic():
        f.make_circle(org, "Kitchen")
        raise RuntimeError("the request failed after the write")
    org.refresh_from_db()
    assert org.ledger_sequence == before
    assert LedgerEvent.objects.filter(organisation=org).count() == before


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE core_ledgerevent SET verb = 'forged'",
        "DELETE FROM core_ledgerevent",
    ],
)
def test_the_database_refuses_to_change_the_ledger(db, statement):
    f.make_org()
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(statement)
    assert not LedgerEvent.objects.filter(verb="forged").exists()


def _drop_triggers_and_run(sql: str, params: list[object]) -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # As a superuser would: replica mode skips ordinary triggers for this transaction.
            cursor.execute("SET LOCAL session_replication_role = replica")
            cursor.execute(sql, params)
            cursor.execute("SET LOCAL session_replication_role = DEFAULT")
        else:
            cursor.execute("DROP TRIGGER core_ledger_no_update")
            cursor.execute("DROP TRIGGER core_ledger_no_delete")
            cursor.execute(sql, params)


def test_verify_command_names_the_first_tampered_event(db, capsys):
    # given two organisations with healthy chains
    healthy = f.make_org("Healthy", slug="healthy")
    org = f.make_org("Tampered", slug="tampered")
    for name in ("Kitchen", "Garden", "Finance"):
        f.make_circle(org, name)
    target = LedgerEvent.objects.get(organisation=org, sequence=3)
    call_command("verify_ledger")
    # when someone rewrites one event's payload behind the application's back
    _drop_triggers_and_run(
        "UPDATE core_ledgerevent SET payload = %s WHERE id = %s", ['{"name": "Forged"}', target.pk]
    )
    # then the command fails, naming the organisation and the sequence number
    with pytest.raises(CommandError) as excinfo:
        call_command("verify_ledger")
    assert excinfo.value.returncode == 1
    assert "Tampered at sequence 3" in str(excinfo.value)
    assert "Healthy" not in str(excinfo.value)
    assert verify_organisation(healthy).ok


def test_verify_detects_a_deleted_last_event(db):
    org = f.make_org("Tampered", slug="tampered")
    f.make_circle(org, "Kitchen")
    last = LedgerEvent.objects.filter(organisation=org).order_by("-sequence").first()
    assert last is not None
    _drop_triggers_and_run("DELETE FROM core_ledgerevent WHERE id = %s", [last.pk])
    org.refresh_from_db()
    report = verify_organisation(org)
    assert not report.ok
    assert report.broken_at == last.sequence
