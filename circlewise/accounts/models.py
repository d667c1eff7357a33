from __future__ import annotations

import hashlib
import secrets
import zoneinfo
from typing import Any, ClassVar

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone as django_timezone
from django.utils.translation import gettext_lazy as _

from circlewise.core import fields


def validate_timezone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(_("“%(value)s” is not a known time zone."), params={"value": value})


def initials_of(name: str, email: str) -> str:
    """A person's initials from their name (or email), for lists read as values, not instances."""
    # The first letter of each of the first two words (marks such as U+202E are skipped).
    words = (name or email).replace(".", " ").split()
    letters = [next((ch for ch in w if ch.isalnum()), "") for w in words]
    return "".join(ch for ch in letters if ch)[:2].upper() or "?"


def avatar_hue_of(user_id: int | None) -> int:
    return (int(user_id or 0) * 47) % 360


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **extra: Any) -> User:
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **extra: Any) -> User:
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self.create_user(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """A person. Signs in with an email address; shown by chosen name and pronouns."""

    email = models.EmailField(_("email address"), unique=True)
    name = fields.CharField(_("name"), max_length=150, help_text=_("The name people call you by."))
    pronouns = fields.CharField(_("pronouns"), max_length=40, blank=True)
    timezone = models.CharField(
        _("time zone"), max_length=64, default="UTC", validators=[validate_timezone]
    )
    is_active = models.BooleanField(_("active"), default=True)
    is_staff = models.BooleanField(_("staff"), default=False)
    date_joined = models.DateTimeField(_("joined"), default=django_timezone.now)

    objects: ClassVar[UserManager] = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["name"]

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("people")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name or self.email

    @property
    def initials(self) -> str:
        return initials_of(self.name, self.email)

    @property
    def avatar_hue(self) -> int:
        return avatar_hue_of(self.pk)

    def get_full_name(self) -> str:
        return self.name

    def get_short_name(self) -> str:
        return self.name.split(" ")[0] if self.name else self.email


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


class PersonalAccessTokenQuerySet(models.QuerySet["PersonalAccessToken"]):
    def active(self) -> PersonalAccessTokenQuerySet:
        return self.filter(revoked_at__isnull=True)


class PersonalAccessToken(models.Model):
    """An API token: stored as a SHA-256 hash, shown to its owner once."""

    class Scope(models.TextChoices):
        READ = "read", _("Read only")
        WRITE = "write", _("Read and write")

    PREFIX = "cw_"

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="tokens")
    name = fields.CharField(_("name"), max_length=100)
    scope = models.CharField(_("access"), max_length=8, choices=Scope.choices, default=Scope.READ)
    token_hash = models.CharField(max_length=64, unique=True)
    hint = models.CharField(max_length=12)
    created_at = models.DateTimeField(default=django_timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = PersonalAccessTokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.hint}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    @property
    def can_write(self) -> bool:
        return self.scope == self.Scope.WRITE

    @classmethod
    def generate(cls) -> str:
        return cls.PREFIX + secrets.token_urlsafe(32)


class CalendarFeed(models.Model):
    """A person's calendar subscription: the deadlines that concern them, at a secret address.

    The address carries a signed token (accounts.calendar.token_for) naming the person and this
    row's nonce; a new address changes the nonce, so every earlier one stops working, and
    deleting the row stops the feed."""

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="calendar_feed")
    nonce = models.CharField(max_length=32)
    created_at = models.DateTimeField(default=django_timezone.now)

    def __str__(self) -> str:
        return f"calendar of {self.user_id}"
