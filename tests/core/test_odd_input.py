"""Odd input gets a clear 4xx and changes nothing, on every page and API operation: ids beyond
what the database holds, huge page numbers, a NUL character or a lone surrogate in any text.

Each request runs in a savepoint that is rolled back (a database error would otherwise break the
test's transaction on PostgreSQL), and the organisation's ledger is counted around it.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from django.db import transaction
from django.test import Client
from django.urls import reverse

from circlewise.core.models import LedgerEvent

from .. import permission_table as table
from ..api.conftest import token_for
from ..api.operations import OPS

HUGE = str(2**64)  # 18446744073709551616: no BIGINT holds it
BEYOND = str(2**63)  # the first number no BIGINT holds


class _Rollback(Exception):
    pass


def _request(client: Client, method: str, url: str, **kwargs: Any) -> Any:
    response = None
    try:
        with transaction.atomic():
            response = getattr(client, method.lower())(url, **kwargs)
            raise _Rollback
    except _Rollback:
        pass
    return response


def _events(world) -> int:
    return LedgerEvent.objects.filter(organisation=world.org).count()


def _page_routes() -> list[str]:
    return [r.pattern for r in table.found_routes() if r.kind == "page" and "<int:" in r.pattern]


def _api_routes(with_param: str = "_id}") -> list[tuple[str, str]]:
    return [
        tuple(r.key.split(" ", 1))  # type: ignore[misc]
        for r in table.found_routes()
        if r.kind == "api" and with_param in r.key
    ]


def _fill(pattern: str, number: str) -> str:
    values = {"org": "willow", "slug": "willow", "circle": "garden"}
    return re.sub(
        r"<(?:\w+:)?(\w+)>|{(\w+)}",
        lambda m: values.get(m.group(1) or m.group(2), number),
        pattern,
    )


def _api(client: Client, world, method: str, url: str, body: Any = None, **kwargs: Any) -> Any:
    headers = {"Authorization": f"Bearer {token_for(world.admin)}"}
    if method == "GET":
        return _request(client, method, url, headers=headers, **kwargs)
    data = body if isinstance(body, str) else json.dumps(body or {})
    return _request(
        client, method, url, data=data, content_type="application/json", headers=headers
    )


def test_an_id_beyond_the_database_is_not_found_on_every_page(client, world):
    # given the admin, who may see everything in Willow
    client.force_login(world.admin)
    client.raise_request_exception = False
    before = _events(world)
    checked = 0
    for pattern in _page_routes():
        for number in (HUGE, BEYOND):
            url = "/" + _fill(pattern, number)
            for method in ("GET", "POST"):
                # when a page is asked for with an id no database holds
                response = _request(client, method, url)
                # then it is not found (or the method is not taken), never an error
                assert response.status_code in (404, 405), (method, url, response.status_code)
                checked += 1
    assert checked > 40
    assert _events(world) == before


def test_an_id_beyond_the_database_is_not_found_in_every_api_operation(client, world):
    client.raise_request_exception = False
    before = _events(world)
    routes = _api_routes()
    assert len(routes) > 40
    for method, path in routes:
        for number in (HUGE, BEYOND):
            url = _fill(path, number)
            # when an operation is called with an id no database holds
            response = _api(client, world, method, url)
            # then it answers 404 in JSON
            assert response.status_code == 404, (method, url, response.status_code)
            assert response["Content-Type"].startswith("application/json"), url
    assert _events(world) == before


def _paginated_operations() -> list[str]:
    from circlewise.api import api

    document = api.get_openapi_schema()
    return [
        path
        for path, operations in document["paths"].items()
        if any(p["name"] == "page" for p in operations.get("get", {}).get("parameters", []))
    ]


def test_a_huge_page_number_is_refused_with_a_reason_by_every_paged_api_operation(client, world):
    client.raise_request_exception = False
    paths = _paginated_operations()
    assert len(paths) > 10
    for path in paths:
        url = _fill(path, str(world.garden.pk))
        for query in ({"page": "99999999999999999999"}, {"page_size": "99999999999999999999"}):
            # when a list is asked for a page no list has
            response = _api(client, world, "GET", url, **{"data": query})
            # then it answers 422, naming the parameter
            assert response.status_code == 422, (url, query, response.status_code)
            (name,) = query
            assert name in response.json()["errors"][0]["field"]


def test_a_huge_page_number_on_a_paged_page_is_refused_with_a_reason(client, world):
    client.force_login(world.member)
    # when the notifications are asked for a page no list has
    response = client.get(reverse("notifications:list"), {"page": "99999999999999999999"})
    # then the page says what was wrong
    assert response.status_code == 400
    assert "The page number must be a whole number" in response.content.decode()
    # and the feeds take any "before" as they take a missing one
    for name in ("circles:org_feed",):
        page = client.get(reverse(name, args=["willow"]), {"before": "99999999999999999999"})
        assert page.status_code == 200


def _strings(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    if isinstance(value, str):
        return [path]
    if isinstance(value, dict):
        return [p for k, v in value.items() for p in _strings(v, (*path, k))]
    if isinstance(value, list):
        return [p for i, v in enumerate(value) for p in _strings(v, (*path, i))]
    return []


def _planted(body: Any, path: tuple[Any, ...], text: str) -> Any:
    body = json.loads(json.dumps(body))
    target = body
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = text
    return body


@pytest.mark.parametrize("odd", ["\ud800", "a\x00b"], ids=["lone surrogate", "NUL"])
def test_an_unstorable_character_in_any_text_field_of_the_api_is_refused(client, world, odd):
    client.raise_request_exception = False
    checked = []
    for op in OPS:
        actor = op.actor(world) if hasattr(op, "actor") else world.admin
        method, path, body = op.build(world, world.garden)
        for field in _strings(body):
            before = _events(world)
            # when a request that would work carries the character in one of its texts
            headers = {"Authorization": f"Bearer {token_for(actor)}"}
            response = _request(
                client, method, "/api/v1" + path, data=json.dumps(_planted(body, field, odd)),
                content_type="application/json", headers=headers,
            )  # fmt: skip
            # then it is refused with 422, naming the field, and nothing changed
            assert response.status_code == 422, (op, field, response.status_code)
            assert response.json()["errors"][0]["field"] == ".".join(map(str, field))
            assert _events(world) == before
            checked.append((op.operation_id, field))
    assert len(checked) > 20


def test_a_number_beyond_the_database_in_a_body_or_query_is_refused(client, world):
    client.raise_request_exception = False
    # when a body names a person by a number no database holds
    answer = _api(
        client, world, "POST", f"/api/v1/circles/{world.garden.pk}/members", {"user_id": 2**64}
    )
    # then it is refused with 422, naming the field
    assert answer.status_code == 422
    assert answer.json()["errors"][0]["field"] == "user_id"
    # and so is such a number in a query string
    listing = _api(
        client, world, "GET", "/api/v1/organisations/willow/circles", data={"parent": HUGE}
    )
    assert listing.status_code == 422
    assert listing.json()["errors"][0]["field"] == "parent"


def test_a_nul_character_in_an_address_is_refused_on_pages_and_in_the_api(client, world):
    client.force_login(world.admin)
    client.raise_request_exception = False
    for url in ("/o/willow/policies/?circle=%00", "/o/willow/circles/new/?parent=a%00b"):
        # when a page's address carries a NUL character
        response = _request(client, "GET", url)
        # then our page says the address cannot be read
        assert response.status_code == 400, url
        assert "The address cannot be read" in response.content.decode()
    for url in ("/api/v1/organisations/wil%00low", "/api/v1/organisations/willow/feed?x=%00"):
        response = _api(client, world, "GET", url)
        assert response.status_code == 400, url
        assert response["Content-Type"].startswith("application/json")


def test_a_body_too_large_is_refused_in_json_by_the_api(client, world):
    client.raise_request_exception = False
    # when a body larger than Django reads in memory is sent
    answer = _api(client, world, "POST", "/api/v1/tokens", json.dumps({"name": "x" * 3_000_000}))
    # then the API answers 400 in JSON, as every error of it
    assert answer.status_code == 400
    assert answer["Content-Type"].startswith("application/json")
    assert "too large" in answer.json()["detail"]
