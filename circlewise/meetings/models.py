"""Circle meetings as they are planned: when and where, who facilitates and takes the minutes,
whether they repeat, and the agenda built from the circle's backlog.

A meeting's time is stored in UTC with the time zone it was planned in (`time_zone`): a repeating
meeting keeps its time of day in that zone across daylight saving time, and everyone sees it in
their own zone. A repeating meeting is a `Series` whose next occurrences exist as meetings of
their own (each with its own agenda, facilitator and place), made some weeks ahead
(`recurrence.HORIZON`) and topped up daily by `tasks.extend_series`.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from circlewise.circles.models import Circle
from circlewise.core import fields

# How long a meeting may be planned for, in minutes.
SHORTEST, LONGEST = 15, 8 * 60


class Repeat(models.TextChoices):
    """How a series repeats (`recurrence.rule_for` turns each into an RFC 5545 rule)."""

    NEVER = "never", _("Does not repeat")
    WEEKLY = "weekly", _("Every week")
    FORTNIGHTLY = "fortnightly", _("Every other week")
    MONTHLY = "monthly", _("Every month, on the same weekday")


class Series(models.Model):
    circle = models.ForeignKey(Circle, on_delete=models.PROTECT, related_name="meeting_series")
    repeat = models.CharField(max_length=12, choices=Repeat.choices)
    # The RFC 5545 rule (RRULE) the occurrences follow, from the first one's local time.
    rule = models.CharField(max_length=200)
    first_starts_at = models.DateTimeField()
    time_zone = models.CharField(max_length=64)
    until = models.DateField(null=True, blank=True)
    # What each new occurrence starts with.
    title = fields.CharField(_("title"), max_length=200, blank=True)
    duration_minutes = models.PositiveSmallIntegerField(default=90)
    place = fields.CharField(_("place"), max_length=200, blank=True)
    video_url = fields.CharField(_("video link"), max_length=500, blank=True)
    # Made up to here (the last occurrence's start); None until the first is made.
    made_until = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name_plural = "series"
        ordering = ["first_starts_at", "pk"]

    def __str__(self) -> str:
        return f"{self.get_repeat_display()} in circle {self.circle_id}"


class MeetingQuerySet(models.QuerySet["Meeting"]):
    def upcoming(self, now: dt.datetime | None = None) -> MeetingQuerySet:
        """Meetings that have not ended yet, cancelled ones too (they say so)."""
        now = now or timezone.now()
        return self.filter(ends_at__gt=now).order_by("starts_at", "pk")

    def past(self, now: dt.datetime | None = None) -> MeetingQuerySet:
        now = now or timezone.now()
        return self.filter(ends_at__lte=now).order_by("-starts_at", "-pk")

    def held(self) -> MeetingQuerySet:
        return self.exclude(status=Meeting.Status.CANCELLED)


class Meeting(models.Model):
    class Status(models.TextChoices):
        PLANNED = "planned", _("Planned")
        CANCELLED = "cancelled", _("Cancelled")

    circle = models.ForeignKey(Circle, on_delete=models.PROTECT, related_name="meetings")
    series = models.ForeignKey(
        Series, on_delete=models.PROTECT, null=True, blank=True, related_name="meetings"
    )
    title = fields.CharField(_("title"), max_length=200, blank=True)
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField()
    time_zone = models.CharField(max_length=64)
    place = fields.CharField(_("place"), max_length=200, blank=True)
    video_url = fields.CharField(_("video link"), max_length=500, blank=True)
    facilitator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    secretary = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PLANNED)
    cancel_reason = fields.CharField(_("reason"), max_length=500, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    # Bumped by every change, so that a calendar application replaces its copy (RFC 5545 SEQUENCE).
    revision = models.PositiveIntegerField(default=0)

    objects = MeetingQuerySet.as_manager()

    class Meta:
        ordering = ["starts_at", "pk"]
        indexes = [models.Index(fields=["circle", "starts_at"], name="meeting_circle_start")]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="meeting_ends_after_it_starts"
            ),
            models.UniqueConstraint(
                fields=["series", "starts_at"],
                condition=Q(series__isnull=False),
                name="one_occurrence_per_start",
            ),
        ]

    def __str__(self) -> str:
        return self.title or f"meeting {self.pk}"

    @property
    def duration_minutes(self) -> int:
        return int((self.ends_at - self.starts_at).total_seconds() // 60)

    @property
    def is_cancelled(self) -> bool:
        return self.status == self.Status.CANCELLED

    @property
    def is_over(self) -> bool:
        return self.ends_at <= timezone.now()


class AgendaItem(models.Model):
    """One item of a meeting's agenda. The facilitator's own items are on it at once; those a
    member proposes wait for the facilitator to take them on or decline them (with a reason)."""

    class Outcome(models.TextChoices):
        UNDERSTAND = "understand", _("Understand")
        EXPLORE = "explore", _("Explore")
        DECIDE = "decide", _("Decide")

    class Status(models.TextChoices):
        ON_AGENDA = "agenda", _("On the agenda")
        PROPOSED = "proposed", _("Proposed")
        DECLINED = "declined", _("Declined")

    meeting = models.ForeignKey(Meeting, on_delete=models.PROTECT, related_name="agenda")
    position = models.PositiveIntegerField(default=0)
    title = fields.CharField(_("topic"), max_length=200)
    outcome = models.CharField(
        _("desired outcome"), max_length=10, choices=Outcome.choices, default=Outcome.EXPLORE
    )
    minutes = models.PositiveSmallIntegerField(_("time (minutes)"), default=10)
    presenter = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # Documents and notes for the item: Markdown, links included.
    details = fields.TextField(_("details and documents"), blank=True)
    backlog_item = models.ForeignKey(
        "decisions.BacklogItem",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="agenda_items",
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ON_AGENDA)
    decline_reason = fields.CharField(_("reason"), max_length=500, blank=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["position", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "backlog_item"],
                condition=Q(backlog_item__isnull=False) & ~Q(status="declined"),
                name="backlog_item_once_per_agenda",
            )
        ]

    def __str__(self) -> str:
        return self.title
