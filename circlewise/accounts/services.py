"""Writes to a person's own account: their profile, their API tokens, their calendar feed, and
joining by invitation; and, for site staff, deactivating and reactivating an account.

The personal writes change no organisation's state, so (unlike circles/services.py) they append
nothing to any organisation's ledger. Two exceptions: accepting an invitation joins an
organisation and so goes through circles.services.accept_invitation, which appends; and
deactivating or reactivating an account takes the person out of (or back into) the current
members of every organisation they belong to, so each of those organisations' ledgers records it.
"""

from __future__ import annotations

from collections.abc import Callable
from importlib import import_module

from django.conf import settings
from django.contrib.auth import password_validation
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone as django_timezone
from django.utils.translation import gettext as _

from circlewise.circles import services as circle_services
from circlewise.circles.models import Invitation, OrgMembership
from circlewise.core import cache, ledger
from circlewise.core.errors import ServiceError

from . import permissions
from .calendar import new_nonce
from .models import CalendarFeed, PersonalAccessToken, User, hash_token, validate_timezone

TOKEN_NAME_MAX = 100
NAME_MAX = 150
PRONOUNS_MAX = 40


def _clean_profile(*, name: str, pronouns: str, timezone_name: str) -> tuple[str, str, str]:
    name, pronouns = (name or "").strip(), (pronouns or "").strip()
    if not name:
        raise ServiceError(_("Tell us the name people call you by."), field="name")
    if len(name) > NAME_MAX:
        raise ServiceError(
            _("A name can be at most %(max)d characters.") % {"max": NAME_MAX}, field="name"
        )
    if len(pronouns) > PRONOUNS_MAX:
        raise ServiceError(
            _("Pronouns can be at most %(max)d characters.") % {"max": PRONOUNS_MAX},
            field="pronouns",
        )
    try:
        validate_timezone(timezone_name)
    except ValidationError as error:
        raise ServiceError(_("Choose a time zone from the list."), field="timezone") from error
    return name, pronouns, timezone_name


# Profile -------------------------------------------------------------------------------------


@transaction.atomic
def update_profile(*, user: User, name: str, pronouns: str, timezone: str) -> User:
    """Change how a person is named and where their clock is.

    Personal, not organisational: nothing is appended to any organisation's ledger. Events that
    already name the person keep the name they had then, which is what a record should do.
    """
    name, pronouns, timezone = _clean_profile(name=name, pronouns=pronouns, timezone_name=timezone)
    wanted = {"name": name, "pronouns": pronouns, "timezone": timezone}
    changed = [field for field, value in wanted.items() if getattr(user, field) != value]
    for field in changed:
        setattr(user, field, wanted[field])
    if changed:
        user.save(update_fields=changed)
        # Pages cached on the ledger name people; the ledger does not record this change.
        transaction.on_commit(cache.people_changed)
    return user


# Joining by invitation -----------------------------------------------------------------------


def invitation_problem(invitation: Invitation) -> str | None:
    """Why an invitation can no longer be used, in the words circles.services uses; or None."""
    if invitation.accepted_at is not None:
        return _("This invitation has already been used.")
    if invitation.revoked_at is not None:
        return _("This invitation was withdrawn.")
    if invitation.expires_at <= django_timezone.now():
        return _("This invitation has expired. Ask for a new one.")
    return None


@transaction.atomic
def create_account_from_invitation(
    *, raw_token: str, name: str, pronouns: str, timezone: str, password: str
) -> tuple[User, OrgMembership]:
    """Create the account an invitation was sent to and accept the invitation, all or nothing.

    The email address is the invitation's; the invitation's own checks (single use, expiry,
    withdrawal, its one organisation) are made by circles.services.accept_invitation, inside
    this same transaction, so a refused invitation leaves no account behind.
    """
    invitation = (
        Invitation.objects.select_for_update().filter(token_hash=hash_token(raw_token)).first()
    )
    if invitation is None:
        raise ServiceError(_("This invitation link is not valid."), status=404)
    problem = invitation_problem(invitation)
    if problem is not None:
        raise ServiceError(problem, status=410)
    email = invitation.email.strip().lower()
    if User.objects.filter(email__iexact=email).exists():
        raise ServiceError(
            _("An account for %(email)s already exists. Sign in to accept the invitation.")
            % {"email": email},
            status=409,
        )
    name, pronouns, timezone = _clean_profile(name=name, pronouns=pronouns, timezone_name=timezone)
    user = User(email=email, name=name, pronouns=pronouns, timezone=timezone)
    try:
        password_validation.validate_password(password, user)
    except ValidationError as error:
        raise ServiceError(" ".join(error.messages), field="password1") from error
    user.set_password(password)
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError as error:
        raise ServiceError(
            _("An account for %(email)s already exists. Sign in to accept the invitation.")
            % {"email": email},
            status=409,
        ) from error
    membership = circle_services.accept_invitation(raw_token=raw_token, user=user)
    return user, membership


# Personal access tokens ----------------------------------------------------------------------


@transaction.atomic
def create_token(*, user: User, name: str, scope: str) -> tuple[PersonalAccessToken, str]:
    """Create a token for `user`. Returns the stored token and the raw value, shown once.

    Only a SHA-256 hash and the first eight characters (a hint to recognise it by) are stored.
    """
    name = (name or "").strip()
    if not name:
        raise ServiceError(_("Give the token a name, so you can recognise it later."), field="name")
    if len(name) > TOKEN_NAME_MAX:
        raise ServiceError(
            _("A token name can be at most %(max)d characters.") % {"max": TOKEN_NAME_MAX},
            field="name",
        )
    if scope not in PersonalAccessToken.Scope.values:
        raise ServiceError(_("Choose read-only or read-and-write access."), field="scope")
    if not user.is_active:
        raise ServiceError(_("A deactivated account cannot create tokens."))
    raw = PersonalAccessToken.generate()
    token = PersonalAccessToken.objects.create(
        user=user, name=name, scope=scope, token_hash=hash_token(raw), hint=raw[:8]
    )
    return token, raw


@transaction.atomic
def revoke_token(*, user: User, token: PersonalAccessToken) -> PersonalAccessToken:
    """Revoke one of `user`'s own tokens. Revoking an already revoked token changes nothing."""
    locked = PersonalAccessToken.objects.select_for_update().get(pk=token.pk)
    if not permissions.can_manage_token(user, locked):
        raise ServiceError(_("That token is not yours."), status=404)
    if locked.revoked_at is None:
        locked.revoked_at = django_timezone.now()
        locked.save(update_fields=["revoked_at"])
    token.revoked_at = locked.revoked_at
    return locked


# The calendar feed -----------------------------------------------------------------------------


@transaction.atomic
def renew_calendar_feed(*, user: User) -> CalendarFeed:
    """Give the person a (new) secret address for their calendar: any earlier one stops working."""
    if not user.is_active:
        raise ServiceError(_("A deactivated account has no calendar."))
    feed, created = CalendarFeed.objects.select_for_update().get_or_create(
        user=user, defaults={"nonce": new_nonce()}
    )
    if not created:
        feed.nonce = new_nonce()
        feed.created_at = django_timezone.now()
        feed.save(update_fields=["nonce", "created_at"])
    return feed


@transaction.atomic
def stop_calendar_feed(*, user: User) -> bool:
    """Stop the person's calendar feed: its address no longer works. False if there was none."""
    deleted, _rows = CalendarFeed.objects.filter(user=user).delete()
    return bool(deleted)


# Deactivating and reactivating an account ------------------------------------------------------

# What other apps do, in the same transaction, when an account is deactivated (the person, the
# actor). Meetings: every screen the person has open in a meeting room is closed after commit, and
# the rooms they are in show them gone. Each app registers its hook in AppConfig.ready().
ACCOUNT_DEACTIVATED: list[Callable[[User, User], None]] = []


def _record_in_each_organisation(user: User, actor: User, verb: str) -> None:
    """One event in each organisation the person is a member of (their membership not ended),
    in the order of the organisations' ids: the same order of locks in every transaction."""
    memberships = (
        OrgMembership.objects.filter(user=user, ended_at__isnull=True)
        .select_related("organisation")
        .order_by("organisation_id")
    )
    for membership in memberships:
        ledger.append(
            organisation=membership.organisation, actor=actor, verb=verb, obj=membership,
            payload={"user": user.pk, "user_name": user.name},
        )  # fmt: skip


def end_sessions(user: User) -> int:
    """Sign the person out everywhere: delete every session that holds their id, through the
    session engine in use (the cached engines forget their copy too). Django keeps no index of
    sessions by person, so each unexpired session is read; this is done rarely, by staff.
    Returns how many were ended."""
    engine = import_module(settings.SESSION_ENGINE)
    theirs = str(user.pk)
    ended = 0
    live = Session.objects.filter(expire_date__gt=django_timezone.now()).order_by("pk")
    for session in live.iterator(chunk_size=500):
        if str(session.get_decoded().get("_auth_user_id")) == theirs:
            engine.SessionStore(session_key=session.session_key).delete()
            ended += 1
    return ended


@transaction.atomic
def deactivate_account(*, user: User, actor: User) -> User:
    """Deactivate a person's account, for site staff: the person can no longer sign in, is signed
    out everywhere, leaves every organisation's current members (their memberships and history
    stay, for a reactivation and for the record) and every meeting room they have open.

    The organisations they belong to each record it in their ledger; the other apps' hooks
    (ACCOUNT_DEACTIVATED) run in the same transaction."""
    locked = User.objects.select_for_update().get(pk=user.pk)
    permissions.require_change_account_access(actor, locked)
    if not locked.is_active:
        raise ServiceError(
            _("The account of %(name)s is already deactivated.") % {"name": locked.name},
            status=409,
        )
    locked.is_active = False
    locked.save(update_fields=["is_active"])
    user.is_active = False
    _record_in_each_organisation(locked, actor, "account.deactivated")
    end_sessions(locked)
    for hook in ACCOUNT_DEACTIVATED:
        hook(locked, actor)
    cache.nav_changed_on_commit([locked.pk])
    transaction.on_commit(cache.people_changed)
    return locked


@transaction.atomic
def reactivate_account(*, user: User, actor: User) -> User:
    """Reactivate a deactivated account, for site staff: the person can sign in again and is
    back among the current members of the organisations whose membership they never left (each
    records it in its ledger). Circles and roles are as they were left."""
    locked = User.objects.select_for_update().get(pk=user.pk)
    permissions.require_change_account_access(actor, locked)
    if locked.is_active:
        raise ServiceError(
            _("The account of %(name)s is already active.") % {"name": locked.name}, status=409
        )
    locked.is_active = True
    locked.save(update_fields=["is_active"])
    user.is_active = True
    _record_in_each_organisation(locked, actor, "account.reactivated")
    cache.nav_changed_on_commit([locked.pk])
    transaction.on_commit(cache.people_changed)
    return locked
