"""Personal access tokens: created with a name and a scope, shown once, stored as a hash."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from circlewise.accounts import services
from circlewise.accounts.models import PersonalAccessToken, hash_token
from circlewise.core.errors import ServiceError
from tests.conftest import World


def test_tokens_page_needs_sign_in(client: Client, db: None) -> None:
    # when
    response = client.get(reverse("tokens"))
    # then
    assert response.status_code == 302


def test_creating_a_token_shows_it_once_and_stores_only_its_hash(
    client: Client, world: World
) -> None:
    # given
    client.force_login(world.member)
    # when
    response = client.post(reverse("tokens"), {"name": "Calendar sync", "scope": "write"})
    # then the raw token is on this page, and only here
    token = PersonalAccessToken.objects.get(user=world.member)
    html = response.content.decode()
    raw = response.context["raw_token"]
    assert raw.startswith("cw_") and raw in html
    assert token.token_hash == hash_token(raw)
    assert token.hint == raw[:8]
    assert token.scope == "write" and token.name == "Calendar sync"
    assert "no-store" in response["Cache-Control"]
    assert raw not in client.get(reverse("tokens")).content.decode()
    assert not PersonalAccessToken.objects.filter(token_hash=raw).exists()


def test_token_list_shows_only_the_persons_own_tokens(client: Client, world: World) -> None:
    # given
    services.create_token(user=world.member, name="Mine", scope="read")
    services.create_token(user=world.outsider, name="Olga's secret laptop", scope="write")
    client.force_login(world.member)
    # when
    html = client.get(reverse("tokens")).content.decode()
    # then
    assert "Mine" in html
    assert "secret laptop" not in html


def test_a_token_needs_a_name(client: Client, world: World) -> None:
    # given
    client.force_login(world.member)
    # when
    response = client.post(reverse("tokens"), {"name": "", "scope": "read"})
    # then
    assert response.status_code == 200
    assert response.context["raw_token"] == ""
    assert not PersonalAccessToken.objects.filter(user=world.member).exists()


def test_service_refuses_an_unknown_scope(world: World) -> None:
    # when / then
    with pytest.raises(ServiceError):
        services.create_token(user=world.member, name="Root", scope="admin")
    assert not PersonalAccessToken.objects.exists()


def test_revoking_a_token_stops_it(client: Client, world: World) -> None:
    # given
    token, _raw = services.create_token(user=world.member, name="Old script", scope="read")
    client.force_login(world.member)
    # when
    response = client.post(reverse("revoke_token", args=[token.pk]))
    # then
    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert not PersonalAccessToken.objects.active().filter(pk=token.pk).exists()


def test_revoking_needs_post(client: Client, world: World) -> None:
    # given
    token, _raw = services.create_token(user=world.member, name="Old script", scope="read")
    client.force_login(world.member)
    # when
    response = client.get(reverse("revoke_token", args=[token.pk]))
    # then
    assert response.status_code == 405
    token.refresh_from_db()
    assert token.revoked_at is None


def test_outsider_cannot_revoke_someone_elses_token(client: Client, world: World) -> None:
    # given
    token, _raw = services.create_token(user=world.member, name="Mo's token", scope="read")
    client.force_login(world.outsider)
    # when
    response = client.post(reverse("revoke_token", args=[token.pk]))
    # then
    assert response.status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None


def test_service_refuses_to_revoke_someone_elses_token(world: World) -> None:
    # given
    token, _raw = services.create_token(user=world.member, name="Mo's token", scope="read")
    # when / then
    with pytest.raises(ServiceError):
        services.revoke_token(user=world.outsider, token=token)
    token.refresh_from_db()
    assert token.revoked_at is None


def test_revoking_twice_keeps_the_first_time(world: World) -> None:
    # given
    token, _raw = services.create_token(user=world.member, name="Twice", scope="read")
    first = services.revoke_token(user=world.member, token=token).revoked_at
    # when
    second = services.revoke_token(user=world.member, token=token).revoked_at
    # then
    assert first is not None and first == second
