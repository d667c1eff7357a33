"""The ledger as the database keeps it: append-only on every backend, gap-free under concurrency.

The triggers run on SQLite and on PostgreSQL, so the refusal tests run on both. The concurrency
test needs real concurrent connections and a transactional test case, which only PostgreSQL
supports here: Django flushes a transactional test's database with DELETE on SQLite, and the
ledger's triggers refuse that (see docs/architecture.md).
"""

from __future__ import annotations

import threading

import pytest
from django.db import DatabaseError, connection, connections, transaction

from circlewise.circles import services
from circlewise.circles.models import Organisation
from circlewise.core.ledger import verify_organisation
from circlewise.core.models import LedgerEvent

from .. import factories as f

postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="needs concurrent connections and TRUNCATE-based flushing (PostgreSQL)",
)


def test_updating_one_event_through_the_orm_is_refused(db):
    # given an organisation with a few events
    org = f.make_org()
    f.make_circle(org, "Kitchen")
    event = LedgerEvent.objects.get(organisation=org, sequence=1)
    original_hash = event.hash
    # when someone saves a changed event
    event.verb = "organisation.forged"
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        event.save()
    # then the row is unchanged and the chain still verifies
    event.refresh_from_db()
    assert event.verb == "organisation.created"
    assert event.hash == original_hash
    org.refresh_from_db()
    assert verify_organisation(org).ok


def test_bulk_updating_events_is_refused(db):
    # given an organisation with a few events
    org = f.make_org()
    f.make_circle(org, "Kitchen")
    # when someone rewrites every payload at once
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        LedgerEvent.objects.filter(organisation=org).update(payload={})
    # then no payload changed
    assert not LedgerEvent.objects.filter(organisation=org, payload={}).exists()


def test_deleting_an_event_is_refused(db):
    # given an organisation whose last event records a new circle
    org = f.make_org()
    f.make_circle(org, "Kitchen")
    last = LedgerEvent.objects.filter(organisation=org).newest_first().first()
    assert last is not None
    count = LedgerEvent.objects.filter(organisation=org).count()
    # when someone deletes it through the ORM
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        last.delete()
    # then every event is still there and the chain verifies
    assert LedgerEvent.objects.filter(organisation=org).count() == count
    org.refresh_from_db()
    assert verify_organisation(org).ok


def test_a_refused_change_rolls_back_the_rest_of_its_transaction(db):
    # given an organisation
    org = f.make_org("Willow Ecovillage")
    # when one transaction renames it and then tries to rewrite its history
    with pytest.raises(DatabaseError), transaction.atomic():
        Organisation.objects.filter(pk=org.pk).update(name="Renamed")
        LedgerEvent.objects.filter(organisation=org).update(verb="forged")
    # then the rename did not stick either
    org.refresh_from_db()
    assert org.name == "Willow Ecovillage"


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_concurrent_appends_to_one_organisation_leave_a_gap_free_chain():
    # given an organisation and people waiting to join it, each from their own connection
    org = f.make_org("Busy Co-op")
    people = [f.make_user() for _ in range(12)]
    before = Organisation.objects.get(pk=org.pk).ledger_sequence
    start = threading.Barrier(len(people))
    errors: list[BaseException] = []

    def join(person_index: int) -> None:
        try:
            organisation = Organisation.objects.get(pk=org.pk)
            admin = f.admin_of(organisation)
            start.wait(timeout=30)
            services.add_org_member(
                organisation=organisation, user=people[person_index], actor=admin
            )
            if person_index % 2 == 0:
                services.create_circle(
                    organisation=organisation,
                    actor=admin,
                    name=f"Circle {person_index}",
                    aim="Works alongside the others.",
                )
        except BaseException as error:
            errors.append(error)
        finally:
            connections.close_all()

    # when they all append at the same moment
    threads = [threading.Thread(target=join, args=(i,)) for i in range(len(people))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    # then every append succeeded, numbered without gaps or duplicates, and the chain verifies
    assert not errors, errors
    assert not any(thread.is_alive() for thread in threads)
    org.refresh_from_db()
    sequences = list(
        LedgerEvent.objects.filter(organisation=org)
        .order_by("sequence")
        .values_list("sequence", flat=True)
    )
    assert sequences == list(range(1, len(sequences) + 1))
    joined = LedgerEvent.objects.filter(organisation=org, verb="organisation.member_joined")
    assert joined.filter(sequence__gt=before).count() == len(people)
    assert org.ledger_sequence == len(sequences)
    report = verify_organisation(org)
    assert report.ok, report.reason
