"""Races on PostgreSQL, outside a wrapping transaction: answers and closing, from many threads.

SQLite serialises writers by design (IMMEDIATE transactions), and its test database cannot be
flushed past the ledger's triggers, so these run on PostgreSQL only (CI runs them)."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from django.db import connection, connections

from circlewise.core.errors import ServiceError
from circlewise.core.ledger import verify_organisation
from circlewise.core.models import LedgerEvent
from circlewise.decisions import services
from circlewise.decisions.models import ConsentResponse, ConsentRound

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="PostgreSQL only: real concurrent writers"
    ),
]


def _race(jobs: list[Callable[[], object]]) -> list[object]:
    """Run every job at the same moment, each in its own thread and database connection."""
    barrier = threading.Barrier(len(jobs))
    results: list[object] = [None] * len(jobs)

    def run(i: int, job: Callable[[], object]) -> None:
        barrier.wait()
        try:
            results[i] = job()
        except Exception as exc:  # the outcome is what the test inspects
            results[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, job)) for i, job in enumerate(jobs)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def _round(kitchen):
    k = kitchen
    proposal = services.create_proposal(
        circle=k.circle, author=k.author, title="T", driver="D", text="X"
    )
    services.present(proposal=proposal, actor=k.author)
    return services.open_consent_round(proposal=proposal, actor=k.facilitator)


def test_fifty_concurrent_answers_from_one_member_leave_exactly_one(kitchen):
    round_ = _round(kitchen)
    member = kitchen.others[0]
    results = _race([lambda: services.respond(round_=round_, user=member, answer="consent")] * 50)
    answers = ConsentResponse.objects.filter(round=round_, user=member)
    assert answers.count() == 1
    refused = [r for r in results if isinstance(r, ServiceError)]
    assert len(refused) == 49
    assert all("already answered" in r.text for r in refused)
    assert not [r for r in results if isinstance(r, Exception) and not isinstance(r, ServiceError)]
    assert (
        LedgerEvent.objects.filter(verb="consent.answered", payload__round=round_.pk).count() == 1
    )
    assert verify_organisation(round_.proposal.circle.organisation).ok


def test_answers_racing_the_close_are_counted_or_refused_never_half_applied(kitchen, world):
    from circlewise.decisions.models import CircleDecisionSettings, Proposal

    k = kitchen
    # a quorum of one: the close may come straight after the first answer
    CircleDecisionSettings.objects.create(
        circle=k.circle, absentee_policy="lazy", quorum_percent=20
    )
    proposal = services.create_proposal(
        circle=k.circle, author=k.author, title="T", driver="D", text="X"
    )
    services.present(proposal=proposal, actor=k.author, mode=Proposal.Mode.LIVE)
    round_ = services.open_consent_round(proposal=proposal, actor=k.facilitator)
    services.respond(round_=round_, user=k.facilitator, answer="consent")
    jobs: list[Callable[[], object]] = [
        lambda p=p: services.respond(round_=round_, user=p, answer="consent")
        for p in [k.author, *k.others]
    ]
    jobs.append(
        lambda: services.close_round(round_=round_, actor=k.facilitator, reason="Time is up.")
    )
    results = _race(jobs)
    round_.refresh_from_db()
    assert round_.outcome == ConsentRound.Outcome.CONSENTED
    for person, result in zip([k.author, *k.others], results, strict=False):
        response = ConsentResponse.objects.filter(round=round_, user=person).first()
        event = LedgerEvent.objects.filter(
            verb="consent.answered", payload__round=round_.pk, payload__user=person.pk
        )
        if isinstance(result, ServiceError):
            # refused with a clear message, and nothing of it was kept
            assert "closed" in result.text or "already" in result.text
            assert response is None or response.after_round_closed
        else:
            assert isinstance(result, ConsentResponse)
            assert response is not None and event.count() == 1
    decision_record = round_.proposal.decision.record
    counted = {a["user"] for a in decision_record["answers"]}
    on_time = set(
        ConsentResponse.objects.filter(round=round_, after_round_closed=False).values_list(
            "user_id", flat=True
        )
    )
    assert counted == on_time
    assert verify_organisation(world.org).ok


def test_concurrent_ledger_appends_keep_one_gapless_chain(kitchen, world):
    k = kitchen
    proposal = services.create_proposal(
        circle=k.circle, author=k.author, title="T", driver="D", text="X"
    )
    services.present(proposal=proposal, actor=k.author)
    jobs = [
        lambda p=p: services.ask_question(proposal=proposal, member=p, text=f"Question {i}")
        for i, p in enumerate(k.everyone * 4)
    ]
    results = _race(jobs)
    assert not [r for r in results if isinstance(r, Exception)]
    sequences = list(
        LedgerEvent.objects.filter(organisation=world.org)
        .order_by("sequence")
        .values_list("sequence", flat=True)
    )
    assert sequences == list(range(1, len(sequences) + 1))
    assert verify_organisation(world.org).ok
