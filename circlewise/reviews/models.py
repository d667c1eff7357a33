"""Role improvement reviews: a role holder (the focus person) asks people from the circles they
work with how the role goes, in two rounds of written feedback ("what went well", then "what
could be better"), speaks first (`opening`) and summarises last (`summary`), agrees areas to
improve and an improvement plan with a term and measures, consented by every reviewer and the
focus person. The plan stays with the role and is measured at its next review.

What is written in a review is confidential to its focus person, its reviewers and its
facilitator (permissions.py): none of it goes into the ledger.
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
    """Where a review is: each step opens when the one before it is complete, or when the
    facilitator moves on."""

    REVIEWERS = "reviewers", _("Reviewers and opening words")
    WENT_WELL = "went_well", _("What went well")
    COULD_BE_BETTER = "could_be_better", _("What could be better")
    PLAN = "plan", _("Summary, areas and plan")
    COMPLETED = "completed", _("Completed")


STEPS = [Step.REVIEWERS, Step.WENT_WELL, Step.COULD_BE_BETTER, Step.PLAN, Step.COMPLETED]


class ReviewQuerySet(models.QuerySet["Review"]):
    def open(self) -> ReviewQuerySet:
        return self.exclude(step=Step.COMPLETED)

    def completed(self) -> ReviewQuerySet:
        return self.filter(step=Step.COMPLETED)

    def with_party(self, user_id: int) -> ReviewQuerySet:
        """Reviews the person takes part in: as focus person, facilitator or reviewer."""
        return self.filter(
            Q(focus_id=user_id) | Q(facilitator_id=user_id) | Q(reviewers__person_id=user_id)
        ).distinct()


class Review(models.Model):
    """A review of one person's work in one role (the assignment under review)."""

    assignment = models.ForeignKey(RoleAssignment, on_delete=models.PROTECT, related_name="reviews")
    role = models.ForeignKey(Role, on_delete=models.PROTECT, related_name="reviews")
    circle = models.ForeignKey(Circle, on_delete=models.PROTECT, related_name="reviews")
    focus = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="reviews_of_me"
    )
    facilitator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="reviews_facilitated"
    )
    meets_on = models.DateField(_("date"), null=True, blank=True)
    step = models.CharField(max_length=16, choices=Step.choices, default=Step.REVIEWERS)
    # The focus person speaks first and summarises last.
    opening = fields.TextField(_("opening words"), blank=True)
    summary = fields.TextField(_("summary"), blank=True)
    areas = fields.TextField(_("areas to improve"), blank=True)
    # The review of the same role whose plan this one measures ("how did the plan go").
    previous = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    completed_at = models.DateTimeField(null=True, blank=True)

    objects = ReviewQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["assignment"],
                condition=~Q(step="completed"),
                name="one_open_review_per_assignment",
            )
        ]

    def __str__(self) -> str:
        return f"review of {self.focus_id} as {self.role_id}"

    @property
    def is_open(self) -> bool:
        return self.step != Step.COMPLETED

    @property
    def step_index(self) -> int:
        return STEPS.index(Step(self.step))


class Reviewer(models.Model):
    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="reviewers")
    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    added_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["added_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["review", "person"], name="one_reviewer_row_each")
        ]

    def __str__(self) -> str:
        return f"{self.person_id} reviews {self.review_id}"


class Round(models.TextChoices):
    WENT_WELL = "went_well", _("What went well")
    COULD_BE_BETTER = "could_be_better", _("What could be better")
    # At the next review of the role: how the last plan went (the focus person and reviewers).
    LAST_PLAN = "last_plan", _("How the last plan went")


class Feedback(models.Model):
    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="feedback")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    round = models.CharField(max_length=16, choices=Round.choices)
    text = fields.TextField(_("feedback"))
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["review", "author", "round"], name="one_feedback_per_round_each"
            )
        ]

    def __str__(self) -> str:
        return f"{self.author_id} in {self.review_id} ({self.round})"


class ImprovementPlan(models.Model):
    """The plan agreed in a review: amended (a new version) after an objection, then consented
    again by every reviewer and the focus person."""

    review = models.OneToOneField(Review, on_delete=models.CASCADE, related_name="plan")
    version = models.PositiveSmallIntegerField(default=1)
    text = fields.TextField(_("plan"))
    measures = fields.TextField(_("measures"), blank=True)
    until = models.DateField(_("until"))
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    consented_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"plan of {self.review_id} v{self.version}"

    @property
    def is_consented(self) -> bool:
        return self.consented_at is not None

    def is_running(self, today: dt.date | None = None) -> bool:
        return self.until >= (today or timezone.localdate())


class PlanAnswer(models.Model):
    """One person's answer to one version of the plan: consent, or an objection with a reason."""

    plan = models.ForeignKey(ImprovementPlan, on_delete=models.CASCADE, related_name="answers")
    version = models.PositiveSmallIntegerField()
    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    consents = models.BooleanField()
    reason = fields.TextField(_("reason"), blank=True)
    answered_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["answered_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "version", "person"], name="one_plan_answer_per_version_each"
            )
        ]

    def __str__(self) -> str:
        return f"{self.person_id} on {self.plan_id} v{self.version}"


class DateReminder(models.Model):
    """That one person taking part was reminded, the day before, of the date a review meets on:
    each person once per date (services_reminders.py)."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="+")
    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    meets_on = models.DateField()
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["review", "person", "meets_on"], name="one_date_reminder_each"
            )
        ]

    def __str__(self) -> str:
        return f"{self.person_id} reminded of {self.review_id} on {self.meets_on}"
