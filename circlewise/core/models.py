"""The ledger: an append-only, hash-chained record of every change of state, per organisation."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

# The hash rule lives in chain.py, in the standard library only, so that an export of the ledger
# can be checked without Circlewise by the very code that hashed it.
from .chain import GENESIS_HASH, event_hash

__all__ = ["GENESIS_HASH", "LedgerEvent", "compute_event_hash", "format_time"]


def compute_event_hash(
    *,
    organisation_id: int,
    sequence: int,
    occurred_at: datetime,
    actor_id: int | None,
    verb: str,
    object_type: str,
    object_id: int | None,
    circle_id: int | None,
    payload: dict[str, Any],
    prev_hash: str,
) -> str:
    return event_hash(
        {
            "organisation": organisation_id,
            "sequence": sequence,
            "occurred_at": format_time(occurred_at),
            "actor": actor_id,
            "verb": verb,
            "object_type": object_type,
            "object_id": object_id,
            "circle": circle_id,
            "payload": payload,
            "prev_hash": prev_hash,
        }
    )


def format_time(moment: datetime) -> str:
    """An event's time as its hash and its export hold it: ISO 8601, microseconds, UTC offset
    (the database gives times in UTC: `2026-03-01T09:30:00.000000+00:00`)."""
    return moment.isoformat(timespec="microseconds")


class LedgerEventQuerySet(models.QuerySet["LedgerEvent"]):
    def for_circle(self, circle_id: int) -> LedgerEventQuerySet:
        return self.filter(circle_id=circle_id)

    def newest_first(self) -> LedgerEventQuerySet:
        return self.order_by("-sequence")


class LedgerEvent(models.Model):
    """One change of state. Rows are never updated or deleted: database triggers refuse both."""

    organisation = models.ForeignKey(
        "circles.Organisation", on_delete=models.PROTECT, related_name="ledger_events"
    )
    sequence = models.PositiveBigIntegerField()
    occurred_at = models.DateTimeField()
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_constraint=False,
    )
    verb = models.CharField(max_length=64)
    object_type = models.CharField(max_length=64)
    object_id = models.BigIntegerField(null=True, blank=True)
    circle = models.ForeignKey(
        "circles.Circle",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_constraint=False,
    )
    payload = models.JSONField(default=dict)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    objects = LedgerEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("ledger event")
        verbose_name_plural = _("ledger events")
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "sequence"], name="ledger_unique_org_sequence"
            )
        ]
        indexes = [
            models.Index(fields=["organisation", "circle", "-sequence"], name="ledger_circle_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.organisation_id}#{self.sequence} {self.verb}"

    def computed_hash(self) -> str:
        return compute_event_hash(
            organisation_id=self.organisation_id,
            sequence=self.sequence,
            occurred_at=self.occurred_at,
            actor_id=self.actor_id,
            verb=self.verb,
            object_type=self.object_type,
            object_id=self.object_id,
            circle_id=self.circle_id,
            payload=self.payload,
            prev_hash=self.prev_hash,
        )
