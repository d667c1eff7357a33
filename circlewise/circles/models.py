"""Organisations, circles, memberships, roles and their terms."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from circlewise.core import fields

if TYPE_CHECKING:
    from circlewise.core.types import Viewer


class Organisation(models.Model):
    name = fields.CharField(_("name"), max_length=120)
    slug = models.SlugField(_("short name"), max_length=60, unique=True)
    vision = fields.TextField(_("vision"), blank=True)
    mission = fields.TextField(_("mission"), blank=True)
    values = fields.TextField(_("values"), blank=True)
    # Every page and email of the organisation in plain words instead of the sociocratic terms
    # (core.plainwords): for schools, youth groups and newcomers.
    plain_words = models.BooleanField(_("plain words"), default=False)
    created_at = models.DateTimeField(default=timezone.now)
    # The head of the ledger chain, kept beside the organisation so appends lock one row.
    ledger_sequence = models.PositiveBigIntegerField(default=0)
    ledger_head = models.CharField(max_length=64, blank=True)
    # The last event that is no circle's (the organisation's own: members joining or leaving, its
    # name, invitations): with the circles' own last events it versions what a circle's pages
    # show (core.cache.circle_version).
    general_sequence = models.PositiveBigIntegerField(default=0)
    general_head = models.CharField(max_length=64, blank=True)

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class OrgMembershipQuerySet(models.QuerySet["OrgMembership"]):
    def current(self) -> OrgMembershipQuerySet:
        return self.filter(ended_at__isnull=True, user__is_active=True)


class OrgMembership(models.Model):
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="memberships"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="org_memberships"
    )
    is_admin = models.BooleanField(_("organisation admin"), default=False)
    started_at = models.DateTimeField(default=timezone.now)
    ended_at = models.DateTimeField(null=True, blank=True)

    objects = OrgMembershipQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "user"],
                condition=Q(ended_at__isnull=True),
                name="one_current_org_membership",
            )
        ]

    def __str__(self) -> str:
        return f"{self.user_id} in {self.organisation_id}"

    @property
    def is_current(self) -> bool:
        return self.ended_at is None


class Invitation(models.Model):
    """A single-use, expiring invitation to join one organisation."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="invitations"
    )
    email = models.EmailField(_("email address"))
    token_hash = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    make_admin = models.BooleanField(_("make them an organisation admin"), default=False)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.email

    @property
    def is_usable(self) -> bool:
        return (
            self.accepted_at is None
            and self.revoked_at is None
            and self.expires_at > timezone.now()
        )


def circle_hue_of(circle_id: int | None) -> int:
    """A circle's stable colour from its id alone, for lists read as values, not instances."""
    return (int(circle_id or 0) * 137) % 360


class CircleQuerySet(models.QuerySet["Circle"]):
    def active(self) -> CircleQuerySet:
        return self.filter(archived_at__isnull=True)

    def visible_to(self, user: Viewer, organisation: Organisation) -> CircleQuerySet:
        """Open circles of an organisation the person belongs to, and private ones they are in.

        Membership is asked per circle (EXISTS, by the membership's index), not joined: a join
        with every circle's memberships, made distinct again, cost 22 ms at 400 circles and
        5,000 people, for a list the API pages through."""
        open_ones = Q(visibility=Circle.Visibility.OPEN)
        if user.pk is None:  # an anonymous visitor is in no circle
            return self.filter(organisation=organisation).filter(open_ones)
        member = CircleMembership.objects.filter(
            circle_id=OuterRef("pk"), user_id=user.pk, ended_on__isnull=True
        )
        return self.filter(organisation=organisation).filter(open_ones | Exists(member))


class Circle(models.Model):
    class Kind(models.TextChoices):
        MISSION = "mission", _("Mission circle")
        GENERAL = "general", _("General circle")
        DEPARTMENT = "department", _("Department circle")
        HELPING = "helping", _("Helping circle")

    class Visibility(models.TextChoices):
        OPEN = "open", _("Open to the whole organisation")
        PRIVATE = "private", _("Private to its members")

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="circles")
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("parent circle"),
    )
    name = fields.CharField(_("name"), max_length=120)
    slug = models.SlugField(_("short name"), max_length=60)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices, default=Kind.DEPARTMENT)
    aim = fields.TextField(_("aim"), help_text=_("What this circle does."))
    domain = fields.TextField(
        _("domain"), blank=True, help_text=_("What this circle decides. Markdown is allowed.")
    )
    mandate = fields.TextField(
        _("mandate"), blank=True, help_text=_("For a helping circle: what it was set up to do.")
    )
    ends_on = models.DateField(
        _("ends on"), null=True, blank=True, help_text=_("For a helping circle: when it ends.")
    )
    visibility = models.CharField(
        _("visibility"), max_length=8, choices=Visibility.choices, default=Visibility.OPEN
    )
    created_at = models.DateTimeField(default=timezone.now)
    archived_at = models.DateTimeField(null=True, blank=True)
    # Set when a helping circle's end date has passed and its open work went to its parent
    # (decisions.services.helping); cleared when the parent circle extends its mandate.
    ended_at = models.DateTimeField(null=True, blank=True)
    # The last event that changed what this circle's pages show: its own events, and an event of
    # another circle that changed this one's pages too (a sub-circle moved away): the sequence and
    # the hash of that event (core.cache.circle_version).
    ledger_sequence = models.PositiveBigIntegerField(default=0)
    ledger_head = models.CharField(max_length=64, blank=True)

    objects = CircleQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "slug"], name="circle_unique_slug"),
            models.CheckConstraint(
                condition=Q(parent__isnull=True) | ~Q(parent=models.F("pk")),
                name="circle_not_own_parent",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_private(self) -> bool:
        return self.visibility == self.Visibility.PRIVATE

    @property
    def is_archived(self) -> bool:
        return self.archived_at is not None

    @property
    def has_ended(self) -> bool:
        """A helping circle whose mandate ran out: shown as ended, it takes no new work."""
        return self.ended_at is not None

    @property
    def hue(self) -> int:
        """A stable colour for the circle, derived from its id."""
        return circle_hue_of(self.pk)


class CircleMembershipQuerySet(models.QuerySet["CircleMembership"]):
    def current(self) -> CircleMembershipQuerySet:
        return self.filter(ended_on__isnull=True)


class CircleMembership(models.Model):
    """A person's membership of a circle; ended memberships are kept as history."""

    circle = models.ForeignKey(Circle, on_delete=models.PROTECT, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="circle_memberships"
    )
    started_on = models.DateField(_("member since"), default=dt.date.today)
    ended_on = models.DateField(_("member until"), null=True, blank=True)

    objects = CircleMembershipQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["circle", "user"],
                condition=Q(ended_on__isnull=True),
                name="one_current_circle_membership",
            )
        ]

    def __str__(self) -> str:
        return f"{self.user_id} in {self.circle_id}"


class Role(models.Model):
    class Kind(models.TextChoices):
        LEADER = "leader", _("Leader")
        DELEGATE = "delegate", _("Delegate")
        FACILITATOR = "facilitator", _("Facilitator")
        SECRETARY = "secretary", _("Secretary")
        CUSTOM = "custom", _("Role")

    CIRCLE_ROLES = (Kind.LEADER, Kind.DELEGATE, Kind.FACILITATOR, Kind.SECRETARY)

    circle = models.ForeignKey(Circle, on_delete=models.PROTECT, related_name="roles")
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices, default=Kind.CUSTOM)
    name = fields.CharField(_("name"), max_length=120)
    aim = fields.TextField(_("aim"), blank=True)
    domain = fields.TextField(_("domain"), blank=True)
    responsibilities = fields.TextField(_("responsibilities"), blank=True)
    # What the circle looks for in whoever holds the role: consented in a selection, one per
    # line, and the starting list of the role's next selection.
    qualifications = fields.TextField(_("qualifications"), blank=True)
    default_term_months = models.PositiveSmallIntegerField(_("default term (months)"), default=12)
    created_at = models.DateTimeField(default=timezone.now)
    archived_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["circle", "kind", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["circle", "kind"],
                condition=~Q(kind="custom"),
                name="one_circle_role_of_each_kind",
            ),
            models.CheckConstraint(
                condition=Q(default_term_months__gte=1) & Q(default_term_months__lte=60),
                name="role_term_between_1_and_60_months",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_circle_role(self) -> bool:
        return self.kind != self.Kind.CUSTOM

    @property
    def sort_key(self) -> int:
        order = [k.value for k in self.CIRCLE_ROLES]
        return order.index(self.kind) if self.kind in order else len(order)


class TermStatus(models.TextChoices):
    CURRENT = "current", _("current")
    ENDING = "ending", _("ending soon")
    EXPIRED = "expired", _("expired")
    ENDED = "ended", _("ended")


class RoleAssignmentQuerySet(models.QuerySet["RoleAssignment"]):
    def current(self) -> RoleAssignmentQuerySet:
        """Assignments not ended early (an expired term still counts until someone acts)."""
        return self.filter(ended_on__isnull=True)

    def needing_attention(self, today: dt.date, days: int) -> RoleAssignmentQuerySet:
        return self.current().filter(term_end__lte=today + dt.timedelta(days=days))


class RoleAssignment(models.Model):
    """A person holding a role for a term. Ended assignments are kept."""

    role = models.ForeignKey(Role, on_delete=models.PROTECT, related_name="assignments")
    holder = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="role_assignments"
    )
    term_start = models.DateField(_("term starts"))
    term_end = models.DateField(_("term ends"))
    ended_on = models.DateField(_("ended early on"), null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects = RoleAssignmentQuerySet.as_manager()

    class Meta:
        ordering = ["term_end"]
        constraints = [
            models.CheckConstraint(
                condition=Q(term_end__gt=models.F("term_start")), name="term_ends_after_start"
            )
        ]

    def __str__(self) -> str:
        return f"{self.holder_id} as {self.role_id}"

    def status(self, today: dt.date | None = None) -> TermStatus:
        today = today or timezone.localdate()
        if self.ended_on is not None:
            return TermStatus.ENDED
        if self.term_end < today:
            return TermStatus.EXPIRED
        if self.term_end <= today + dt.timedelta(days=settings.TERM_WARNING_DAYS):
            return TermStatus.ENDING
        return TermStatus.CURRENT

    def days_left(self, today: dt.date | None = None) -> int:
        today = today or timezone.localdate()
        return (self.term_end - today).days
