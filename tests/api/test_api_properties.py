"""Every API operation of the OpenAPI document, fed what Hypothesis and Schemathesis make of its
schema, valid and invalid, answers without a server error.

Schemathesis builds requests from the document itself (`circlewise.api.api`), so a new operation is
covered as soon as it exists. The calls go through the whole WSGI stack in the test's own
transaction, as Fay (Garden's facilitator, a member of Care too), with a personal access token of
her own per call. Path parameters are sometimes swapped for ids of real objects (a draft, a round
with an objection, a policy...), so that requests reach past "not found" into the services.

Bounded and deterministic: a fixed number of examples per operation (CW_API_EXAMPLES, default
below) drawn from a derandomised Hypothesis, no example database.
"""

from __future__ import annotations

import json
import os
from typing import Any

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from circlewise.api import api as ninja_api
from circlewise.circles.models import RoleAssignment
from circlewise.decisions.models import Decision

from . import operations_decisions as ops
from .conftest import token_for

EXAMPLES = int(os.environ.get("CW_API_EXAMPLES", "12"))

schema = schemathesis.openapi.from_dict(json.loads(json.dumps(ninja_api.get_openapi_schema())))
schema.app = get_wsgi_application()

# The ids of real objects, by path parameter name, for the test running now.
KNOWN: dict[str, list[Any]] = {}
# What a careless or hostile client sends beyond the schema's own edges: numbers no BIGINT holds,
# and text no database stores (a lone surrogate, a NUL character).
NUMBERS = [2**63, 2**64, -(2**63) - 1]


def _odd(value: Any, *, in_json: bool = True) -> Any:
    """`value`, or its numbers and strings made odd (a lone surrogate only in JSON: an address
    cannot carry one, its UTF-8 encoding does not exist)."""
    if isinstance(value, bool) or value is None:
        return st.just(value)
    if isinstance(value, int):
        return st.sampled_from([value, *NUMBERS])
    if isinstance(value, str):
        return st.sampled_from([value, "\x00" + value, *([value + "\ud800"] if in_json else [])])
    if isinstance(value, dict):
        return st.fixed_dictionaries({k: _odd(v, in_json=in_json) for k, v in value.items()})
    if isinstance(value, list):
        return st.tuples(*(_odd(v, in_json=in_json) for v in value)).map(list)
    return st.just(value)


@schema.hook
def flatmap_path_parameters(context: Any, path_parameters: dict[str, Any]) -> Any:
    """Each parameter as generated, a real object's id (or the organisation's slug), or, for a
    number, one that no database holds."""
    if not path_parameters:
        return st.just(path_parameters)
    choices = {
        name: st.sampled_from([value, *KNOWN.get(name, []), *NUMBERS])
        if isinstance(value, int) and not isinstance(value, bool)
        else st.sampled_from([value, *KNOWN.get(name, [])])
        for name, value in path_parameters.items()
    }
    return st.fixed_dictionaries(choices)


@schema.hook
def flatmap_query(context: Any, query: dict[str, Any]) -> Any:
    return st.one_of(st.just(query), _odd(query, in_json=False)) if query else st.just(query)


@schema.hook
def flatmap_body(context: Any, body: Any) -> Any:
    return st.one_of(st.just(body), _odd(body))


@pytest.fixture
def _one_connection():
    """Requests keep the test's connection (and its transaction), as Django's test client does:
    the WSGI handler would otherwise close it between requests."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def known(world) -> dict[str, list[Any]]:
    """Objects in each state of the consent process, in Garden, for the requests to reach (and
    the selection of Garden's secretary, its nominations open, that Fay facilitates)."""
    from tests.selections.helpers import nominating

    w, c = world, world.garden
    draft = ops.draft(w, c, title="A draft")
    question = ops._question(w, c)
    amendment = ops._amendment(w, c)
    round_ = ops.consent_round(w, c)
    objection = ops.objection(w, c)
    policy = ops._policy(w, c)
    item = ops._item(w, c)
    proposals = [draft.pk, round_.proposal_id, objection.proposal_id]
    KNOWN.clear()
    KNOWN.update(
        {
            "slug": [w.org.slug, w.other_org.slug],
            "circle_id": [w.garden.pk, w.care.pk, w.general.pk],
            "user_id": [w.member.pk, w.circle_member.pk, w.facilitator.pk],
            "proposal_id": proposals,
            "question_id": [question],
            "amendment_id": [amendment],
            "round_id": [round_.pk],
            "objection_id": [objection.pk],
            "decision_id": list(Decision.objects.values_list("pk", flat=True)),
            "policy_id": [policy],
            "item_id": [item, ops._dropped_item(w, c)],
            "role_id": list(w.garden.roles.values_list("pk", flat=True)[:3]),
            "selection_id": [nominating(w).pk],
            "assignment_id": list(
                RoleAssignment.objects.filter(role__circle=w.garden).values_list("pk", flat=True)
            ),
        }
    )
    yield KNOWN
    KNOWN.clear()


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_no_api_operation_answers_with_a_server_error(case, world, known, _one_connection):
    # given Fay, signed in with a personal access token of her own
    headers = {"Authorization": f"Bearer {token_for(world.facilitator)}"}
    # when the operation is called with what the schema (and outside it) gives
    response = case.call(headers=headers)
    # then it answers, never with a server error, and always in JSON
    assert response.status_code < 500, (
        f"{case.method} {case.formatted_path} -> {response.status_code}: {response.text[:500]}"
    )
    content_type = {k.lower(): v for k, v in response.headers.items()}.get("content-type", [""])
    assert content_type[0].startswith("application/json"), (
        f"{case.method} {case.formatted_path} answered {content_type}"
    )
