"""Errors: our own pages for people, JSON for the API, on every path."""

from __future__ import annotations

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def test_an_unknown_page_is_our_own_404_page(world) -> None:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(world.member)
    response = client.get("/o/no-such-organisation/")
    assert response.status_code == 404
    body = response.content.decode()
    assert "There is nothing here" in body
    assert 'href="/"' in body  # a way home, in the usual layout
    assert 'class="skip-link"' in body


def test_an_unknown_api_path_answers_json(world) -> None:  # type: ignore[no-untyped-def]
    response = Client().get("/api/v1/no-such-thing")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")
    assert "/api/v1/docs" in response.json()["detail"]


def test_a_method_an_api_path_does_not_take_answers_json(world) -> None:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(world.member)
    response = client.delete("/api/v1/organisations")
    assert response.status_code == 405
    assert response["Content-Type"].startswith("application/json")
    assert "DELETE" in response.json()["detail"]
    assert "GET" in response["Allow"]


def test_a_forbidden_page_is_our_own_403_page(world) -> None:  # type: ignore[no-untyped-def]
    # An organisation member who is no admin opens the organisation's settings.
    client = Client()
    client.force_login(world.member)
    response = client.get(f"/o/{world.org.slug}/edit/")
    assert response.status_code == 403
    assert "This is not yours to do" in response.content.decode()
