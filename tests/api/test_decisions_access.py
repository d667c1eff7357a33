"""Who may call each operation of the consent process: the person the table names succeeds and
the ledger records it; members outside the circle are refused (or see nothing in a private circle
or of a draft); reads work for whoever sees the circle.

Anonymous callers, revoked and read-only tokens and outsiders are checked for these operations
too, by test_access.py, which walks operations.py (it includes operations_decisions.py)."""

from __future__ import annotations

import pytest

from .conftest import event_count
from .operations_decisions import DECISION_OPS, DecisionOp

WRITES = [op for op in DECISION_OPS if op.is_write]
READS = [op for op in DECISION_OPS if not op.is_write]
CIRCLE_WRITES = [op for op in WRITES if op.access not in ("org_member", "org_admin")]


@pytest.mark.parametrize("op", WRITES, ids=str)
def test_each_write_succeeds_for_who_may_and_appends_to_the_ledger(op: DecisionOp, world, api):
    # given the objects the request needs in Garden, and someone who may make it
    method, path, body = op.build(world, world.garden)
    before = event_count(world.org.pk)
    # when they make it with a read-and-write token
    answer = api.call(method, path, body, as_=op.actor(world))
    # then it succeeds, and the ledger has at least one more event
    assert answer.status in (200, 201), answer.body
    assert event_count(world.org.pk) > before


@pytest.mark.parametrize("op", READS, ids=str)
def test_each_read_succeeds_for_a_member_of_the_circle(op: DecisionOp, world, api):
    # given the objects the request needs in Garden
    method, path, body = op.build(world, world.garden)
    before = event_count(world.org.pk)
    # when Cy, a member, reads with a read-only token
    answer = api.call(method, path, body, as_=world.circle_member, scope="read")
    # then the answer is there, and reading wrote nothing to the ledger
    assert answer.status == 200, answer.body
    assert event_count(world.org.pk) == before


@pytest.mark.parametrize(
    "op", [op for op in CIRCLE_WRITES if op.access not in ("author", "raise_item")], ids=str
)
def test_member_not_in_an_open_circle_is_refused_its_steps(op: DecisionOp, world, api):
    # given Garden, open, and Mo, a member of Willow in no circle
    method, path, body = op.build(world, world.garden)
    before = event_count(world.org.pk)
    # when he tries to act in it
    answer = api.call(method, path, body, as_=world.member)
    # then he sees it but may not, with a sentence, and nothing is recorded
    assert answer.status == 403, answer.body
    assert answer.detail
    assert event_count(world.org.pk) == before


@pytest.mark.parametrize("op", [op for op in WRITES if op.access == "author"], ids=str)
def test_a_draft_is_missing_for_everyone_but_its_author(op: DecisionOp, world, api):
    # given Cy's draft in Garden
    method, path, body = op.build(world, world.garden)
    # when Fay (a member and the facilitator), Mo and the admin act on it
    answers = [
        api.call(method, path, body, as_=who)
        for who in (world.facilitator, world.member, world.admin)
    ]
    # then for each of them it does not exist
    assert [a.status for a in answers] == [404, 404, 404]


@pytest.mark.parametrize("op", [op for op in DECISION_OPS if op.access != "org_member"], ids=str)
def test_member_not_in_a_private_circle_gets_404_for_everything_in_it(op: DecisionOp, world, api):
    # given Care, private, and Mo, who is not in it
    method, path, body = op.build(world, world.care)
    # when he reads or acts on anything in it
    answer = api.call(method, path, body, as_=world.member)
    # then none of it exists for him
    assert answer.status == 404
    assert answer.body == {"detail": "Not found."}


@pytest.mark.parametrize("op", READS, ids=str)
def test_member_of_a_private_circle_reads_it(op: DecisionOp, world, api):
    # given Care, private, and Cy, its member
    method, path, body = op.build(world, world.care)
    # when she reads
    answer = api.call(method, path, body, as_=world.circle_member, scope="read")
    # then she may
    assert answer.status == 200, answer.body


def test_draft_is_missing_from_reads_for_everyone_but_its_author(world, api):
    # given Cy's draft in Garden
    from .operations_decisions import draft

    proposal = draft(world, world.garden)
    # when others read it, its versions, and the circle's proposals
    fay = api.get(f"/proposals/{proposal.pk}", as_=world.facilitator)
    admin = api.get(f"/proposals/{proposal.pk}/versions", as_=world.admin)
    listed = api.get(f"/circles/{world.garden.pk}/proposals", as_=world.facilitator)
    mine = api.get(f"/circles/{world.garden.pk}/proposals", as_=world.circle_member)
    # then it is not there for them, and it is for Cy
    assert fay.status == 404
    assert admin.status == 404
    assert listed.body["count"] == 0
    assert [p["id"] for p in mine.body["items"]] == [proposal.pk]
