"""accounts/permissions.py: a token is its owner's alone, and an invitation is accepted by the
account of the address it was sent to."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import Http404

from circlewise.accounts import permissions, services
from circlewise.circles import services as circles
from circlewise.core.errors import ServiceError
from tests.conftest import World


def test_only_the_owner_manages_a_token(world: World) -> None:
    # given a token of the member's
    token, _raw = services.create_token(user=world.member, name="laptop", scope="read")
    # then the member may manage it, nobody else may
    assert permissions.can_manage_token(world.member, token)
    for other in (world.admin, world.outsider, AnonymousUser(), None):
        assert not permissions.can_manage_token(other, token)


def test_someone_elses_token_is_missing_like_one_that_does_not_exist(world: World) -> None:
    # given a token of the member's
    token, _raw = services.create_token(user=world.member, name="laptop", scope="read")
    # when the owner and others ask for it
    assert permissions.get_token_for(world.member, token.pk) == token
    # then for anyone else it is missing, as is a token that never was
    with pytest.raises(Http404):
        permissions.get_token_for(world.admin, token.pk)
    with pytest.raises(Http404):
        permissions.get_token_for(world.member, token.pk + 1000)


def test_the_revoke_service_keeps_to_the_same_rule(world: World) -> None:
    token, _raw = services.create_token(user=world.member, name="laptop", scope="read")
    with pytest.raises(ServiceError):
        services.revoke_token(user=world.admin, token=token)
    token.refresh_from_db()
    assert token.revoked_at is None


def test_an_invitation_is_for_the_account_of_its_address_in_any_case(world: World) -> None:
    invitation, _raw = circles.invite(
        organisation=world.org, email="New.Person@Example.org", actor=world.admin
    )
    world.member.email = "NEW.person@example.org"
    assert permissions.can_accept_invitation(world.member, invitation)
    assert not permissions.can_accept_invitation(world.admin, invitation)
    assert not permissions.can_accept_invitation(AnonymousUser(), invitation)
