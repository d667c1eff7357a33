"""Who may call each operation: anonymous, revoked and read-only tokens, outsiders, and members
without rights, for every operation of the API."""

from __future__ import annotations

import pytest

from circlewise.api import api as ninja_api

from .conftest import token_for
from .operations import CIRCLE_OPS, METHODS, OPS, ORG_OPS, WRITES, Op

# One read and one write of each kind, where the whole table would only repeat itself.
SAMPLE = {"getMe", "createToken", "getOrganisation", "updateCircle", "assignRole", "verifyLedger"}


def test_the_table_lists_every_operation_of_the_api():
    # given the operations the API serves
    schema = ninja_api.get_openapi_schema()
    served = {
        op["operationId"]: method.upper()
        for path in schema["paths"].values()
        for method, op in path.items()
    }
    # when compared with the table these tests walk
    listed = {op.operation_id: METHODS[op.operation_id] for op in OPS}
    # then both name the same operations with the same methods
    assert served == listed


@pytest.mark.parametrize("op", OPS, ids=str)
def test_anonymous_caller_gets_401_json(op: Op, world, api):
    # given no credential at all
    method, path, body = op.build(world, world.garden)
    # when the operation is called
    answer = api.call(method, path, body)
    # then it is refused as unauthenticated, with a sentence saying how to authenticate
    assert answer.status == 401
    assert "personal access token" in answer.detail
    assert answer.headers["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize("op", OPS, ids=str)
def test_revoked_token_gets_401(op: Op, world, api):
    # given a token its owner (an admin, who could otherwise do everything) has revoked
    raw = token_for(world.admin)
    assert api.delete(f"/tokens/{world.admin.tokens.get().pk}", token=raw).status == 200
    method, path, body = op.build(world, world.garden)
    # when it is used
    answer = api.call(method, path, body, token=raw)
    # then it no longer authenticates
    assert answer.status == 401
    assert "revoked" in answer.detail


@pytest.mark.parametrize("op", [o for o in OPS if o.operation_id in SAMPLE], ids=str)
def test_token_of_a_deactivated_person_gets_401(op: Op, world, api):
    # given a token made before its owner's account was deactivated
    raw = token_for(world.admin)
    method, path, body = op.build(world, world.garden)
    world.admin.is_active = False
    world.admin.save(update_fields=["is_active"])
    # when it is used
    answer = api.call(method, path, body, token=raw)
    # then it is refused
    assert answer.status == 401


def test_unknown_token_gets_401(world, api):
    # given a token that was never issued
    # when it is used
    answer = api.get("/me", token="cw_not-a-real-token")
    # then it is refused
    assert answer.status == 401


@pytest.mark.parametrize("op", WRITES, ids=str)
def test_read_only_token_is_refused_on_every_write(op: Op, world, api):
    # given an admin's read-only token
    method, path, body = op.build(world, world.garden)
    # when it is used to change something
    answer = api.call(method, path, body, as_=world.admin, scope="read")
    # then it is refused with a sentence saying why
    assert answer.status == 403
    assert "read-only" in answer.detail


@pytest.mark.parametrize("op", ORG_OPS, ids=str)
def test_outsider_gets_404(op: Op, world, api):
    # given an admin of another organisation
    method, path, body = op.build(world, world.garden)
    # when they call an operation on Willow or one of its circles
    answer = api.call(method, path, body, as_=world.outsider)
    # then Willow's things do not exist for them
    assert answer.status == 404
    assert answer.body == {"detail": "Not found."}


@pytest.mark.parametrize(
    "op", [o for o in ORG_OPS if o.access in ("org_admin", "circle_creator")], ids=str
)
def test_member_without_rights_gets_403_on_organisation_writes(op: Op, world, api):
    # given a member of Willow who is no admin and steward of nothing
    method, path, body = op.build(world, world.garden)
    # when they call an admin's operation
    answer = api.call(method, path, body, as_=world.member)
    # then they see it exists but may not use it
    assert answer.status == 403
    assert answer.detail


@pytest.mark.parametrize("op", [o for o in CIRCLE_OPS if o.access == "circle_steward"], ids=str)
def test_member_without_rights_gets_403_on_an_open_circle(op: Op, world, api):
    # given Garden, an open circle, and a member of Willow who holds no role in it
    method, path, body = op.build(world, world.garden)
    # when they try to change it
    answer = api.call(method, path, body, as_=world.member)
    # then they are refused
    assert answer.status == 403
    assert answer.detail == "You do not have permission to do this."


@pytest.mark.parametrize("op", CIRCLE_OPS, ids=str)
def test_member_gets_404_on_a_private_circle(op: Op, world, api):
    # given Care, a private circle, and a member of Willow who is not in it
    method, path, body = op.build(world, world.care)
    # when they read or change it
    answer = api.call(method, path, body, as_=world.member)
    # then it does not exist for them
    assert answer.status == 404


@pytest.mark.parametrize("op", [o for o in CIRCLE_OPS if o.access == "circle_visible"], ids=str)
def test_circle_member_may_read_a_private_circle(op: Op, world, api):
    # given Care, a private circle, and one of its members
    method, path, body = op.build(world, world.care)
    # when they read it
    answer = api.call(method, path, body, as_=world.circle_member, scope="read")
    # then they may
    assert answer.status == 200


@pytest.mark.parametrize("op", [o for o in OPS if not o.is_write], ids=str)
def test_read_only_token_may_read(op: Op, world, api):
    # given an admin's read-only token (Cy's for their own notifications)
    method, path, body = op.build(world, world.garden)
    # when it is used to read
    answer = api.call(method, path, body, as_=world.admin, scope="read")
    # then reads work, except token management and the calendar's secret address, which need
    # more than a read-only token
    if op.operation_id in ("listTokens", "getCalendar"):
        assert answer.status == 403
        assert "read-and-write token" in answer.detail
    else:
        assert answer.status == 200, answer.body
