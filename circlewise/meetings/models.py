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
# How long the secretary's notes on one agenda item may be, in characters.
NOTES_LIMIT = 10_000


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
        LIVE = "live", _("Meeting now")
        HELD = "held", _("Held")
        CANCELLED = "cancelled", _("Cancelled")

    class Phase(models.TextChoices):
        """The parts of a circle meeting, in their order (DOMAIN.md, "Meetings and rounds")."""

        CHECK_IN = "check_in", _("Check-in round")
        ADMINISTRATION = "administration", _("Administration")
        AGENDA = "agenda", _("Consent to the agenda")
        ITEMS = "items", _("The agenda's items")
        BACKLOG = "backlog", _("Updating the backlog")
        EVALUATION = "evaluation", _("Evaluation round")
        CLOSED = "closed", _("Closed")

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
    # The live room: where the meeting is, since when (all in the database, none in a process).
    phase = models.CharField(max_length=16, choices=Phase.choices, blank=True)
    phase_started_at = models.DateTimeField(null=True, blank=True)
    current_item = models.ForeignKey(
        "AgendaItem", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    started_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    # Moved by every change in the room: what a reconnecting screen compares with its own.
    room_version = models.PositiveIntegerField(default=0)
    # The queue of raised hands: those who have spoken least in this meeting first, or in the
    # order the hands went up.
    hands_least_first = models.BooleanField(default=False)
    # A free discussion going on, time-boxed: since when, and for how many minutes (closed by
    # the next round).
    discussion_started_at = models.DateTimeField(null=True, blank=True)
    discussion_minutes = models.PositiveSmallIntegerField(null=True, blank=True)
    # When its agenda went to the members, the day before (services_reminders).
    agenda_sent_at = models.DateTimeField(null=True, blank=True)

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
        """Held, or past its end without having been opened."""
        if self.status == self.Status.HELD:
            return True
        return self.status == self.Status.PLANNED and self.ends_at <= timezone.now()

    @property
    def is_live(self) -> bool:
        return self.status == self.Status.LIVE


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
    # What the secretary notes for the item in the room (Markdown), read back to the room and
    # taken into the minutes' draft.
    notes = fields.TextField(_("notes"), max_length=NOTES_LIMIT, blank=True)
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


class AttendanceQuerySet(models.QuerySet["Attendance"]):
    def in_room(self) -> AttendanceQuerySet:
        """Who is in the room now: present, with an account that is not deactivated. (Someone
        deactivated during a meeting still took part in it: `present` stays, for the minutes.)"""
        return self.filter(present=True, user__is_active=True)


class Attendance(models.Model):
    """Who is in the room, and where they sit: a round goes round in seat order (kept for the
    circle's next meeting). Someone recorded by the facilitator or secretary, without a device,
    is present too (`recorded_by`)."""

    meeting = models.ForeignKey(Meeting, on_delete=models.PROTECT, related_name="attendance")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    seat = models.PositiveIntegerField(default=0)
    present = models.BooleanField(default=True)
    joined_at = models.DateTimeField(default=timezone.now)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # Outside rounds: when they raised a hand to speak (None: it is down).
    hand_raised_at = models.DateTimeField(null=True, blank=True)

    objects = AttendanceQuerySet.as_manager()

    class Meta:
        ordering = ["seat", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "user"], name="one_attendance_each")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} at meeting {self.meeting_id}"


class Round(models.Model):
    """Everyone speaks in turn: a prompt, a first speaker, a direction, then each present person
    in seat order. `order` is the speaking order (user ids); a person who asks to be come back
    to moves to its end. The round's current speaker is the one whose turn has no end yet."""

    class Kind(models.TextChoices):
        CHECK_IN = "check_in", _("Check-in")
        CLARIFYING = "clarifying", _("Clarifying")
        REACTION = "reaction", _("Reaction")
        NOMINATION = "nomination", _("Nomination")
        CHANGE = "change", _("Change")
        CONSENT = "consent", _("Consent")
        EVALUATION = "evaluation", _("Evaluation")
        OPEN = "open", _("Open")

    meeting = models.ForeignKey(Meeting, on_delete=models.PROTECT, related_name="rounds")
    item = models.ForeignKey(
        AgendaItem, on_delete=models.PROTECT, null=True, blank=True, related_name="rounds"
    )
    kind = models.CharField(max_length=12, choices=Kind.choices)
    prompt = fields.CharField(_("prompt"), max_length=300, blank=True)
    order = models.JSONField(default=list)
    clockwise = models.BooleanField(default=True)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    started_at = models.DateTimeField(default=timezone.now)
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["started_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["meeting"], condition=Q(ended_at__isnull=True), name="one_open_round"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} round {self.pk}"


class Turn(models.Model):
    """One person's turn in a round: who, when it started and ended, whether they passed, spoke
    or wrote (their words, for a written turn), and who recorded it for someone without a
    device. The participation figures come from these rows."""

    round = models.ForeignKey(Round, on_delete=models.PROTECT, related_name="turns")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    started_at = models.DateTimeField(default=timezone.now)
    ended_at = models.DateTimeField(null=True, blank=True)
    passed = models.BooleanField(default=False)
    came_back = models.BooleanField(default=False)  # asked to be come back to: moved to the end
    written = fields.TextField(_("written turn"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["started_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["round"], condition=Q(ended_at__isnull=True), name="one_speaker_at_a_time"
            )
        ]

    def __str__(self) -> str:
        return f"turn of {self.user_id} in round {self.round_id}"


# What a participant rates at the end of a meeting, 1 (not at all) to 5 (fully).
DIMENSIONS = (
    ("heard", _("Everyone was heard")),
    ("on_time", _("We kept to time")),
    ("clear", _("Decisions were clear")),
    ("respected", _("I felt respected")),
    ("served_aim", _("The meeting served our aim")),
)


class Evaluation(models.Model):
    """One participant's card at the end of a meeting: how it went, 1 (not at all) to 5 (fully),
    on each of the dimensions, and in their own words what worked and what could be better.
    The circle sees the averages over its meetings (the trend); the words its members read."""

    DIMENSIONS = DIMENSIONS

    meeting = models.ForeignKey(Meeting, on_delete=models.PROTECT, related_name="evaluations")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    heard = models.PositiveSmallIntegerField()
    on_time = models.PositiveSmallIntegerField()
    clear = models.PositiveSmallIntegerField()
    respected = models.PositiveSmallIntegerField()
    served_aim = models.PositiveSmallIntegerField()
    # The backlog item its "could be better" became, when a member sent it there (unsigned).
    improvement_item = models.ForeignKey(
        "decisions.BacklogItem", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    went_well = fields.TextField(_("what worked well"), max_length=2000, blank=True)
    could_improve = fields.TextField(_("what could be better"), max_length=2000, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "user"], name="one_evaluation_each"),
            *(
                models.CheckConstraint(
                    condition=Q(**{f"{name}__gte": 1, f"{name}__lte": 5}),
                    name=f"evaluation_{name}_1_to_5",
                )
                for name, _label in DIMENSIONS
            ),
        ]

    def __str__(self) -> str:
        return f"evaluation of meeting {self.meeting_id} by {self.user_id}"


class ActionItemQuerySet(models.QuerySet["ActionItem"]):
    def open(self) -> ActionItemQuerySet:
        return self.filter(status=ActionItem.Status.OPEN)


class ActionItem(models.Model):
    """Something a person agreed to do, with a due date: made in a meeting (linked to its item)
    or anywhere in the circle. Its owner is reminded before it is due and once after; the circle
    sees its follow-through (the share done on time)."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        DONE = "done", _("Done")
        DROPPED = "dropped", _("Dropped")

    circle = models.ForeignKey(Circle, on_delete=models.PROTECT, related_name="action_items")
    meeting = models.ForeignKey(
        Meeting, on_delete=models.PROTECT, null=True, blank=True, related_name="action_items"
    )
    agenda_item = models.ForeignKey(
        AgendaItem, on_delete=models.PROTECT, null=True, blank=True, related_name="action_items"
    )
    title = fields.CharField(_("what is to be done"), max_length=300)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    due_on = models.DateField(_("due"), null=True, blank=True)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.OPEN)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    closed_at = models.DateTimeField(null=True, blank=True)
    reminded_before_on = models.DateField(null=True, blank=True)
    reminded_after_on = models.DateField(null=True, blank=True)

    objects = ActionItemQuerySet.as_manager()

    class Meta:
        ordering = ["due_on", "pk"]
        indexes = [models.Index(fields=["owner", "status"], name="action_owner_status")]

    def __str__(self) -> str:
        return self.title

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.OPEN

    @property
    def done_on_time(self) -> bool:
        return (
            self.status == self.Status.DONE
            and self.closed_at is not None
            and (self.due_on is None or timezone.localdate(self.closed_at) <= self.due_on)
        )

    def is_overdue(self, today: dt.date | None = None) -> bool:
        today = today or timezone.localdate()
        return self.is_open and self.due_on is not None and self.due_on < today


class MinutesQuerySet(models.QuerySet["Minutes"]):
    def approved(self) -> MinutesQuerySet:
        return self.filter(status=Minutes.Status.APPROVED)

    def consent_ended(self, now: dt.datetime | None = None) -> MinutesQuerySet:
        """Out for lazy consent, their period over (nobody objected, or they would be a draft)."""
        return self.filter(status=Minutes.Status.CONSENT, consent_until__lte=now or timezone.now())


class Minutes(models.Model):
    """A meeting's minutes: drafted from the meeting itself when it closes (who was there, the
    agenda, the rounds, the action items given), written up by the secretary, then approved:
    from then on they do not change, and the ledger holds their hash.

    They are approved at the end of the meeting (or at the next one) by whoever keeps them, or
    by lazy consent: sent to the circle's members with a period (`consent_until`), approved by
    themselves when it ends unless a member objects; an objection takes them back to draft.
    Each sending is a new period (`consent_round`), and each objection belongs to one."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        CONSENT = "consent", _("Out for consent")
        APPROVED = "approved", _("Approved")

    meeting = models.OneToOneField(Meeting, on_delete=models.PROTECT, related_name="minutes")
    text = fields.TextField(_("minutes"), max_length=50_000)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.DRAFT)
    edited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    # Approved by lazy consent: nobody objected within the period (approved_by is then empty).
    approved_by_consent = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)
    # The latest sending to the members for lazy consent: when, by whom, until when.
    consent_round = models.PositiveIntegerField(default=0)
    consent_asked_at = models.DateTimeField(null=True, blank=True)
    consent_asked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    consent_until = models.DateTimeField(null=True, blank=True)

    objects = MinutesQuerySet.as_manager()

    class Meta:
        verbose_name_plural = "minutes"
        indexes = [models.Index(fields=["status", "consent_until"], name="minutes_consent_due")]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="consent") | Q(consent_until__isnull=False),
                name="minutes_out_for_consent_have_an_end",
            )
        ]

    def __str__(self) -> str:
        return f"minutes of meeting {self.meeting_id}"

    @property
    def is_approved(self) -> bool:
        return self.status == self.Status.APPROVED

    @property
    def is_out_for_consent(self) -> bool:
        return self.status == self.Status.CONSENT


class MinutesObjection(models.Model):
    """A member's objection to minutes out for lazy consent: something wrong or missing, and
    why. It takes the minutes back to draft; the secretary sees it on the minutes' page."""

    minutes = models.ForeignKey(Minutes, on_delete=models.PROTECT, related_name="objections")
    consent_round = models.PositiveIntegerField()
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reason = fields.TextField(_("reason"), max_length=2000)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["minutes", "consent_round", "user"], name="one_minutes_objection_per_round"
            )
        ]

    def __str__(self) -> str:
        return f"objection of {self.user_id} to minutes {self.minutes_id}"
