"""Who may see and do what with a person's own account: their API tokens, and the invitations
sent to their address.

Pages and API operations go through these functions, like every app's permissions.py. A token is
its owner's alone: for anyone else it is missing (404), never forbidden.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.http import Http404

from circlewise.circles.models import Invitation

from .models import PersonalAccessToken

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
