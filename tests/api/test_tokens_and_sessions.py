"""Tokens, `me`, and the browser session as a way in."""

from __future__ import annotations

import datetime as dt

from django.test import Client
from django.utils import timezone

from circlewise.accounts.models import PersonalAccessToken, hash_token

from .conftest import token_for


def test_me_tells_who_and_how(world, api):
    # given Mo with a read-only token
    # when he asks who he is
    answer = api.get("/me", as_=world.member, scope="read")
    # then the answer is about him and the token
    assert answer.status == 200
    assert answer.body["email"] == "mo@example.org"
    assert answer.body["authenticated_by"] == "token"
    assert answer.body["token_scope"] == "read"


def test_token_created_is_shown_once_and_stored_hashed(world, api):
    # given Mo with a write token
    # when he creates a read-only token for a script
    answer = api.post("/tokens", {"name": "Calendar sync", "scope": "read"}, as_=world.member)
    # then the raw token comes back once, works, and only its hash is stored
    assert answer.status == 201
    raw = answer.body["token"]
    assert raw.startswith("cw_")
    stored = PersonalAccessToken.objects.get(pk=answer.body["id"])
    assert stored.token_hash == hash_token(raw)
    assert raw not in stored.token_hash
    assert api.get("/me", token=raw).body["token_scope"] == "read"
    listed = api.get("/tokens", as_=world.member).body["items"]
    assert all("token" not in t for t in listed)
    assert "Calendar sync" in [t["name"] for t in listed]


def test_token_name_is_required(world, api):
    # given Mo
    # when he creates a token without a name
    answer = api.post("/tokens", {"name": "", "scope": "write"}, as_=world.member)
    # then the field is named
    assert answer.status == 422
    assert answer.body["errors"][0]["field"] == "name"


def test_tokens_list_only_mine(world, api):
    # given a token of Ada's
    token_for(world.admin, name="Ada's script")
    # when Mo lists tokens
    answer = api.get("/tokens", as_=world.member)
    # then Ada's is not among them
    assert "Ada's script" not in [t["name"] for t in answer.body["items"]]


def test_revoke_my_token(world, api):
    # given a token of Mo's
    raw = token_for(world.member, scope="read")
    token = PersonalAccessToken.objects.get(token_hash=hash_token(raw))
    # when he revokes it with another (write) token
    answer = api.delete(f"/tokens/{token.pk}", as_=world.member)
    # then it is revoked and stops working at once
    assert answer.status == 200
    assert answer.body["is_active"] is False
    assert api.get("/me", token=raw).status == 401


def test_someone_elses_token_cannot_be_revoked(world, api):
    # given a token of Ada's
    raw = token_for(world.admin)
    token = PersonalAccessToken.objects.get(token_hash=hash_token(raw))
    # when Olga, an outsider, revokes it
    answer = api.delete(f"/tokens/{token.pk}", as_=world.outsider)
    # then it does not exist for her, and still works
    assert answer.status == 404
    assert api.get("/me", token=raw).status == 200


def test_last_used_is_written_at_most_once_a_minute(world, api):
    # given a token used once
    raw = token_for(world.member, scope="read")
    api.get("/me", token=raw)
    token = PersonalAccessToken.objects.get(token_hash=hash_token(raw))
    first = token.last_used_at
    assert first is not None
    # when it is used again at once
    api.get("/me", token=raw)
    # then last_used_at did not move
    token.refresh_from_db()
    assert token.last_used_at == first
    # and when it was last used over a minute ago, the next use moves it
    PersonalAccessToken.objects.filter(pk=token.pk).update(
        last_used_at=timezone.now() - dt.timedelta(minutes=2)
    )
    api.get("/me", token=raw)
    token.refresh_from_db()
    assert token.last_used_at > first


def test_authorization_header_that_is_not_bearer_is_unauthenticated(world, client):
    # given a Basic header
    # when it is sent
    response = client.get("/api/v1/me", headers={"Authorization": "Basic bW86cGFzcw=="})
    # then nobody is signed in
    assert response.status_code == 401
    assert response.json()["detail"].startswith("Authentication required")


def test_session_reads_and_writes_with_csrf(world):
    # given Mo signed in in a browser that enforces CSRF
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(world.member)
    # when he reads, and then writes without and with the CSRF token
    me = browser.get("/api/v1/me")
    without = browser.post("/api/v1/tokens", {"name": "x"}, content_type="application/json")
    browser.get("/api/v1/docs")  # any page that sets the CSRF cookie
    csrf = browser.cookies["csrftoken"].value
    with_token = browser.post(
        "/api/v1/tokens", {"name": "x"}, content_type="application/json",
        headers={"X-CSRFToken": csrf},
    )  # fmt: skip
    # then the read works, the write without CSRF is refused in JSON, the one with it works
    assert me.status_code == 200
    assert me.json()["authenticated_by"] == "session"
    assert without.status_code == 403
    assert "CSRF" in without.json()["detail"]
    assert with_token.status_code == 201


def test_anonymous_write_is_401_not_a_csrf_failure(db):
    # given nobody signed in, in a browser that enforces CSRF
    browser = Client(enforce_csrf_checks=True)
    # when a write is attempted
    response = browser.post("/api/v1/tokens", {"name": "x"}, content_type="application/json")
    # then the answer is "who are you?"
    assert response.status_code == 401


def test_session_of_a_member_sees_their_organisation(world, client):
    # given Ada signed in
    client.force_login(world.admin)
    # when she reads Willow
    response = client.get("/api/v1/organisations/willow")
    # then she sees it
    assert response.status_code == 200
    assert response.json()["slug"] == "willow"
