"""Sociocratic selection of a role's holder.

A selection runs in steps: the circle reviews the role, consents to the term and to the list of
qualifications (`PREPARE`); every member writes one nomination, hidden from everyone until they
are revealed (`NOMINATE`); having heard them all, each member keeps or changes theirs, saying why
(`CHANGE`); the facilitator, or the member they hand over to, proposes a candidate with reasons
and the term (`PROPOSE`); the circle answers in a consent round that starts beside the nominee
and ends with them (`CONSENT`). When everyone consents the candidate holds the role for the term
(`COMPLETED`, with the assignment); an objection is integrated in a new version of the proposal,
or another nominee is proposed.

The roster (`Elector`) is fixed when the selection starts, in the circle's seat order: it is who
nominates and who answers.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from circlewise.circles.models import Circle, Role, RoleAssignment
from circlewise.core import fields


class Step(models.TextChoices):
    PREPARE = "prepare", _("Role, term and qualifications")
    NOMINATE = "nominate", _("Nominations")
    CHANGE = "change", _("Change round")
    PROPOSE = "propose", _("Proposal")
    CONSENT = "consent", _("Consent round")
    COMPLETED = "completed", _("Selected")
    CANCELLED = "cancelled", _("Cancelled")


STEPS = [Step.PREPARE, Step.NOMINATE, Step.CHANGE, Step.PROPOSE, Step.CONSENT, Step.COMPLETED]
CLOSED = (Step.COMPLETED, Step.CANCELLED)


class SelectionQuerySet(models.QuerySet["Selection"]):
    def open(self) -> SelectionQuerySet:
        return self.exclude(step__in=CLOSED)


class Selection(models.Model):
    role = models.ForeignKey(Role, on_delete=models.PROTECT, related_name="selections")
    circle = models.ForeignKey(Circle, on_delete=models.PROTECT, related_name="selections")
    # Who selects: the role's circle, except for a leader, whom the parent circle selects (the
    # receiving circle consents afterwards, on its backlog). None: the role's circle.
    electing_circle = models.ForeignKey(
        Circle, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    facilitator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="selections_facilitated"
    )
    # The member the facilitator handed the proposal over to (when the facilitator is nominated).
    proposer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    step = models.CharField(max_length=12, choices=Step.choices, default=Step.PREPARE)
    # The term and the qualifications the circle consents to before anyone is nominated. A change
    # to either is a new version, answered afresh.
    term_months = models.PositiveSmallIntegerField(_("term (months)"), default=12)
    qualifications = fields.TextField(_("qualifications"), blank=True)
    prepare_version = models.PositiveSmallIntegerField(default=1)
    # When the current step ends, for a selection run between meetings (None: no deadline).
    step_ends_at = models.DateTimeField(_("step ends"), null=True, blank=True)
    step_reminded_at = models.DateTimeField(null=True, blank=True)
    step_overdue_at = models.DateTimeField(null=True, blank=True)
    revealed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    closed_at = models.DateTimeField(null=True, blank=True)
    outcome = models.OneToOneField(
        RoleAssignment, on_delete=models.PROTECT, null=True, blank=True, related_name="selection"
    )

    objects = SelectionQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            # Two selections for one role cannot both run, so cannot both complete.
            models.UniqueConstraint(
                fields=["role"],
                condition=~Q(step__in=["completed", "cancelled"]),
                name="one_open_selection_per_role",
            ),
            models.CheckConstraint(
                condition=Q(term_months__gte=1) & Q(term_months__lte=60),
                name="selection_term_between_1_and_60_months",
            ),
        ]

    def __str__(self) -> str:
        return f"selection for role {self.role_id}"

    @property
    def is_open(self) -> bool:
        return self.step not in CLOSED

    @property
    def electors_circle_id(self) -> int:
        return self.electing_circle_id or self.circle_id

    @property
    def is_revealed(self) -> bool:
        return self.revealed_at is not None

    @property
    def step_index(self) -> int:
        return STEPS.index(Step(self.step)) if self.step in STEPS else -1

    def restart_clock(self, ends_at: dt.datetime | None) -> list[str]:
        """The step starting now ends at `ends_at`, not yet reminded nor overdue; returns the
        fields to save."""
        self.step_ends_at, self.step_reminded_at, self.step_overdue_at = ends_at, None, None
        return ["step_ends_at", "step_reminded_at", "step_overdue_at"]

    def qualification_list(self) -> list[str]:
        return [line.strip() for line in self.qualifications.splitlines() if line.strip()]


class Elector(models.Model):
    """A member of the selection's roster, in seat order."""

    selection = models.ForeignKey(Selection, on_delete=models.CASCADE, related_name="electors")
    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    seat = models.PositiveIntegerField()

    class Meta:
        ordering = ["seat", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["selection", "person"], name="one_elector_row_each")
        ]

    def __str__(self) -> str:
        return f"{self.person_id} in selection {self.selection_id}"


class PrepareAnswer(models.Model):
    """Consent, or an objection with its reason, to one version of the term and qualifications."""

    selection = models.ForeignKey(
        Selection, on_delete=models.CASCADE, related_name="prepare_answers"
    )
    version = models.PositiveSmallIntegerField()
    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    consents = models.BooleanField()
    reason = fields.TextField(_("reason"), blank=True)
    answered_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["answered_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["selection", "version", "person"], name="one_prepare_answer_each"
            )
        ]

    def __str__(self) -> str:
        return f"{self.person_id} on selection {self.selection_id} v{self.version}"


class Nomination(models.Model):
    """One member's nomination in one round: the first, written before the reveal, or their
    answer in the change round (`kept` when they stay with their first)."""

    class Round(models.TextChoices):
        NOMINATION = "nomination", _("Nomination round")
        CHANGE = "change", _("Change round")

    selection = models.ForeignKey(Selection, on_delete=models.CASCADE, related_name="nominations")
    round = models.CharField(max_length=12, choices=Round.choices)
    nominator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    nominee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    reason = fields.TextField(_("reason"))
    kept = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)
    # Said in a meeting by someone without a device, recorded by the facilitator.
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["selection", "round", "nominator"], name="one_nomination_per_round_each"
            )
        ]

    def __str__(self) -> str:
        return f"{self.nominator_id} nominates in selection {self.selection_id} ({self.round})"


class Candidate(models.Model):
    """The proposal: a nominee, the reasons and the term. Integrating an objection (training, a
    shorter term, measures) makes a new version of the same candidate; proposing another nominee
    makes a new candidate. Only the newest is answered."""

    selection = models.ForeignKey(Selection, on_delete=models.CASCADE, related_name="candidates")
    nominee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    version = models.PositiveSmallIntegerField(default=1)
    reasons = fields.TextField(_("reasons"))
    term_months = models.PositiveSmallIntegerField(_("term (months)"))
    measures = fields.TextField(_("measures"), blank=True)
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"candidate {self.nominee_id} in selection {self.selection_id} v{self.version}"


class Answer(models.Model):
    """One member's answer to one candidate version: consent, or an objection with a reason.
    Nobody passes; the nominee answers last."""

    candidate = models.ForeignKey(Candidate, on_delete=models.CASCADE, related_name="answers")
    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    consents = models.BooleanField()
    reason = fields.TextField(_("reason"), blank=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    answered_at = models.DateTimeField(default=timezone.now)
    # Given in a meeting for someone without a device, by the facilitator or secretary.
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["answered_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["candidate", "person"], name="one_answer_per_candidate")
        ]

    def __str__(self) -> str:
        return f"{self.person_id} on candidate {self.candidate_id}"

    @property
    def stands(self) -> bool:
        """An objection its author has not withdrawn."""
        return not self.consents and self.withdrawn_at is None
