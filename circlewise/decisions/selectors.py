"""Pure reads shared by the pages and the API, so the two cannot drift apart: the row of
process steps for a proposal, and Policy.status() as a database filter.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .models import REVIEW_WARNING_DAYS, Proposal

State = Proposal.State

STEPS = (
    ("present", gettext_lazy("Present")),
    ("clarify", gettext_lazy("Clarify")),
    ("react", gettext_lazy("React")),
    ("synthesis", gettext_lazy("Synthesis")),
    ("consent", gettext_lazy("Consent")),
    ("decided", gettext_lazy("Decided")),
)

STEP_OF_STATE = {
    State.DRAFT: 0,
    State.CLARIFYING: 1,
    State.REACTING: 2,
    State.SYNTHESIS: 3,
    State.CONSENT: 4,
    State.OBJECTIONS: 4,
    State.DECIDED: 5,
}


def process_steps(proposal: Proposal) -> list[dict[str, str]]:
    """Each step of the process with its key, its label and whether it is done, current or
    upcoming. An exited proposal shows its exit as the last step."""
    state = State(proposal.state)
    is_exit = state in Proposal.EXIT_STATES
    current = 5 if is_exit else STEP_OF_STATE[state]
    steps = []
    for index, (key, label) in enumerate(STEPS):
        text = str(label)
        if key == "consent" and state == State.OBJECTIONS:
            text = _("Objections")
        if key == "decided" and is_exit:
            text = str(state.label)
        status = "done" if index < current else "current" if index == current else "upcoming"
        if key == "decided" and state == State.DECIDED:
            status = "current"
        steps.append({"key": key, "label": text, "status": status})
    return steps


def policy_status_filter(status: str, today: dt.date) -> Q | None:
    """Policy.status() as a filter, so the register is filtered (and paginated) in the
    database; None for a status that does not exist."""
    live = Q(superseded_by__isnull=True, retired_at__isnull=True)
    warn = today + dt.timedelta(days=REVIEW_WARNING_DAYS)
    return {
        "active": live & (Q(review_on__isnull=True) | Q(review_on__gt=warn)),
        "review_due": live & Q(review_on__gte=today, review_on__lte=warn),
        "expired": live & Q(review_on__lt=today),
        "superseded": Q(superseded_by__isnull=False),
        "retired": Q(superseded_by__isnull=True, retired_at__isnull=False),
    }.get(status)
