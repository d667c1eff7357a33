"""Authentication backends: Django's and allauth's, with the signed-in user read on every request
through a query compiled once (`circlewise.core.perf.prepared`)."""

from __future__ import annotations

from typing import Any

from allauth.account.auth_backends import AuthenticationBackend as AllauthBackend
from django.contrib.auth.backends import ModelBackend as DjangoModelBackend

from circlewise.accounts.models import User
from circlewise.core.perf.prepared import Prepared

# Read on every signed-in request and every API request: compiled once.
user_by_pk = Prepared(User, lambda pk: User.objects.filter(pk=pk), 1)


def _get_user(backend: DjangoModelBackend, user_id: Any) -> User | None:
    try:
        user = user_by_pk.first(user_id)
    except (TypeError, ValueError):  # a session holding something that is not an id
        return None
    return user if user is not None and backend.user_can_authenticate(user) else None


class ModelBackend(DjangoModelBackend):
    def get_user(self, user_id: Any) -> User | None:
        return _get_user(self, user_id)


class AuthenticationBackend(AllauthBackend):  # type: ignore[misc]
    def get_user(self, user_id: Any) -> User | None:
        return _get_user(self, user_id)
