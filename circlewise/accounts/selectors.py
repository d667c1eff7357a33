"""Reads about a person's own account. Nothing here writes."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from .models import PersonalAccessToken


def tokens_of(user: Any) -> QuerySet[PersonalAccessToken]:
    """The person's own tokens (nobody else's is ever in the list), in no particular order."""
    return PersonalAccessToken.objects.filter(user_id=user.pk)
