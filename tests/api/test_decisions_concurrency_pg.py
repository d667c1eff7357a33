"""Concurrent consent answers through the API, as `make bench` sends them: 32 clients at once.

PostgreSQL only: SQLite serialises writers by design, and its test database cannot be flushed past
the ledger's triggers (see tests/decisions/test_concurrency_pg.py)."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable

import pytest
from django.db import connection, connections
from django.test import Client

from circlewise.core.ledger import verify_organisation
from circlewise.core.models import LedgerEvent
from circlewise.decisions import services
from circlewise.decisions.models import ConsentResponse, Decision, Proposal

from .. import factories as f
from .conftest import API, token_for

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="PostgreSQL only: real concurrent writers"
    ),
]

CLIENTS = 32


def _race(jobs: list[Callable[[], tuple[int, dict]]]) -> list[tuple[int, dict]]:
    """Every job at the same moment, each in its own thread, client and database connection."""
    barrier = threading.Barrier(len(jobs))
    results: list[tuple[int, dict]] = [(0, {})] * len(jobs)

    def run(i: int, job: Callable[[], tuple[int, dict]]) -> None:
        barrier.wait()
        try:
            results[i] = job()
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, job)) for i, job in enumerate(jobs)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def _answer(round_id: int, raw: str, body: dict) -> Callable[[], tuple[int, dict]]:
    def job() -> tuple[int, dict]:
        response = Client().post(
            f"{API}/rounds/{round_id}/answers",
            json.dumps(body),
            content_type="application/json",
            headers={"Authorization": f"Bearer {raw}"},
        )
        return response.status_code, json.loads(response.content)

    return job


def _orchard(world, size: int):
    """A circle of `size` members, the first its facilitator, with a round open on a proposal."""
    circle = f.make_circle(world.org, "Orchard", parent=world.general)
    people = [f.join(world.org, name=f"Picker {i:02d}") for i in range(size)]
    f.add(circle, *people)
    f.give_role(circle, "facilitator", people[0])
    proposal = services.create_proposal(
        circle=circle, author=people[1], title="Harvest rota", driver="Fruit rots.", text="Pairs."
    )
    services.present(proposal=proposal, actor=people[1])
    return people, services.open_consent_round(proposal=proposal, actor=people[0])


def test_32_clients_answer_at_once_and_every_answer_counts_once(world):
    # given a round in a circle of 32, and a token for each member
    people, round_ = _orchard(world, CLIENTS)
    tokens = [token_for(person) for person in people]
    # when all 32 answer consent at the same moment
    results = _race([_answer(round_.pk, raw, {"answer": "consent"}) for raw in tokens])
    # then every answer is recorded once, and the last one decided the proposal, once
    assert [status for status, _ in results] == [201] * CLIENTS, results
    assert ConsentResponse.objects.filter(round=round_).count() == CLIENTS
    events = LedgerEvent.objects.filter(verb="consent.answered", payload__round=round_.pk)
    assert events.count() == CLIENTS
    assert Proposal.objects.get(pk=round_.proposal_id).state == Proposal.State.DECIDED
    assert Decision.objects.filter(proposal_id=round_.proposal_id).count() == 1
    assert sum(1 for _, body in results if body["proposal_state"] == "decided") >= 1
    decision = Decision.objects.get(proposal_id=round_.proposal_id)
    assert len(decision.record["answers"]) == CLIENTS
    assert verify_organisation(world.org).ok


def test_one_member_answering_from_32_clients_is_counted_once(world):
    # given a round, and one member with a token
    people, round_ = _orchard(world, 4)
    raw = token_for(people[2])
    # when the same answer is sent 32 times at once
    results = _race([_answer(round_.pk, raw, {"answer": "consent"})] * CLIENTS)
    # then one is recorded; every other is a 409 that says so
    statuses = sorted(status for status, _ in results)
    assert statuses == [201] + [409] * (CLIENTS - 1)
    assert all("already answered" in body["detail"] for status, body in results if status == 409)
    assert ConsentResponse.objects.filter(round=round_, user=people[2]).count() == 1
    assert (
        LedgerEvent.objects.filter(
            verb="consent.answered", payload__round=round_.pk, payload__user=people[2].pk
        ).count()
        == 1
    )
    assert verify_organisation(world.org).ok
