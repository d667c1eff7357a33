from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class NotificationQuerySet(models.QuerySet["Notification"]):
    def unread(self) -> NotificationQuerySet:
        return self.filter(read_at__isnull=True)


class Notification(models.Model):
    """A pointer from a person to a ledger event that concerns them; the text lives in the event."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    event = models.ForeignKey("core.LedgerEvent", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        verbose_name = _("notification")
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "event"], name="one_notification_per_event"
            )
        ]
        indexes = [models.Index(fields=["recipient", "read_at"], name="notification_unread_idx")]

    def __str__(self) -> str:
        return f"{self.recipient_id}: {self.event_id}"


# Email --------------------------------------------------------------------------------------


class Kind(models.TextChoices):
    """What a notification is about, as a person chooses how they hear of it. The first five,
    action items and review steps ask something of the person (ASKING_KINDS); the rest keep them
    informed."""

    ROUND = "round", _("Consent rounds to answer")
    PROPOSAL = "proposal", _("Questions, reactions and objections on your proposals")
    THREAD = "thread", _("Replies to you")
    STEP = "step", _("Steps for a facilitator or secretary")
    MINUTES = "minutes", _("Minutes to consent to")
    CIRCLE = "circle", _("Circle news")
    DECISION = "decision", _("Decisions and policies")
    ROLE = "role", _("Roles and terms")
    MEMBERSHIP = "membership", _("Membership")
    MEETING = "meeting", _("Meetings planned, moved or cancelled, and their agendas")
    ACTION = "action", _("Action items given to you, and their reminders")
    REVIEW_STEP = "review_step", _("Role reviews asking for your part")
    REVIEW = "review", _("How the role reviews you take part in go")
    SELECTION = "selection", _("Selections asking for your nomination or your answer")


class Frequency(models.TextChoices):
    IMMEDIATELY = "immediately", _("At once")
    DAILY = "daily", _("Daily digest")
    WEEKLY = "weekly", _("Weekly digest")
    OFF = "off", _("No email")


ASKING_KINDS = frozenset(
    {
        Kind.ROUND,
        Kind.PROPOSAL,
        Kind.THREAD,
        Kind.STEP,
        Kind.MINUTES,
        Kind.ACTION,
        Kind.REVIEW_STEP,
        Kind.SELECTION,
    }
)


# Not asking, but no use a day late: a meeting planned, moved or cancelled.
TIMELY_KINDS = frozenset({Kind.MEETING})


def default_frequency(kind: str) -> Frequency:
    """What asks something of the person, and news of meetings, comes at once; the rest waits
    for the daily digest."""
    if kind in ASKING_KINDS or kind in TIMELY_KINDS:
        return Frequency.IMMEDIATELY
    return Frequency.DAILY


# Every ledger verb's kind, in one table (tests/notifications/test_kinds.py fails on a verb with
# a sentence and no kind). A verb that reaches different people for different reasons is filed
# under why most of them get it.
KIND_OF_VERB: dict[str, Kind] = {
    # asked of the person
    "consent.round_opened": Kind.ROUND,
    "proposal.question_asked": Kind.PROPOSAL,
    "proposal.reacted": Kind.PROPOSAL,
    "proposal.amendment_suggested": Kind.PROPOSAL,
    "consent.answered": Kind.PROPOSAL,  # an objection: to the author and the facilitator
    "objection.withdrawn": Kind.PROPOSAL,
    "objection.discussed": Kind.THREAD,
    "objection.stated_back": Kind.THREAD,
    "objection.confirmed": Kind.THREAD,
    "proposal.question_answered": Kind.THREAD,
    "proposal.amendment_resolved": Kind.THREAD,
    "proposal.step_reminder": Kind.ROUND,  # to those who have not answered or taken part
    "proposal.step_overdue": Kind.STEP,  # to the facilitator: move on, more time, or close
    "discussion.commented": Kind.THREAD,  # a reply to you, a mention of you, on your draft
    "backlog.item_added": Kind.STEP,  # to the secretary and the facilitator
    "backlog.reminder": Kind.STEP,
    "policy.review_called": Kind.STEP,
    # news
    "circle.created": Kind.CIRCLE,
    "circle.updated": Kind.CIRCLE,
    "circle.archived": Kind.CIRCLE,
    "circle.ended": Kind.CIRCLE,
    "circle.helping_ended": Kind.CIRCLE,
    "circle.mandate_extended": Kind.CIRCLE,
    "organisation.created": Kind.CIRCLE,
    "organisation.updated": Kind.CIRCLE,
    "decisions.settings_changed": Kind.CIRCLE,
    "backlog.item_closed": Kind.CIRCLE,
    "backlog.item_reopened": Kind.CIRCLE,
    "proposal.drafted": Kind.CIRCLE,
    "proposal.draft_updated": Kind.CIRCLE,
    "proposal.presented": Kind.CIRCLE,
    "proposal.step_changed": Kind.CIRCLE,
    "proposal.step_end_changed": Kind.CIRCLE,
    "discussion.comment_edited": Kind.CIRCLE,
    "discussion.comment_withdrawn": Kind.CIRCLE,
    "discussion.draft_shared": Kind.CIRCLE,
    "discussion.draft_unshared": Kind.CIRCLE,
    "discussion.proposal_started": Kind.CIRCLE,
    "proposal.revised": Kind.CIRCLE,
    "proposal.reopened": Kind.CIRCLE,
    "consent.round_closed": Kind.CIRCLE,
    "consent.roster_member_left": Kind.CIRCLE,
    "proposal.decided": Kind.DECISION,
    "proposal.exited": Kind.DECISION,
    "policy.superseded": Kind.DECISION,
    "policy.retired": Kind.DECISION,
    "role.created": Kind.ROLE,
    "role.updated": Kind.ROLE,
    "role.assigned": Kind.ROLE,
    "role.ended": Kind.ROLE,
    "organisation.member_joined": Kind.MEMBERSHIP,
    "organisation.member_removed": Kind.MEMBERSHIP,
    "organisation.admin_changed": Kind.MEMBERSHIP,
    "invitation.sent": Kind.MEMBERSHIP,
    "invitation.revoked": Kind.MEMBERSHIP,
    "circle.member_added": Kind.MEMBERSHIP,
    "circle.member_removed": Kind.MEMBERSHIP,
    "meeting.planned": Kind.MEETING,
    "meeting.agenda_sent": Kind.MEETING,  # the day before, with the agenda
    "meeting.updated": Kind.MEETING,
    "meeting.cancelled": Kind.MEETING,
    "meeting.series_extended": Kind.MEETING,
    "agenda.item_proposed": Kind.STEP,  # to the meeting's facilitator and secretary
    "agenda.item_accepted": Kind.MEETING,  # to who proposed it
    "agenda.item_declined": Kind.MEETING,
    "agenda.item_added": Kind.MEETING,
    "agenda.item_removed": Kind.MEETING,
    "agenda.item_moved": Kind.MEETING,
    "meeting.opened": Kind.MEETING,
    "meeting.joined": Kind.MEETING,
    "meeting.moved_on": Kind.MEETING,
    "meeting.closed": Kind.MEETING,
    "round.started": Kind.MEETING,
    "round.turn_taken": Kind.MEETING,
    "round.ended": Kind.MEETING,
    "meeting.evaluated": Kind.MEETING,
    "minutes.edited": Kind.MEETING,
    "agenda.notes_edited": Kind.MEETING,
    "hand.raised": Kind.MEETING,
    "hand.lowered": Kind.MEETING,
    "hand.called": Kind.MEETING,
    "hand.queue_ordered": Kind.MEETING,
    "meeting.seats_changed": Kind.MEETING,
    "discussion.started": Kind.MEETING,
    "minutes.approved": Kind.MEETING,  # to the circle's members, with their text
    "minutes.sent_for_consent": Kind.MINUTES,  # to the circle's members, with their text
    "minutes.objected": Kind.STEP,  # to who keeps the minutes
    "action.added": Kind.ACTION,  # to its owner
    "action.reminder": Kind.ACTION,
    "action.done": Kind.ACTION,  # to its owner, when someone else closed it
    "action.dropped": Kind.ACTION,
    # Role improvement reviews, to those taking part only (nobody else hears of a review): what
    # asks for their part (to review, to facilitate, feedback in a round, a plan to answer or
    # amend, the facilitator's step, the day before it meets), and how it goes.
    "review.started": Kind.REVIEW_STEP,  # to the facilitator asked
    "review.reviewer_added": Kind.REVIEW_STEP,  # to the reviewer asked
    "review.opening_written": Kind.REVIEW_STEP,  # to the facilitator: the rounds may open
    "review.moved_on": Kind.REVIEW_STEP,  # to the reviewers (a round), the focus person (plan)
    "review.plan_proposed": Kind.REVIEW_STEP,
    "review.plan_amended": Kind.REVIEW_STEP,
    "review.plan_answered": Kind.REVIEW_STEP,  # an objection: to whoever amends the plan
    "review.plan_consented": Kind.REVIEW_STEP,  # to the facilitator: the review may complete
    "review.date_reminder": Kind.REVIEW_STEP,  # the day before the review meets
    "review.reviewer_removed": Kind.REVIEW,
    "review.feedback_given": Kind.REVIEW,  # to the focus person
    "review.summary_written": Kind.REVIEW,
    "review.areas_agreed": Kind.REVIEW,
    "review.completed": Kind.REVIEW,
    # Selections: what asks for a member's part (the term and qualifications, a nomination, the
    # change round, a proposal, the consent round, a step's end), and how it goes (roles).
    "selection.started": Kind.SELECTION,
    "selection.prepared": Kind.SELECTION,
    "selection.nominations_opened": Kind.SELECTION,
    "selection.revealed": Kind.SELECTION,
    "selection.change_round_closed": Kind.SELECTION,  # to who proposes
    "selection.handed_over": Kind.SELECTION,  # to who proposes now
    "selection.proposed": Kind.SELECTION,
    "selection.renewal_proposed": Kind.SELECTION,
    "selection.integrated": Kind.SELECTION,
    "selection.step_end_set": Kind.SELECTION,
    "selection.step_reminder": Kind.SELECTION,
    "selection.step_overdue": Kind.SELECTION,  # to the facilitator
    "selection.answered": Kind.SELECTION,  # an objection: to the facilitator
    "selection.qualification_added": Kind.ROLE,
    "selection.preparation_answered": Kind.ROLE,
    "selection.nominated": Kind.ROLE,
    "selection.changed": Kind.ROLE,
    "selection.objection_withdrawn": Kind.ROLE,
    "selection.completed": Kind.ROLE,
    "selection.cancelled": Kind.ROLE,
    # an account deactivated or reactivated by the site's staff
    "account.deactivated": Kind.MEMBERSHIP,
    "account.reactivated": Kind.MEMBERSHIP,
}


def kind_of(verb: str) -> Kind:
    return KIND_OF_VERB.get(verb, Kind.CIRCLE)


class EmailPreference(models.Model):
    """How a person hears of one kind of notification from one organisation, where it differs
    from the default (`default_frequency`): only what differs is stored."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="email_preferences"
    )
    organisation = models.ForeignKey(
        "circles.Organisation", on_delete=models.CASCADE, related_name="+"
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    frequency = models.CharField(_("frequency"), max_length=16, choices=Frequency.choices)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("email preference")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "organisation", "kind"], name="one_email_preference_per_kind"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user_id}@{self.organisation_id}: {self.kind}={self.frequency}"


class EmailDelivery(models.Model):
    """The email of one notification, queued once: sent at most once (`sent_at`), or skipped
    (`skipped_at`: the person may no longer see what it was about, or no longer wants it), or
    still to be sent (retried after a failure, the last error kept)."""

    notification = models.OneToOneField(
        Notification, on_delete=models.CASCADE, related_name="email_delivery"
    )
    queued_at = models.DateTimeField(auto_now_add=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    sent_at = models.DateTimeField(null=True, blank=True)
    skipped_at = models.DateTimeField(null=True, blank=True)
    message_id = models.CharField(max_length=255, blank=True)
    last_error = models.TextField(blank=True)

    class Meta:
        verbose_name = _("email delivery")
        verbose_name_plural = _("email deliveries")
        indexes = [models.Index(fields=["sent_at"], name="email_delivery_sent_idx")]

    def __str__(self) -> str:
        return f"email of notification {self.notification_id}"


class Digest(models.Model):
    """One digest email to one person from one organisation: sent once per day (daily) or week
    (weekly), `period` naming which; `sent_at` empty while it is being written or if nothing
    happened (then it is not sent: `empty`)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    organisation = models.ForeignKey(
        "circles.Organisation", on_delete=models.CASCADE, related_name="+"
    )
    frequency = models.CharField(max_length=16, choices=Frequency.choices)
    period = models.DateField()  # the day of a daily digest, the Monday of a weekly one
    since = models.DateTimeField()  # what it covers: from here to `created_at`
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    empty = models.BooleanField(default=False)
    message_id = models.CharField(max_length=255, blank=True)

    class Meta:
        verbose_name = _("digest")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "organisation", "frequency", "period"], name="one_digest_per_period"
            )
        ]

    def __str__(self) -> str:
        return f"{self.frequency} digest {self.period} of {self.user_id}@{self.organisation_id}"


class InboundReply(models.Model):
    """A reply by email taken into its thread (notifications/replies.py): its Message-ID is
    taken once, so the same message sent again changes nothing."""

    message_id = models.CharField(max_length=255, unique=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    thread = models.CharField(max_length=32)
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("reply by email")
        verbose_name_plural = _("replies by email")

    def __str__(self) -> str:
        return f"{self.message_id} into {self.thread}"
