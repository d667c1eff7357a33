"""Roles, terms and assignments through the API."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from circlewise.circles.models import RoleAssignment

from .. import factories as f
from .conftest import event_count, last_event


def test_roles_are_listed_in_circle_role_order_with_holders(world, api):
    # given Garden, with a custom role and Fay as facilitator
    api.post(f"/circles/{world.garden.pk}/roles", {"name": "Compost keeper"}, as_=world.admin)
    # when a member lists Garden's roles
    answer = api.get(f"/circles/{world.garden.pk}/roles", as_=world.member, scope="read")
    # then the four circle roles come first, then the circle's own
    assert answer.status == 200
    assert [r["name"] for r in answer.body["items"]] == [
        "Leader",
        "Delegate",
        "Facilitator",
        "Secretary",
        "Compost keeper",
    ]
    facilitator = answer.body["items"][2]
    assert [h["holder"]["name"] for h in facilitator["holders"]] == ["Fay Facilitator"]


def test_steward_creates_a_role(world, api):
    # given Fay, Garden's facilitator
    before = event_count(world.org.pk)
    # when she creates a role with a six-month term
    answer = api.post(
        f"/circles/{world.garden.pk}/roles",
        {"name": "Seed keeper", "aim": "Keeps the seeds.", "default_term_months": 6},
        as_=world.facilitator,
    )
    # then it exists as a custom role, and the ledger records it
    assert answer.status == 201
    assert answer.body["kind"] == "custom"
    assert answer.body["default_term_months"] == 6
    assert answer.body["history"] == []
    assert event_count(world.org.pk) == before + 1
    assert last_event(world.org.pk).verb == "role.created"


def test_role_term_outside_its_bounds_is_a_422(world, api):
    # given a steward
    # when a role is given a 100-month term
    answer = api.post(
        f"/circles/{world.garden.pk}/roles",
        {"name": "Seed keeper", "default_term_months": 100},
        as_=world.admin,
    )
    # then the field and its limit are named
    assert answer.status == 422
    assert answer.body["errors"][0]["field"] == "default_term_months"
    assert "60" in answer.detail


def test_role_detail_has_its_history(world, api):
    # given the facilitator role, held by Fay and then by Cy
    role = f.role(world.garden, "facilitator")
    f.give_role(world.garden, "facilitator", world.circle_member)
    # when it is read
    answer = api.get(f"/roles/{role.pk}", as_=world.member, scope="read")
    # then the current holder and both terms are shown
    assert answer.status == 200
    assert [h["holder"]["name"] for h in answer.body["holders"]] == ["Cy Circle"]
    history = {h["holder"]["name"]: h["status"] for h in answer.body["history"]}
    assert history == {"Cy Circle": "current", "Fay Facilitator": "ended"}


def test_steward_updates_a_role(world, api):
    # given the secretary role of Garden
    role = f.role(world.garden, "secretary")
    before = event_count(world.org.pk)
    # when Fay changes its responsibilities
    answer = api.patch(
        f"/roles/{role.pk}", {"responsibilities": "Minutes, terms, backlog."}, as_=world.facilitator
    )
    # then it changes, and the ledger records it
    assert answer.status == 200
    assert answer.body["responsibilities"] == "Minutes, terms, backlog."
    assert event_count(world.org.pk) == before + 1
    assert last_event(world.org.pk).verb == "role.updated"


def test_circle_role_keeps_its_name(world, api):
    # given the leader role
    role = f.role(world.garden, "leader")
    # when it is renamed
    answer = api.patch(f"/roles/{role.pk}", {"name": "Boss"}, as_=world.admin)
    # then the service refuses in a sentence
    assert answer.status == 400
    assert answer.body == {"detail": "The four circle roles keep their names.", "field": "name"}
    role.refresh_from_db()
    assert role.name == "Leader"


def test_steward_assigns_a_role_for_a_term(world, api):
    # given Garden's secretary role
    role = f.role(world.garden, "secretary")
    before = event_count(world.org.pk)
    # when Fay gives it to Cy for a set term
    answer = api.post(
        f"/roles/{role.pk}/assignments",
        {"holder_id": world.circle_member.pk, "term_start": "2026-01-01", "term_end": "2027-01-01"},
        as_=world.facilitator,
    )
    # then Cy holds it for that term, and the ledger records it
    assert answer.status == 201
    assert answer.body["holder"]["id"] == world.circle_member.pk
    assert answer.body["term_end"] == "2027-01-01"
    assert answer.body["role_name"] == "Secretary"
    assert event_count(world.org.pk) == before + 1
    assert last_event(world.org.pk).verb == "role.assigned"


def test_term_that_ends_before_it_starts_is_refused(world, api):
    # given a role
    role = f.role(world.garden, "secretary")
    # when a term ends before it starts
    answer = api.post(
        f"/roles/{role.pk}/assignments",
        {"holder_id": world.circle_member.pk, "term_start": "2026-05-01", "term_end": "2026-01-01"},
        as_=world.admin,
    )
    # then the service says so, and nothing is assigned
    assert answer.status == 400
    assert answer.body["field"] == "term_end"
    assert not RoleAssignment.objects.filter(role=role).exists()


def test_badly_written_date_is_a_readable_422(world, api):
    # given a role
    role = f.role(world.garden, "secretary")
    # when a date is not a date
    answer = api.post(
        f"/roles/{role.pk}/assignments",
        {"holder_id": world.circle_member.pk, "term_end": "next spring"},
        as_=world.admin,
    )
    # then the answer names the field in a sentence
    assert answer.status == 422
    assert answer.body["errors"][0]["field"] == "term_end"
    assert answer.detail.startswith("Check the request: term_end:")


def test_double_link_problem_refuses_the_assignment(world, api):
    # given Garden, whose parent is General, and Cy, who is not in General
    role = f.role(world.garden, "delegate")
    # when Cy is made Garden's delegate
    answer = api.post(
        f"/roles/{role.pk}/assignments", {"holder_id": world.circle_member.pk}, as_=world.admin
    )
    # then the double-link rule is explained
    assert answer.status == 400
    assert "parent circle" in answer.detail


def test_steward_ends_a_term_early(world, api):
    # given Fay's facilitator term
    assignment = RoleAssignment.objects.get(role__circle=world.garden, holder=world.facilitator)
    before = event_count(world.org.pk)
    # when an admin ends it
    answer = api.post(f"/assignments/{assignment.pk}/end", as_=world.admin)
    # then it is ended, and the ledger records it
    assert answer.status == 200
    assert answer.body["status"] == "ended"
    assert event_count(world.org.pk) == before + 1
    assert last_event(world.org.pk).verb == "role.ended"


def test_ending_a_term_twice_is_a_conflict(world, api):
    # given an ended term
    assignment = RoleAssignment.objects.get(role__circle=world.garden, holder=world.facilitator)
    api.post(f"/assignments/{assignment.pk}/end", as_=world.admin)
    # when it is ended again
    answer = api.post(f"/assignments/{assignment.pk}/end", as_=world.admin)
    # then the service answers 409
    assert answer.status == 409
    assert answer.detail == "This term has already ended."


def test_terms_list_shows_ending_and_expired_terms_of_visible_circles(world, api):
    # given terms ending soon in Garden (open) and Care (private), and one far away
    today = timezone.localdate()
    f.give_role(
        world.garden, "secretary", world.circle_member,
        term_start=today - dt.timedelta(days=300), term_end=today + dt.timedelta(days=10),
    )  # fmt: skip
    f.give_role(
        world.care, "secretary", world.circle_member,
        term_start=today - dt.timedelta(days=400), term_end=today - dt.timedelta(days=3),
    )  # fmt: skip
    # when Mo (not in Care) and Cy (in Care) list terms needing attention
    mo = api.get("/organisations/willow/terms", as_=world.member, scope="read").body
    cy = api.get("/organisations/willow/terms", as_=world.circle_member, scope="read").body
    # then Mo sees only Garden's, Cy sees both, soonest first, and Fay's year-long term is absent
    assert [(t["circle_name"], t["status"]) for t in mo["items"]] == [("Garden", "ending")]
    assert [(t["circle_name"], t["status"]) for t in cy["items"]] == [
        ("Care", "expired"),
        ("Garden", "ending"),
    ]
    assert cy["items"][0]["days_left"] == -3


def test_days_left_counts_from_the_callers_own_today(world, api):
    # given a term ending in ten days, and two readers 26 hours apart: Mo at UTC+14, Cy at UTC-12
    today = timezone.localdate()
    f.give_role(
        world.garden, "secretary", world.circle_member,
        term_start=today - dt.timedelta(days=30), term_end=today + dt.timedelta(days=10),
    )  # fmt: skip
    world.member.timezone = "Pacific/Kiritimati"
    world.member.save(update_fields=["timezone"])
    world.circle_member.timezone = "Etc/GMT+12"
    world.circle_member.save(update_fields=["timezone"])
    # when each reads the terms with a token
    mo = api.get("/organisations/willow/terms", as_=world.member).body["items"][0]
    cy = api.get("/organisations/willow/terms", as_=world.circle_member).body["items"][0]
    # then each counts from their own date, which is never the same for both
    assert mo["term_end"] == cy["term_end"]
    assert mo["days_left"] < cy["days_left"]
