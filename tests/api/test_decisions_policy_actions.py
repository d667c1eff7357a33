"""Replacing and retiring a policy through the API: the proposal says what it does with its
target, refusals name the field, and the policy's answer says how it ended."""

from __future__ import annotations

from circlewise.decisions import services
from circlewise.decisions.models import Policy, Proposal

from .operations_decisions import answer_everyone, crew, decided


def _policy(world) -> Policy:
    policy = decided(world, world.garden).decision.policy
    assert policy is not None
    return policy


def _consent(world, proposal_id: int) -> Proposal:
    proposal = Proposal.objects.get(pk=proposal_id)
    services.present(proposal=proposal, actor=world.circle_member)
    round_ = services.open_consent_round(proposal=proposal, actor=world.facilitator)
    answer_everyone(round_)
    return Proposal.objects.get(pk=proposal_id)


def test_a_proposal_replaces_a_policy_and_both_answers_say_so(world, api):
    cy, _fay = crew(world, world.garden)
    old = _policy(world)
    created = api.post(
        f"/circles/{world.garden.pk}/proposals",
        {"title": "Council compost", "driver": "D", "text": "T", "amends_id": old.pk,
         "policy_action": "replace"},
        as_=cy,
    )  # fmt: skip
    assert created.status == 201, created.body
    assert (created.body["amends_id"], created.body["policy_action"]) == (old.pk, "replace")
    proposal = _consent(world, created.body["id"])
    new_id = proposal.decision.policy_id
    shown = api.get(f"/policies/{old.pk}", as_=cy).body
    assert shown["status"] == "superseded"
    assert shown["superseded_by_id"] == new_id
    assert (shown["ended_by_id"], shown["ended_how"]) == (proposal.decision.pk, "replaced")
    assert shown["can_review"] is False
    successor = api.get(f"/policies/{new_id}", as_=cy).body
    assert successor["replaced_ids"] == [old.pk]
    assert successor["ended_how"] is None
    # the register's status filter finds each where it belongs
    listed = api.get(f"/organisations/{world.org.slug}/policies?status=superseded", as_=cy).body
    assert [p["id"] for p in listed["items"]] == [old.pk]
    active = api.get(f"/organisations/{world.org.slug}/policies?status=active", as_=cy).body
    assert [p["id"] for p in active["items"]] == [new_id]
    record = api.get(f"/decisions/{proposal.decision.pk}", as_=cy).body["record"]
    assert (record["policy_action"], record["policy_target"]) == ("replace", old.pk)


def test_a_proposal_retires_a_policy(world, api):
    cy, _fay = crew(world, world.garden)
    old = _policy(world)
    created = api.post(
        f"/circles/{world.garden.pk}/proposals",
        {"title": "Retire it", "driver": "D", "text": "T"},
        as_=cy,
    )
    assert created.body["policy_action"] is None
    pid = created.body["id"]
    patched = api.patch(
        f"/proposals/{pid}", {"amends_id": old.pk, "policy_action": "retire"}, as_=cy
    )
    assert patched.status == 200, patched.body
    assert (patched.body["policy_action"], patched.body["is_policy"]) == ("retire", False)
    proposal = _consent(world, pid)
    shown = api.get(f"/policies/{old.pk}", as_=cy).body
    assert (shown["status"], shown["ended_how"]) == ("retired", "retired")
    assert shown["ended_by_id"] == proposal.decision.pk and shown["retired_at"]
    listed = api.get(f"/organisations/{world.org.slug}/policies?status=retired", as_=cy).body
    assert [p["id"] for p in listed["items"]] == [old.pk]
    # and it cannot be targeted again
    again = api.post(
        f"/circles/{world.garden.pk}/proposals",
        {"title": "T", "driver": "D", "text": "T", "amends_id": old.pk},
        as_=cy,
    )
    assert (again.status, again.body["field"]) == (400, "amends_id")
    assert "no longer in force" in again.body["detail"]


def test_refused_actions_name_their_field(world, api):
    cy, _fay = crew(world, world.garden)
    old = _policy(world)
    base = {"title": "T", "driver": "D", "text": "T"}
    no_target = api.post(
        f"/circles/{world.garden.pk}/proposals", {**base, "policy_action": "retire"}, as_=cy
    )
    unknown = api.post(
        f"/circles/{world.garden.pk}/proposals",
        {**base, "amends_id": old.pk, "policy_action": "burn"},
        as_=cy,
    )
    assert (no_target.status, no_target.body["field"]) == (400, "amends_id")
    assert (unknown.status, unknown.body["field"]) == (400, "policy_action")
