"""Consent decisions: proposals and their versions, rounds, answers, objections, decisions,
policies and each circle's backlog."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from circlewise.circles.models import Circle
from circlewise.core import fields

REVIEW_WARNING_DAYS = 30
# At least half of the members asked in a round answer before it can close with consent.
DEFAULT_QUORUM_PERCENT = 50
QUORUM_RANGE = (1, 100)


class CircleDecisionSettings(models.Model):
    """How a circle runs its consent process. Missing settings mean the defaults below."""

    class Synthesis(models.TextChoices):
        FACILITATOR = "facilitator", _("The facilitator")
        AUTHOR = "author", _("The proposal's author")

    class Absentees(models.TextChoices):
        EVERYONE = "everyone", _("Everyone in the circle must answer")
        LAZY = "lazy", _("Those present decide; absentees may object afterwards (lazy consent)")

    circle = models.OneToOneField(
        Circle, on_delete=models.CASCADE, related_name="decision_settings"
    )
    default_review_months = models.PositiveSmallIntegerField(
        _("default review period (months)"), default=12
    )
    synthesis_by = models.CharField(
        _("who synthesises"),
        max_length=12,
        choices=Synthesis.choices,
        default=Synthesis.FACILITATOR,
    )
    allow_concerns = models.BooleanField(
        _("allow “consent with a concern”"),
        default=False,
        help_text=_("A concern is logged with the decision and does not block it."),
    )
    absentee_policy = models.CharField(
        _("absent members"), max_length=10, choices=Absentees.choices, default=Absentees.EVERYONE
    )
    lazy_consent_hours = models.PositiveSmallIntegerField(
        _("hours absentees have to object"), default=48
    )
    # How long each asynchronous step lasts when it starts, unless whoever starts it gives an end;
    # the facilitator can change the end of a step while it runs (services.deadlines).
    clarifying_days = models.PositiveSmallIntegerField(
        _("days for clarifying questions"), default=3
    )
    reactions_days = models.PositiveSmallIntegerField(_("days for reactions"), default=3)
    consent_days = models.PositiveSmallIntegerField(_("days for a consent round"), default=5)
    # Changed only by the circle's consent: a proposal carries the new value (Proposal.quorum_percent)
    # and the decision applies it; update_settings refuses it.
    quorum_percent = models.PositiveSmallIntegerField(
        _("quorum (percent of the members asked)"),
        default=DEFAULT_QUORUM_PERCENT,
        help_text=_(
            "How many of the members asked in a consent round must answer before it can close "
            "with consent, as a percentage (rounded up)."
        ),
    )

    def __str__(self) -> str:
        return f"settings of {self.circle_id}"


def quorum_needed(asked: int, percent: int) -> int:
    """How many of `asked` members must answer: `percent` of them rounded up, and never fewer than
    one (a round nobody answered decides nothing)."""
    return max(1, -(-asked * percent // 100))


class ProposalQuerySet(models.QuerySet["Proposal"]):
    def presented(self) -> ProposalQuerySet:
        return self.exclude(state=Proposal.State.DRAFT)

    def open(self) -> ProposalQuerySet:
        return self.filter(state__in=Proposal.OPEN_STATES)

    def in_circle(self, circle: Circle) -> ProposalQuerySet:
        return self.filter(circle=circle)


class Proposal(models.Model):
    class State(models.TextChoices):
        DRAFT = "draft", _("Draft")
        CLARIFYING = "clarifying", _("Clarifying questions")
        REACTING = "reacting", _("Quick reactions")
        SYNTHESIS = "synthesis", _("Synthesis")
        CONSENT = "consent", _("Consent round")
        OBJECTIONS = "objections", _("Objection handling")
        DECIDED = "decided", _("Decided")
        POSTPONED = "postponed", _("Postponed")
        DROPPED = "dropped", _("Dropped")
        HANDED_OVER = "handed_over", _("Handed to a helping circle")
        ESCALATED = "escalated", _("Escalated to the parent circle")
        HANDED_BACK = "handed_back", _("Handed to the parent circle when the circle ended")

    OPEN_STATES = (
        State.CLARIFYING, State.REACTING, State.SYNTHESIS, State.CONSENT, State.OBJECTIONS,
    )  # fmt: skip
    EXIT_STATES = (
        State.POSTPONED, State.DROPPED, State.HANDED_OVER, State.ESCALATED, State.HANDED_BACK,
    )  # fmt: skip

    class Mode(models.TextChoices):
        ASYNC = "async", _("Asynchronously, each step with a window")
        LIVE = "live", _("Live, in a meeting")

    class PolicyAction(models.TextChoices):
        """What consent to a proposal that targets a policy (`amends`) does with that policy."""

        AMEND = "amend", _("Amend it: a new version of the same policy")
        REPLACE = "replace", _("Replace it with a new policy")
        RETIRE = "retire", _("Retire it: the policy ends, nothing takes its place")

    circle = models.ForeignKey(Circle, on_delete=models.PROTECT, related_name="proposals")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    state = models.CharField(max_length=12, choices=State.choices, default=State.DRAFT)
    mode = models.CharField(max_length=6, choices=Mode.choices, default=Mode.ASYNC)
    version_number = models.PositiveIntegerField(default=1)
    is_policy = models.BooleanField(
        _("sets a rule (a policy)"),
        default=True,
        help_text=_("Policies go into the policy register and are reviewed."),
    )
    amends = models.ForeignKey(
        "Policy", on_delete=models.PROTECT, null=True, blank=True, related_name="amendments",
        verbose_name=_("amends, replaces or retires the policy"),
    )  # fmt: skip
    policy_action = models.CharField(
        _("what it does with the policy"), max_length=8, choices=PolicyAction.choices,
        blank=True, default="",
        help_text=_("Set when the proposal targets a policy (amends): amend, replace or retire."),
    )  # fmt: skip
    quorum_percent = models.PositiveSmallIntegerField(
        _("changes the circle's quorum to (percent)"), null=True, blank=True,
        help_text=_("Set when consent to the proposal changes the circle's quorum."),
    )  # fmt: skip
    # A proposal of a parent circle to extend the mandate of one of its helping circles: consent
    # sets the helping circle's end date and, if it had ended, opens it again.
    extends_circle = models.ForeignKey(
        Circle, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("extends the mandate of"),
    )  # fmt: skip
    extends_until = models.DateField(_("new end date"), null=True, blank=True)
    step_ends_at = models.DateTimeField(null=True, blank=True)
    # Set once per step window by services.deadlines: those who had not acted were reminded; the
    # window passed and the facilitator was asked to move on. Cleared when the window changes.
    step_reminded_at = models.DateTimeField(null=True, blank=True)
    step_overdue_at = models.DateTimeField(null=True, blank=True)
    handed_to = models.ForeignKey(
        Circle, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    presented_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    objects = ProposalQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"proposal {self.pk}"

    @property
    def step_overdue(self) -> bool:
        """Whether the current step's window (clarifying, reactions, consent round) has passed
        while the step is still open."""
        return (
            self.state in (self.State.CLARIFYING, self.State.REACTING, self.State.CONSENT)
            and self.step_ends_at is not None
            and self.step_ends_at <= timezone.now()
        )

    @property
    def is_draft(self) -> bool:
        return self.state == self.State.DRAFT

    @property
    def is_open(self) -> bool:
        return self.state in self.OPEN_STATES

    @property
    def target_action(self) -> str:
        """What the proposal does with the policy it targets: amend, replace or retire; "" when
        it targets none. (Proposals from before the choice existed amend their target.)"""
        if self.amends_id is None:
            return ""
        return self.policy_action or self.PolicyAction.AMEND

    @property
    def decision(self) -> Decision | None:
        """The proposal's latest decision: the one that stands, or the last one reopened."""
        return self.decisions.order_by("-decided_at", "-pk").first()

    @property
    def current_version(self) -> ProposalVersion:
        cached = getattr(self, "_current_version", None)
        if cached is None or cached.number != self.version_number:
            cached = self.versions.get(number=self.version_number)
            self._current_version = cached
        return cached


class ProposalVersion(models.Model):
    """One version of a proposal's text. Versions are never changed once a newer one exists."""

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    title = fields.CharField(_("title"), max_length=200)
    driver = fields.TextField(
        _("driver"), help_text=_("The need or tension this proposal answers.")
    )
    text = fields.TextField(
        _("proposal"),
        max_length=fields.PROPOSAL_TEXT_LIMIT,
        help_text=_("What you propose. Markdown is allowed."),
    )
    aim = fields.TextField(_("aim it serves"), blank=True)
    review_on = models.DateField(_("review date"), null=True, blank=True)
    measures = fields.TextField(
        _("measures"), blank=True, help_text=_("How we will know it works.")
    )
    feedback_channel = fields.CharField(_("feedback channel"), max_length=200, blank=True)
    change_note = fields.TextField(_("what changed"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["proposal", "number"]
        constraints = [
            models.UniqueConstraint(fields=["proposal", "number"], name="one_version_number")
        ]

    def __str__(self) -> str:
        return f"{self.title} (v{self.number})"


class Measure(models.Model):
    """A way to measure a concern: a metric, a threshold and someone who watches it."""

    version = models.ForeignKey(
        ProposalVersion, on_delete=models.CASCADE, related_name="measure_set"
    )
    metric = fields.CharField(_("metric"), max_length=200)
    threshold = fields.CharField(_("threshold"), max_length=200)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    objection = models.ForeignKey(
        "Objection", on_delete=models.PROTECT, null=True, blank=True, related_name="measures"
    )

    def __str__(self) -> str:
        return self.metric


class Contribution(models.Model):
    """A clarifying question, an answer, a quick reaction or a friendly amendment."""

    class Kind(models.TextChoices):
        QUESTION = "question", _("Clarifying question")
        ANSWER = "answer", _("Answer")
        REACTION = "reaction", _("Reaction")
        AMENDMENT = "amendment", _("Friendly amendment")

    class AmendmentStatus(models.TextChoices):
        OPEN = "open", _("Not yet considered")
        ACCEPTED = "accepted", _("Accepted")
        DECLINED = "declined", _("Not taken up")

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="contributions")
    version_number = models.PositiveIntegerField()
    kind = models.CharField(max_length=10, choices=Kind.choices)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    text = fields.TextField(blank=True)
    passed = models.BooleanField(default=False)
    reply_to = models.ForeignKey(
        "self", on_delete=models.CASCADE, null=True, blank=True, related_name="replies"
    )
    amendment_status = models.CharField(
        max_length=10, choices=AmendmentStatus.choices, blank=True, default=""
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.kind} by {self.author_id}"


class ConsentRound(models.Model):
    """A consent round on one version. What is consented may be the proposal or an exit."""

    class Subject(models.TextChoices):
        PROPOSAL = "proposal", _("the proposal")
        POSTPONE = "postpone", _("postponing the proposal")
        DROP = "drop", _("dropping the proposal")
        HAND_OVER = "hand_over", _("handing it to a helping circle")
        ESCALATE = "escalate", _("escalating it to the parent circle")

    class Outcome(models.TextChoices):
        OPEN = "open", _("Open")
        CONSENTED = "consented", _("Consented")
        OBJECTED = "objected", _("Objections raised")
        SUPERSEDED = "superseded", _("Superseded by a new version")
        ENDED = "ended", _("Closed when the circle ended")

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="rounds")
    version_number = models.PositiveIntegerField()
    subject = models.CharField(max_length=10, choices=Subject.choices, default=Subject.PROPOSAL)
    handed_to = models.ForeignKey(
        Circle, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    lazy = models.BooleanField(default=False)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    opened_at = models.DateTimeField(default=timezone.now)
    closes_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=10, choices=Outcome.choices, default=Outcome.OPEN)
    lazy_until = models.DateTimeField(null=True, blank=True)
    # The circle's quorum when the round opened: fixed with the roster.
    quorum_percent = models.PositiveSmallIntegerField(default=DEFAULT_QUORUM_PERCENT)
    # Set when someone closed the round before everyone had answered (lazy consent), with why.
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    close_reason = fields.TextField(blank=True)
    # Members of the circle when it closed who were not on the roster: they joined after it
    # opened and were not asked.
    joined_after_opening = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["opened_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["proposal"], condition=Q(outcome="open"), name="one_open_round_per_proposal"
            )
        ]

    def __str__(self) -> str:
        return f"round {self.pk} on proposal {self.proposal_id} v{self.version_number}"

    @property
    def is_open(self) -> bool:
        return self.outcome == self.Outcome.OPEN


class RosterEntry(models.Model):
    """Who is asked in a round, fixed when it opens. Changes afterwards are recorded here."""

    round = models.ForeignKey(ConsentRound, on_delete=models.CASCADE, related_name="roster")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    required = models.BooleanField(default=True)
    left_circle_at = models.DateTimeField(null=True, blank=True)
    absent = models.BooleanField(default=False)
    # Set with the answer, in its transaction: the entries still waited for are then found through
    # the partial index below, without walking past everyone who has answered.
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["round", "user"], name="one_roster_entry")]
        indexes = [
            models.Index(
                fields=["round"],
                condition=models.Q(
                    required=True, left_circle_at__isnull=True, answered_at__isnull=True
                ),
                name="roster_waiting",
            )
        ]

    def __str__(self) -> str:
        return f"{self.user_id} in {self.round_id}"


class ConsentResponseQuerySet(models.QuerySet["ConsentResponse"]):
    def current(self) -> ConsentResponseQuerySet:
        """Each member's answer that counts: not one they changed while the round was open."""
        return self.filter(replaced_at__isnull=True)


class ConsentResponse(models.Model):
    class Answer(models.TextChoices):
        CONSENT = "consent", _("Consent")
        CONCERN = "concern", _("Consent with a concern")
        OBJECTION = "objection", _("Objection")

    round = models.ForeignKey(ConsentRound, on_delete=models.CASCADE, related_name="responses")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    answer = models.CharField(max_length=10, choices=Answer.choices)
    reason = fields.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    after_round_closed = models.BooleanField(default=False)
    # Set when the member gave another answer while the round was open: both stay on the record,
    # the later one counts.
    replaced_at = models.DateTimeField(null=True, blank=True)

    objects = ConsentResponseQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["round", "user"],
                condition=Q(replaced_at__isnull=True),
                name="one_current_answer_per_member_per_round",
            )
        ]

    def __str__(self) -> str:
        return f"{self.answer} by {self.user_id}"


class Objection(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        WITHDRAWN = "withdrawn", _("Withdrawn by the objector")
        INTEGRATED = "integrated", _("Integrated")

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="objections")
    response = models.OneToOneField(
        ConsentResponse, on_delete=models.PROTECT, related_name="objection"
    )
    version_number = models.PositiveIntegerField()
    objector = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    reason = fields.TextField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    stated_back = fields.TextField(blank=True)
    stated_back_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    stated_back_at = models.DateTimeField(null=True, blank=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    integration = fields.TextField(blank=True)
    integrated_in_version = models.PositiveIntegerField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"objection {self.pk}"

    @property
    def is_heard(self) -> bool:
        return self.confirmed_at is not None


class ObjectionMessage(models.Model):
    objection = models.ForeignKey(Objection, on_delete=models.CASCADE, related_name="messages")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    text = fields.TextField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"message on {self.objection_id}"


class Policy(models.Model):
    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        REVIEW_DUE = "review_due", _("Review due")
        EXPIRED = "expired", _("Expired")
        SUPERSEDED = "superseded", _("Superseded")
        RETIRED = "retired", _("Retired")

    circle = models.ForeignKey(Circle, on_delete=models.PROTECT, related_name="policies")
    title = fields.CharField(max_length=200)
    retired_at = models.DateTimeField(null=True, blank=True)
    superseded_by = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    current_decision = models.ForeignKey(
        "Decision", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    review_on = models.DateField(null=True, blank=True)
    ended_by = models.ForeignKey(
        "Decision", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        help_text=_("The decision that replaced or retired the policy."),
    )  # fmt: skip

    class Meta:
        ordering = ["title"]
        verbose_name_plural = _("policies")

    def __str__(self) -> str:
        return self.title

    @property
    def is_in_force(self) -> bool:
        """Neither replaced by another policy nor retired."""
        return self.superseded_by_id is None and self.retired_at is None

    def status(self, today: dt.date | None = None) -> Policy.Status:
        return policy_status(
            self.superseded_by_id, self.retired_at, self.review_on, today or timezone.localdate()
        )


def policy_status(
    superseded_by_id: int | None,
    retired_at: dt.datetime | None,
    review_on: dt.date | None,
    today: dt.date,
) -> Policy.Status:
    """A policy's status from its columns (`Policy.status`; the register reads rows)."""
    if superseded_by_id is not None:
        return Policy.Status.SUPERSEDED
    if retired_at is not None:
        return Policy.Status.RETIRED
    if review_on is not None:
        if review_on < today:
            return Policy.Status.EXPIRED
        if review_on <= today + dt.timedelta(days=REVIEW_WARNING_DAYS):
            return Policy.Status.REVIEW_DUE
    return Policy.Status.ACTIVE


class Decision(models.Model):
    """A consented proposal, with everything on it. Never edited. A late objection (lazy consent)
    reopens it; the proposal may then be decided again, by a new decision: one stands at a time."""

    proposal = models.ForeignKey(Proposal, on_delete=models.PROTECT, related_name="decisions")
    circle = models.ForeignKey(Circle, on_delete=models.PROTECT, related_name="decisions")
    version = models.ForeignKey(ProposalVersion, on_delete=models.PROTECT, related_name="+")
    consent_round = models.ForeignKey(ConsentRound, on_delete=models.PROTECT, related_name="+")
    policy = models.ForeignKey(
        Policy, on_delete=models.PROTECT, null=True, blank=True, related_name="decisions"
    )
    decided_at = models.DateTimeField(default=timezone.now)
    review_on = models.DateField(null=True, blank=True)
    rationale = fields.TextField(blank=True)
    record = models.JSONField(default=dict)
    ledger_hash = models.CharField(max_length=64, blank=True)
    ledger_sequence = models.PositiveBigIntegerField(default=0)
    reopened_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-decided_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["proposal"],
                condition=Q(reopened_at__isnull=True),
                name="one_standing_decision_per_proposal",
            )
        ]

    def __str__(self) -> str:
        return f"decision {self.pk}"


class BacklogItemQuerySet(models.QuerySet["BacklogItem"]):
    def open(self) -> BacklogItemQuerySet:
        return self.filter(status=BacklogItem.Status.OPEN)


class BacklogItem(models.Model):
    class Outcome(models.TextChoices):
        UNDERSTAND = "understand", _("Understand")
        EXPLORE = "explore", _("Explore")
        DECIDE = "decide", _("Decide")

    class Source(models.TextChoices):
        MEMBER = "member", _("Raised by a member")
        OTHER_CIRCLE = "other_circle", _("Raised from another circle")
        PROPOSAL = "proposal", _("A proposal")
        REVIEW_DUE = "review_due", _("A policy review falls due")
        EARLY_REVIEW = "early_review", _("An early review was called")
        CONSENT_WITHDRAWN = "consent_withdrawn", _("Consent was withdrawn")
        TERM_ENDING = "term_ending", _("A term is ending")
        LAZY_OBJECTION = "lazy_objection", _("An objection after the meeting")
        CIRCLE_ENDED = "circle_ended", _("Left open by a helping circle that ended")

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        DONE = "done", _("Done")
        DROPPED = "dropped", _("Dropped")

    circle = models.ForeignKey(Circle, on_delete=models.PROTECT, related_name="backlog")
    topic = fields.CharField(_("topic"), max_length=200)
    description = fields.TextField(_("details"), blank=True)
    desired_outcome = models.CharField(
        _("desired outcome"), max_length=10, choices=Outcome.choices, default=Outcome.DECIDE
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    source = models.CharField(max_length=20, choices=Source.choices, default=Source.MEMBER)
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    raised_from = models.ForeignKey(
        Circle, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    proposal = models.ForeignKey(
        Proposal, on_delete=models.PROTECT, null=True, blank=True, related_name="backlog_items"
    )
    policy = models.ForeignKey(
        Policy, on_delete=models.PROTECT, null=True, blank=True, related_name="backlog_items"
    )
    assignment = models.ForeignKey(
        "circles.RoleAssignment", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    due_on = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.OPEN)
    created_at = models.DateTimeField(default=timezone.now)
    closed_at = models.DateTimeField(null=True, blank=True)
    # Who closed it by hand ("done" or "dropped") and, for a drop, why. Empty when the process
    # closed it (a decision taken, a term renewed): only a closing by hand can be reopened.
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    close_reason = fields.TextField(_("reason"), blank=True)
    last_reminded_at = models.DateTimeField(null=True, blank=True)
    reminders_sent = models.PositiveIntegerField(default=0)

    objects = BacklogItemQuerySet.as_manager()

    class Meta:
        ordering = ["due_on", "created_at"]
        constraints = [
            # One open review item per policy, and one per ending term: reminders repeat, items don't.
            models.UniqueConstraint(
                fields=["policy", "source"],
                condition=Q(status="open", policy__isnull=False),
                name="one_open_item_per_policy_source",
            ),
            models.UniqueConstraint(
                fields=["assignment"],
                condition=Q(status="open", assignment__isnull=False),
                name="one_open_item_per_term",
            ),
        ]

    def __str__(self) -> str:
        return self.topic
