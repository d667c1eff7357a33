"""Deadlines that keep a selection run between meetings moving.

A step the facilitator gave an end (`Selection.step_ends_at`) is watched by
`keep_selections_moving`, run every few minutes by the task worker, once per step:

- shortly before the end (`STEP_REMINDER_HOURS`) those who have not acted yet are reminded;
- once it has passed, the nominations are revealed (the step ends: whoever has not nominated
  has not), and the change round closes (whoever has not answered keeps their nomination);
  in the other steps — the term and qualifications, and the consent round — nothing moves by
  itself: the facilitator is asked to move on or give more time, and the circle sees the step
  as overdue.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from .models import Nomination, PrepareAnswer, Selection, Step
from .services import _reveal, _to_proposal, append, locked, voters

WATCHED = (Step.PREPARE, Step.NOMINATE, Step.CHANGE, Step.CONSENT)


def not_yet_acted(selection: Selection) -> list[int]:
    """Who the open step still waits for."""
    from .services_consent import current_candidate, waiting_for

    seats = voters(selection)
    step = selection.step
    if step == Step.PREPARE:
        done = set(
            PrepareAnswer.objects.filter(
                selection=selection, version=selection.prepare_version
            ).values_list("person_id", flat=True)
        )
    elif step in (Step.NOMINATE, Step.CHANGE):
        round_ = Nomination.Round.NOMINATION if step == Step.NOMINATE else Nomination.Round.CHANGE
        done = set(
            Nomination.objects.filter(selection=selection, round=round_).values_list(
                "nominator_id", flat=True
            )
        )
    elif step == Step.CONSENT:
        candidate = current_candidate(selection)
        return waiting_for(selection, candidate) if candidate else []
    else:
        return []
    return [pk for pk in seats if pk not in done]


def keep_selections_moving(*, now: dt.datetime | None = None) -> tuple[int, int]:
    """Remind before each step's end, and end or flag it once passed; each once per step.
    Returns (reminders, steps ended or flagged). Safe to run as often as you like."""
    now = now or timezone.now()
    lead = dt.timedelta(hours=settings.STEP_REMINDER_HOURS)
    watched = Selection.objects.filter(
        step__in=WATCHED, step_ends_at__isnull=False, step_overdue_at__isnull=True,
        circle__archived_at__isnull=True,
    )  # fmt: skip
    soon = watched.filter(
        step_reminded_at__isnull=True, step_ends_at__gt=now, step_ends_at__lte=now + lead
    )
    reminded = sum(_remind(pk, now) for pk in list(soon.values_list("pk", flat=True)))
    passed = watched.filter(step_ends_at__lte=now).values_list("pk", flat=True)
    ended = sum(_end(pk, now) for pk in list(passed))
    return reminded, ended


@transaction.atomic
def _remind(pk: int, now: dt.datetime) -> int:
    selection = locked(Selection(pk=pk))
    ends_at = selection.step_ends_at
    # Read again under the lock: the step may have moved on, or another run got here first.
    if selection.step not in WATCHED or selection.step_reminded_at or not ends_at or ends_at <= now:
        return 0
    selection.step_reminded_at = now
    selection.save(update_fields=["step_reminded_at"])
    waiting = not_yet_acted(selection)
    append(
        selection, None, "selection.step_reminder", waiting,
        ends_at=ends_at.isoformat(), reminded=len(waiting),
    )  # fmt: skip
    return 1


@transaction.atomic
def _end(pk: int, now: dt.datetime) -> int:
    selection = locked(Selection(pk=pk))
    ends_at = selection.step_ends_at
    if selection.step not in WATCHED or selection.step_overdue_at or not ends_at or ends_at > now:
        return 0
    if selection.step == Step.NOMINATE and Nomination.objects.filter(selection=selection).exists():
        _reveal(selection, None, why="step_ended")
        return 1
    if selection.step == Step.CHANGE:
        _to_proposal(selection, None)
        return 1
    selection.step_overdue_at = now
    selection.step_reminded_at = selection.step_reminded_at or now
    selection.save(update_fields=["step_overdue_at", "step_reminded_at"])
    proposer = selection.proposer_id
    notify = [selection.facilitator_id, *([proposer] if proposer else [])]
    append(selection, None, "selection.step_overdue", notify, ends_at=ends_at.isoformat())
    return 1
