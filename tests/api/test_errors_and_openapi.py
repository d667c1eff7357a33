"""Errors are JSON sentences; the OpenAPI document and the docs page are served."""

from __future__ import annotations

import json

from django.contrib.staticfiles import finders

from .operations import OPS


def test_body_that_is_not_json_is_a_readable_422(world, api):
    # given an admin
    # when the body is not JSON
    answer = api.patch("/organisations/willow", "{name: oops", as_=world.admin)
    # then the answer says so in a sentence
    assert answer.status in (400, 422)
    assert "JSON" in answer.detail


def test_missing_field_is_named(world, api):
    # given an admin
    # when a circle is created without an aim
    answer = api.post("/organisations/willow/circles", {"name": "Kitchen"}, as_=world.admin)
    # then the missing field is named, both in the sentence and in the list
    assert answer.status == 422
    assert answer.body["errors"] == [{"field": "aim", "message": "Field required"}]
    assert answer.detail == "Check the request: aim: Field required"


def test_path_parameter_of_the_wrong_type_is_named(world, api):
    # given a member
    # when a circle id is not a number
    answer = api.get("/circles/garden", as_=world.member)
    # then the parameter is named
    assert answer.status == 422
    assert answer.body["errors"][0]["field"] == "circle_id"


def test_missing_object_is_404_not_found(world, api):
    # given a member
    # when a circle that never existed is read
    answer = api.get("/circles/999999", as_=world.member)
    # then the answer is the plain 404
    assert answer.status == 404
    assert answer.body == {"detail": "Not found."}


def test_openapi_document_is_valid_json_listing_every_operation(client):
    # given nobody signed in
    # when the OpenAPI document is fetched
    response = client.get("/api/v1/openapi.json")
    # then it is JSON listing every operation once, each with a tag, and both ways in
    assert response.status_code == 200
    document = json.loads(response.content)
    assert document["openapi"].startswith("3.")
    operations = [op for path in document["paths"].values() for op in path.values()]
    ids = [op["operationId"] for op in operations]
    assert len(ids) == len(set(ids))
    assert set(ids) == {op.operation_id for op in OPS}
    assert all(op.get("tags") for op in operations)
    assert set(document["components"]["securitySchemes"]) == {"TokenAuth", "SessionAuth"}


def test_docs_page_loads_its_assets_from_this_site(client):
    # given the site's Content-Security-Policy allows scripts from itself only
    # when the docs page is fetched
    response = client.get("/api/v1/docs")
    # then it uses Swagger UI from the site's own static files, which exist, and no CDN
    assert response.status_code == 200
    html = response.content.decode()
    assert "/static/ninja/swagger-ui-bundle.js" in html
    assert "cdn" not in html.lower()
    assert finders.find("ninja/swagger-ui-bundle.js")
    assert finders.find("ninja/swagger-ui-init.js")
    assert "script-src 'self'" in response["Content-Security-Policy"]


def test_the_schema_is_made_once_and_is_what_ninja_makes(client):
    from ninja.openapi.schema import get_schema

    from circlewise.api import api

    # when the schema is asked for twice
    first = client.get("/api/v1/openapi.json").json()
    again = client.get("/api/v1/openapi.json").json()
    # then it is the same schema, made once, and it is the one ninja makes from the routers
    assert first == again
    assert api.get_openapi_schema(path_prefix="/api/v1/") is api.get_openapi_schema(
        path_prefix="/api/v1/"
    )
    assert first == json.loads(json.dumps(get_schema(api=api, path_prefix="/api/v1/")))
    assert "/api/v1/organisations" in first["paths"]
