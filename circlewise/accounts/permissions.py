"""Who may see and do what with a person's own account: their API tokens, their calendar feed,
and the invitations sent to their address.

Pages and API operations go through these functions, like every app's permissions.py. A token is
its owner's alone: for anyone else it is missing (404), never forbidden.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.http import Http404

from circlewise.circles.models import Invitation

from .models import CalendarFeed, PersonalAccessToken

if TYPE_CHECKING:
    from typing_extensions import TypeIs

    from circlewise.accounts.models import User
    from circlewise.core.types import Viewer


def _is_signed_in(user: Viewer | None) -> TypeIs[User]:
    return bool(user is not None and user.is_authenticated)


def can_manage_token(user: Viewer, token: PersonalAccessToken) -> bool:
    """Only the person a token belongs to sees it, lists it or revokes it."""
    return _is_signed_in(user) and token.user_id == user.pk


def get_token_for(user: Viewer, token_id: int) -> PersonalAccessToken:
    """The person's own token; anyone else's, like one that does not exist, is missing (404)."""
    token = PersonalAccessToken.objects.filter(pk=token_id).first()
    if token is None or not can_manage_token(user, token):
        raise Http404
    return token


def can_accept_invitation(user: Viewer, invitation: Invitation) -> bool:
    """An invitation is accepted by the account of the address it was sent to (in any case)."""
    return _is_signed_in(user) and user.email.lower() == invitation.email.lower()


def get_calendar_feed_for(token: str) -> CalendarFeed:
    """The calendar feed a secret address opens, to anyone who has it (a calendar application
    does not sign in); a token not signed here, replaced by a newer address, or of a deactivated
    account is missing (404)."""
    from .calendar import feed_from_token

    feed = feed_from_token(token)
    if feed is None:
        raise Http404
    return feed
