"""Appending to and verifying the ledger.

Every service that changes state calls `append` inside its own transaction, so the change and its
event commit or roll back together. Notifications are delivered after commit.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from django.db import models, transaction

from .models import GENESIS_HASH, LedgerEvent, compute_event_hash
from .perf.prepared import Prepared

if TYPE_CHECKING:
    from circlewise.accounts.models import User
    from circlewise.circles.models import Circle, Organisation


@functools.cache
def _locked_head() -> Prepared[Organisation]:
    from circlewise.circles.models import Organisation

    return Prepared(
        Organisation, lambda pk: Organisation.objects.select_for_update().filter(pk=pk), 1
    )


def append(
    *,
    organisation: Organisation,
    actor: User | None,
    verb: str,
    obj: models.Model | None = None,
    circle: Circle | None = None,
    payload: dict[str, Any] | None = None,
    notify: Iterable[int] = (),
    occurred_at: datetime | None = None,
    touches: Iterable[Circle] = (),
) -> LedgerEvent:
    """Append one event to the organisation's chain. Must run inside a transaction.

    `occurred_at` (now, by default) lets a service give the event the time it also wrote on the
    object itself, so that the ledger alone reproduces it. `touches` names other circles whose
    pages the event changes although it is not theirs and they are neither the circle's parent nor
    one of its sub-circles (core.cache.circle_version reads those): the parent a circle moved away
    from.
    """
    conn = transaction.get_connection()
    if not conn.in_atomic_block:
        raise RuntimeError("ledger.append must run inside transaction.atomic")
    # Lock the organisation row: it holds the chain's head, so appends are serialised per
    # organisation on PostgreSQL; SQLite serialises writers with IMMEDIATE transactions.
    head = _locked_head().first(organisation.pk)
    if head is None:
        raise RuntimeError(f"no organisation {organisation.pk} to append to")
    sequence = head.ledger_sequence + 1
    prev_hash = head.ledger_head or GENESIS_HASH
    occurred_at = (occurred_at or datetime.now(UTC)).astimezone(UTC)
    data = dict(payload or {})
    object_type = obj._meta.label_lower if obj is not None else ""
    object_id = int(obj.pk) if obj is not None and obj.pk is not None else None
    actor_id = actor.pk if actor is not None else None
    circle_id = circle.pk if circle is not None else None
    digest = compute_event_hash(
        organisation_id=organisation.pk,
        sequence=sequence,
        occurred_at=occurred_at,
        actor_id=actor_id,
        verb=verb,
        object_type=object_type,
        object_id=object_id,
        circle_id=circle_id,
        payload=data,
        prev_hash=prev_hash,
    )
    event = LedgerEvent(
        organisation_id=organisation.pk,
        sequence=sequence,
        occurred_at=occurred_at,
        actor_id=actor_id,
        verb=verb,
        object_type=object_type,
        object_id=object_id,
        circle_id=circle_id,
        payload=data,
        prev_hash=prev_hash,
        hash=digest,
    )
    _store(event, organisation, circle, [c.pk for c in touches])
    _notify_after_commit(event, sorted({uid for uid in notify if uid != actor_id}))
    return event


def _store(
    event: LedgerEvent, organisation: Organisation, circle: Circle | None, touches: list[int]
) -> None:
    """Every change in Circlewise makes these three writes: the event, the organisation's head
    (and, for an event that is no circle's, its last such event) and, for a circle's event, the
    circle's last event; then the objects given are updated."""
    from circlewise.circles.models import Circle, Organisation

    event.save(force_insert=True)
    head: dict[str, Any] = {"ledger_sequence": event.sequence, "ledger_head": event.hash}
    general = {"general_sequence": event.sequence, "general_head": event.hash}
    Organisation.objects.filter(pk=organisation.pk).update(
        **head, **(general if circle is None else {})
    )
    # A circle's last event is the cache key for everything rendered from it.
    circles = ([circle.pk] if circle is not None else []) + touches
    if circles:
        Circle.objects.filter(pk__in=circles).update(**head)
    if circle is not None:
        circle.ledger_sequence, circle.ledger_head = event.sequence, event.hash
    else:
        organisation.general_sequence, organisation.general_head = event.sequence, event.hash
    organisation.ledger_sequence = event.sequence
    organisation.ledger_head = event.hash


def _notify_after_commit(event: LedgerEvent, recipients: list[int]) -> None:
    if not recipients:
        return
    from circlewise.notifications.services import deliver_after_commit

    # The change is saved once this commits: whatever happens in the delivery after that is
    # logged and retried (deliver_after_commit), never the answer to the person who made it.
    transaction.on_commit(
        lambda: deliver_after_commit(event_id=event.pk, recipient_ids=recipients), robust=True
    )


@dataclass(frozen=True)
class ChainReport:
    organisation_id: int
    organisation_name: str
    events: int
    head: str
    broken_at: int | None
    reason: str

    @property
    def ok(self) -> bool:
        return self.broken_at is None


def verify_organisation(organisation: Organisation, *, batch_size: int = 5000) -> ChainReport:
    """Walk the chain in sequence order; report the first event that does not hold."""
    expected_prev = GENESIS_HASH
    expected_seq = 1
    count = 0
    fields = [
        "id",
        "organisation_id",
        "sequence",
        "occurred_at",
        "actor_id",
        "verb",
        "object_type",
        "object_id",
        "circle_id",
        "payload",
        "prev_hash",
        "hash",
    ]
    events = (
        LedgerEvent.objects.filter(organisation_id=organisation.pk)
        .order_by("sequence")
        .only(*fields)
    )
    for event in events.iterator(chunk_size=batch_size):
        count += 1
        reason = ""
        if event.sequence != expected_seq:
            reason = f"sequence gap: expected {expected_seq}, found {event.sequence}"
            return ChainReport(organisation.pk, organisation.name, count, "", expected_seq, reason)
        if event.prev_hash != expected_prev:
            reason = "previous hash does not match the event before it"
        elif event.computed_hash() != event.hash:
            reason = "content does not match its hash"
        if reason:
            return ChainReport(
                organisation.pk, organisation.name, count, "", event.sequence, reason
            )
        expected_prev = event.hash
        expected_seq += 1
    from circlewise.circles.models import Organisation

    recorded = Organisation.objects.values("ledger_sequence", "ledger_head").get(pk=organisation.pk)
    if recorded["ledger_sequence"] != count or (count and recorded["ledger_head"] != expected_prev):
        return ChainReport(
            organisation.pk,
            organisation.name,
            count,
            expected_prev,
            count + 1,
            "the organisation's recorded head does not match the last event",
        )
    return ChainReport(organisation.pk, organisation.name, count, expected_prev, None, "")
