"""Reads about a person's own account. Nothing here writes."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import QuerySet

from .models import PersonalAccessToken

if TYPE_CHECKING:
    from circlewise.accounts.models import User


def tokens_of(user: User) -> QuerySet[PersonalAccessToken]:
    """The person's own tokens (nobody else's is ever in the list), in no particular order."""
    return PersonalAccessToken.objects.filter(user_id=user.pk)
