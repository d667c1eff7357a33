"""Calling the API as a persona: with a personal access token (write or read-only), revoked, or
as nobody at all."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client

from circlewise.accounts import services as account_services
from circlewise.accounts.models import User
from circlewise.core.models import LedgerEvent

API = "/api/v1"


@dataclass
class Answer:
    status: int
    body: Any
    headers: Any

    @property
    def detail(self) -> str:
        return self.body["detail"] if isinstance(self.body, dict) else ""


def token_for(user: User, scope: str = "write", name: str = "tests") -> str:
    _, raw = account_services.create_token(user=user, name=name, scope=scope)
    return raw


class ApiClient:
    """`api.get("/me", as_=user)` sends a fresh token of `scope` for `user`; `token=` sends a
    given raw token; neither sends no credential at all."""

    def __init__(self, client: Client) -> None:
        self.client = client

    def call(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        as_: User | None = None,
        scope: str = "write",
        token: str | None = None,
        **params: Any,
    ) -> Answer:
        headers = {}
        if as_ is not None and token is None:
            token = token_for(as_, scope)
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        url = path if path.startswith("/api/") else API + path
        handler = getattr(self.client, method.lower())
        if method.upper() == "GET":
            response = handler(url, params, headers=headers)
        else:
            data = body if isinstance(body, str) else json.dumps(body if body is not None else {})
            response = handler(url, data, content_type="application/json", headers=headers)
        if response["Content-Type"].startswith("application/jsonl"):
            # An export of the ledger: streamed JSON lines, read here as a list of objects.
            text = b"".join(response.streaming_content).decode("utf-8")
            return Answer(
                response.status_code, [json.loads(x) for x in text.splitlines()], response
            )
        assert response["Content-Type"].startswith("application/json"), response.content[:300]
        return Answer(response.status_code, json.loads(response.content or b"null"), response)

    def get(self, path: str, **kw: Any) -> Answer:
        return self.call("GET", path, **kw)

    def post(self, path: str, body: Any = None, **kw: Any) -> Answer:
        return self.call("POST", path, body, **kw)

    def patch(self, path: str, body: Any = None, **kw: Any) -> Answer:
        return self.call("PATCH", path, body, **kw)

    def delete(self, path: str, **kw: Any) -> Answer:
        return self.call("DELETE", path, **kw)


@pytest.fixture
def api(client: Client) -> ApiClient:
    return ApiClient(client)


def last_event(organisation_id: int) -> LedgerEvent | None:
    return LedgerEvent.objects.filter(organisation_id=organisation_id).order_by("-sequence").first()


def event_count(organisation_id: int) -> int:
    return LedgerEvent.objects.filter(organisation_id=organisation_id).count()
