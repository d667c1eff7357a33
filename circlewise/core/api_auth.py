"""How the API knows who is calling: a personal access token, or the browser's session.

A token is sent as `Authorization: Bearer cw_...`. A read-only token may only read: any unsafe
method (POST, PUT, PATCH, DELETE) is refused with 403 before the operation runs. A session works
as in the pages, and its unsafe requests need the CSRF token (the `X-CSRFToken` header).
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja.errors import AuthenticationError, HttpError
from ninja.security import APIKeyCookie, HttpBearer
from ninja.utils import check_csrf

from circlewise.accounts.backends import user_by_pk
from circlewise.accounts.models import PersonalAccessToken, User, hash_token
from circlewise.core.perf.prepared import Prepared

if TYPE_CHECKING:
    from circlewise.core.types import Viewer

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# last_used_at is written at most this often per token, so reads do not turn into writes.
LAST_USED_RESOLUTION = dt.timedelta(minutes=1)


# Read on every API request: compiled once (circlewise.core.perf.prepared).
_token_by_hash = Prepared(
    PersonalAccessToken,
    lambda digest: PersonalAccessToken.objects.filter(token_hash=digest),
    "0" * 64,
)


class TokenAuth(HttpBearer):
    """`Authorization: Bearer cw_...`: a personal access token."""

    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        raw = token.strip()
        found = _token_by_hash.first(hash_token(raw)) if raw else None
        owner = user_by_pk.first(found.user_id) if found is not None else None
        if found is not None and owner is not None:
            found.user = owner
        else:
            found = None
        if found is None or not found.is_active or not found.user.is_active:
            # A bearer token that does not work is an answer, not a reason to try the session.
            raise AuthenticationError(
                message=_("This token is not valid: it may have been revoked. Create a new one.")
            )
        if request.method not in SAFE_METHODS and not found.can_write:
            raise HttpError(
                403,
                _(
                    "This token is read-only, so it cannot change anything. "
                    "Use a read-and-write token for %(method)s requests."
                )
                % {"method": request.method},
            )
        _touch(found)
        request.api_token = found  # type: ignore[attr-defined]
        request.user = found.user
        # The middleware ran before the token was read: "today" is the person's own today.
        _activate_timezone(found.user)
        return found.user


def _activate_timezone(user: User) -> None:
    try:
        timezone.activate(zoneinfo.ZoneInfo(user.timezone))
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        timezone.deactivate()


def _touch(token: PersonalAccessToken) -> None:
    now = timezone.now()
    if token.last_used_at is not None and now - token.last_used_at < LAST_USED_RESOLUTION:
        return
    # One single-row UPDATE (the check above is on the row just read; a concurrent request may
    # write the same minute again, which is harmless).
    PersonalAccessToken.objects.filter(pk=token.pk).update(last_used_at=now)
    token.last_used_at = now


class SessionAuth(APIKeyCookie):
    """The browser's Django session; unsafe methods need the CSRF token.

    Unlike ninja's own SessionAuth, CSRF is checked only once someone is signed in, so an
    anonymous POST is answered 401 (who are you?) rather than 403.
    """

    def __init__(self) -> None:
        self.param_name = settings.SESSION_COOKIE_NAME
        super().__init__(csrf=True)

    def _get_key(self, request: HttpRequest) -> str | None:
        return request.COOKIES.get(self.param_name)

    def authenticate(self, request: HttpRequest, key: str | None) -> User | None:
        user = getattr(request, "user", None)
        if not isinstance(user, User) or not user.is_active:
            return None
        if request.method not in SAFE_METHODS and check_csrf(request) is not None:
            raise HttpError(
                403,
                _(
                    "The CSRF check failed. Send the csrftoken cookie's value in the "
                    "X-CSRFToken header, or use a personal access token."
                ),
            )
        return user


def viewer_of(request: HttpRequest | None) -> Viewer:
    """Whom an answer is for: the authenticated person, or an anonymous visitor."""
    user = getattr(request, "auth", None)
    return user if isinstance(user, User) else AnonymousUser()


def auth_user(request: HttpRequest) -> User:
    """The person the request was authenticated as (operations only run once someone is)."""
    user = getattr(request, "auth", None)
    if not isinstance(user, User):
        raise AuthenticationError(message=_("Sign in or send a personal access token."))
    return user


def request_token(request: HttpRequest) -> PersonalAccessToken | None:
    """The token the request came with, or None for a browser session."""
    token = getattr(request, "api_token", None)
    return token if isinstance(token, PersonalAccessToken) else None


def require_session_or_write_token(request: HttpRequest) -> User:
    """Managing tokens and secret addresses (the calendar's) needs more than a read-only token,
    even to read them."""
    user = auth_user(request)
    token = request_token(request)
    if token is not None and not token.can_write:
        raise HttpError(
            403,
            _(
                "Tokens and secret addresses need a browser session or a read-and-write token: "
                "a read-only token cannot see or change them."
            ),
        )
    return user


api_auth = [TokenAuth(), SessionAuth()]
