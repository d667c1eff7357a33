"""Who may see and do what with a person's own account: their API tokens, their calendar feed,
the invitations sent to their address; and who may deactivate or reactivate an account (site
staff, never their own).

Pages and API operations go through these functions, like every app's permissions.py. A token is
its owner's alone: for anyone else it is missing (404), never forbidden.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.http import Http404
from django.utils.translation import gettext as _

from circlewise.circles.models import Invitation
from circlewise.core.errors import ServiceError

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


def can_change_account_access(actor: Viewer, user: User) -> bool:
    """Whether `actor` may deactivate or reactivate `user`'s account: site staff (the Django
    admin's people) may, for anyone but themselves; only a superuser may for a superuser.
    Organisation admins may not: an account is the person's in every organisation at once."""
    if not _is_signed_in(actor) or not actor.is_active or actor.pk == user.pk:
        return False
    if user.is_superuser:
        return bool(actor.is_superuser)
    return bool(actor.is_staff or actor.is_superuser)


def require_change_account_access(actor: Viewer, user: User) -> None:
    """`can_change_account_access`, or a ServiceError that says why not."""
    if can_change_account_access(actor, user):
        return
    if _is_signed_in(actor) and actor.pk == user.pk:
        raise ServiceError(_("You cannot deactivate or reactivate your own account."), status=403)
    if user.is_superuser and _is_signed_in(actor) and actor.is_active and actor.is_staff:
        raise ServiceError(
            _("Only a superuser can deactivate or reactivate a superuser's account."), status=403
        )
    raise ServiceError(_("Only site staff can deactivate or reactivate accounts."), status=403)
