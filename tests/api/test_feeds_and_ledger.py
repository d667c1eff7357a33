"""Feeds and the ledger through the API."""

from __future__ import annotations

from django.db import connection

from circlewise.core.models import LedgerEvent

from .. import factories as f


def test_organisation_feed_hides_private_circles_from_non_members(world, api):
    # given events in the private Care circle
    care_events = LedgerEvent.objects.filter(circle=world.care).count()
    assert care_events > 0
    # when Mo (not in Care) and Cy (in Care) read Willow's feed
    mo = api.get("/organisations/willow/feed", as_=world.member, scope="read", page_size=200).body
    cy = api.get(
        "/organisations/willow/feed", as_=world.circle_member, scope="read", page_size=200
    ).body
    # then only Cy sees Care's events, and each event has its sentence
    assert world.care.pk not in {e["circle_id"] for e in mo["items"]}
    assert sum(e["circle_id"] == world.care.pk for e in cy["items"]) == care_events
    assert cy["count"] - mo["count"] == care_events
    assert "Care" not in " ".join(e["sentence"] for e in mo["items"])


def test_organisation_feed_is_newest_first_with_sentences(world, api):
    # given a new circle
    f.make_circle(world.org, "Kitchen", parent=world.general)
    # when the feed is read
    answer = api.get("/organisations/willow/feed", as_=world.member, page_size=1)
    # then the newest event comes first, said in a sentence
    assert answer.status == 200
    event = answer.body["items"][0]
    assert event["verb"] == "circle.created"
    assert event["sentence"] == "Ada Admin formed the circle Kitchen inside General."
    assert event["url"] == "/o/willow/c/kitchen/"
    assert event["actor"]["name"] == "Ada Admin"
    assert (
        answer.body["count"]
        == LedgerEvent.objects.filter(organisation=world.org).exclude(circle=world.care).count()
    )


def test_circle_feed_holds_only_that_circles_events(world, api):
    # given Garden's events
    # when a member reads Garden's feed
    answer = api.get(f"/circles/{world.garden.pk}/feed", as_=world.member, scope="read")
    # then every event is Garden's
    assert answer.status == 200
    assert answer.body["count"] == LedgerEvent.objects.filter(circle=world.garden).count()
    assert {e["circle_id"] for e in answer.body["items"]} == {world.garden.pk}


def test_admin_reads_the_ledger_head(world, api):
    # given Willow's chain
    world.org.refresh_from_db()
    # when an admin reads its head
    answer = api.get("/organisations/willow/ledger", as_=world.admin, scope="read")
    # then the sequence and head hash are the organisation's
    assert answer.status == 200
    assert answer.body == {
        "organisation": "willow",
        "sequence": world.org.ledger_sequence,
        "head": world.org.ledger_head,
    }


def test_admin_verifies_an_intact_ledger(world, api):
    # given Willow's chain, untouched
    # when an admin verifies it
    answer = api.post("/organisations/willow/ledger/verify", as_=world.admin)
    # then it holds
    assert answer.status == 200
    assert answer.body["ok"] is True
    assert answer.body["broken_at"] is None
    assert answer.body["events"] == LedgerEvent.objects.filter(organisation=world.org).count()


def test_verification_finds_a_tampered_event(world, api):
    # given an event whose payload was changed behind the ledger's back (the database refuses
    # UPDATE on the table, so the trigger is dropped for this test's transaction only)
    event = LedgerEvent.objects.filter(organisation=world.org).order_by("sequence")[2]
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("DROP TRIGGER core_ledger_no_update")
        else:
            # As a superuser would: replica mode skips ordinary triggers for this transaction.
            cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute(
            "UPDATE core_ledgerevent SET payload = %s WHERE id = %s",
            ['{"name": "Forged"}', event.pk],
        )
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL session_replication_role = DEFAULT")
    # when an admin verifies the chain
    answer = api.post("/organisations/willow/ledger/verify", as_=world.admin)
    # then the first broken event is named
    assert answer.body["ok"] is False
    assert answer.body["broken_at"] == event.sequence
    assert answer.body["reason"]
