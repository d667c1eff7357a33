"""The pages that create and change roles, fill them for a term and end terms."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone

from circlewise.circles import services
from circlewise.circles.models import Role, RoleAssignment
from circlewise.core.models import LedgerEvent

from .. import factories as f


def events(org):
    return LedgerEvent.objects.filter(organisation=org).count()


def last_event(org):
    return LedgerEvent.objects.filter(organisation=org).order_by("-sequence").first()


def answer(client, method, path, data=None):
    """The status code of a GET or POST, for permission tables."""
    return getattr(client, method)(path, data or {}).status_code


def circle_url(name, circle, *args):
    return reverse(f"circles:{name}", args=[circle.organisation.slug, circle.slug, *args])


def role_data(**overrides):
    data = {"name": "Seed keeper", "aim": "Keep the seeds.", "default_term_months": "6"}
    data.update(overrides)
    return data


def custom_role(circle, actor, name="Seed keeper"):
    return services.create_role(circle=circle, actor=actor, name=name)


# role_create -------------------------------------------------------------------------------


def test_a_steward_creates_a_role(client, world):
    # given Garden's facilitator
    client.force_login(world.facilitator)
    # when they describe a new role
    response = client.post(
        circle_url("role_create", world.garden), role_data(responsibilities="Store")
    )
    # then the role exists, the ledger says so, and they land on the role
    role = Role.objects.get(circle=world.garden, name="Seed keeper")
    assert (role.kind, role.default_term_months, role.responsibilities) == ("custom", 6, "Store")
    assert response.status_code == 302
    assert response.url == circle_url("role_detail", world.garden, role.pk)
    assert last_event(world.org).verb == "role.created"


def test_a_role_term_is_between_one_and_sixty_months(client, world):
    client.force_login(world.facilitator)
    before = events(world.org)
    response = client.post(
        circle_url("role_create", world.garden), role_data(default_term_months="0")
    )
    html = response.content.decode()
    assert response.status_code == 400
    assert 'id="id_default_term_months_error"' in html
    assert not Role.objects.filter(name="Seed keeper").exists()
    assert events(world.org) == before


def test_a_role_needs_a_name(client, world):
    client.force_login(world.facilitator)
    before = events(world.org)
    response = client.post(circle_url("role_create", world.garden), role_data(name=" "))
    assert response.status_code == 400
    assert 'id="id_name_error"' in response.content.decode()
    assert events(world.org) == before


def test_sending_the_role_form_twice_makes_one_role(client, world):
    client.force_login(world.facilitator)
    data = role_data(submission="d" * 32)
    client.post(circle_url("role_create", world.garden), data)
    client.post(circle_url("role_create", world.garden), data)
    assert Role.objects.filter(circle=world.garden, name="Seed keeper").count() == 1


@pytest.mark.parametrize("method", ["get", "post"])
def test_role_create_permissions(client, world, method):
    client.force_login(world.member)
    assert answer(client, method, circle_url("role_create", world.garden), role_data()) == 403
    assert answer(client, method, circle_url("role_create", world.care), role_data()) == 404
    client.force_login(world.outsider)
    assert answer(client, method, circle_url("role_create", world.garden), role_data()) == 404
    client.logout()
    assert answer(client, method, circle_url("role_create", world.garden), role_data()) == 302
    assert not Role.objects.filter(name="Seed keeper").exists()


# role_edit ---------------------------------------------------------------------------------


def test_a_steward_edits_a_role(client, world):
    role = custom_role(world.garden, world.admin)
    client.force_login(world.facilitator)
    response = client.post(
        circle_url("role_edit", world.garden, role.pk), role_data(name="Seed steward", aim="Seeds.")
    )
    assert response.status_code == 302
    role.refresh_from_db()
    assert (role.name, role.aim, role.default_term_months) == ("Seed steward", "Seeds.", 6)
    event = last_event(world.org)
    assert event.verb == "role.updated"
    assert event.payload["fields"] == ["aim", "default_term_months", "name"]


def test_the_four_circle_roles_keep_their_names(client, world):
    # given Garden's facilitator role
    role = f.role(world.garden, "facilitator")
    client.force_login(world.admin)
    # then its name cannot be edited, and a posted name is ignored
    html = client.get(circle_url("role_edit", world.garden, role.pk)).content.decode()
    assert "disabled" in html
    response = client.post(
        circle_url("role_edit", world.garden, role.pk),
        role_data(name="Chair", aim="Hold the space."),
    )
    assert response.status_code == 302
    role.refresh_from_db()
    assert (role.name, role.aim) == ("Facilitator", "Hold the space.")


def test_role_edit_refuses_a_long_term(client, world):
    role = custom_role(world.garden, world.admin)
    client.force_login(world.admin)
    before = events(world.org)
    response = client.post(
        circle_url("role_edit", world.garden, role.pk), role_data(default_term_months="61")
    )
    assert response.status_code == 400
    role.refresh_from_db()
    assert role.default_term_months == 12
    assert events(world.org) == before


@pytest.mark.parametrize("method", ["get", "post"])
def test_role_edit_permissions(client, world, method):
    garden_role = custom_role(world.garden, world.admin)
    care_role = custom_role(world.care, world.admin, "Listener")
    client.force_login(world.member)
    assert (
        answer(client, method, circle_url("role_edit", world.garden, garden_role.pk), role_data())
        == 403
    )
    assert (
        answer(client, method, circle_url("role_edit", world.care, care_role.pk), role_data())
        == 404
    )
    # a role reached through another circle's address is not found there
    client.force_login(world.circle_member)
    assert (
        answer(client, method, circle_url("role_edit", world.garden, care_role.pk), role_data())
        == 404
    )
    client.force_login(world.outsider)
    assert (
        answer(client, method, circle_url("role_edit", world.garden, garden_role.pk), role_data())
        == 404
    )
    client.logout()
    assert (
        answer(client, method, circle_url("role_edit", world.garden, garden_role.pk), role_data())
        == 302
    )
    garden_role.refresh_from_db()
    assert garden_role.default_term_months == 12


# role_assign -------------------------------------------------------------------------------


def test_assign_form_proposes_a_term_from_today(client, world):
    role = f.role(world.garden, "secretary")
    client.force_login(world.facilitator)
    html = client.get(circle_url("role_assign", world.garden, role.pk)).content.decode()
    today = timezone.localdate()
    assert f'value="{today.isoformat()}"' in html
    assert f'value="{services.add_months(today, 12).isoformat()}"' in html
    assert 'type="date"' in html
    assert '<label for="id_holder">' in html


def test_a_steward_fills_a_role_for_a_term(client, world):
    # given Garden's secretary role, empty
    role = f.role(world.garden, "secretary")
    client.force_login(world.facilitator)
    # when the facilitator records Cy as secretary for a term
    response = client.post(
        circle_url("role_assign", world.garden, role.pk),
        {"holder": world.circle_member.pk, "term_start": "2026-01-01", "term_end": "2026-07-01"},
    )
    # then Cy holds it for that term and the ledger says so
    assert response.status_code == 302
    assert response.url == circle_url("role_detail", world.garden, role.pk)
    assignment = RoleAssignment.objects.current().get(role=role)
    assert (assignment.holder, assignment.term_start, assignment.term_end) == (
        world.circle_member,
        dt.date(2026, 1, 1),
        dt.date(2026, 7, 1),
    )
    event = last_event(world.org)
    assert (event.verb, event.payload["holder"]) == ("role.assigned", world.circle_member.pk)


def test_an_empty_term_end_takes_the_roles_usual_term(client, world):
    role = f.role(world.garden, "secretary")
    client.force_login(world.admin)
    client.post(circle_url("role_assign", world.garden, role.pk),
                {"holder": world.member.pk, "term_start": "2026-03-31", "term_end": ""})  # fmt: skip
    assignment = RoleAssignment.objects.current().get(role=role)
    assert assignment.term_end == dt.date(2027, 3, 31)
    # and someone not yet in the circle joins it with the role
    assert world.garden.memberships.current().filter(user=world.member).exists()


def test_double_linking_rules_are_shown_on_the_form(client, world):
    # given Garden's leader role, and Mo who is not in General (Garden's parent)
    role = f.role(world.garden, "leader")
    client.force_login(world.admin)
    before = events(world.org)
    # when the admin tries to make Mo the leader
    response = client.post(
        circle_url("role_assign", world.garden, role.pk),
        {"holder": world.member.pk, "term_start": "2026-01-01", "term_end": "2027-01-01"},
    )
    # then the refusal is shown beside the holder, and nothing changes
    html = response.content.decode()
    assert response.status_code == 400
    assert 'id="id_holder_error"' in html
    assert "is not a member of the parent circle" in html
    assert not RoleAssignment.objects.filter(role=role).exists()
    assert events(world.org) == before


def test_a_term_must_end_after_it_starts(client, world):
    role = f.role(world.garden, "secretary")
    client.force_login(world.admin)
    before = events(world.org)
    response = client.post(
        circle_url("role_assign", world.garden, role.pk),
        {"holder": world.member.pk, "term_start": "2026-05-01", "term_end": "2026-04-01"},
    )
    assert response.status_code == 400
    assert 'id="id_term_end_error"' in response.content.decode()
    assert not RoleAssignment.objects.filter(role=role).exists()
    assert events(world.org) == before


def test_assigning_twice_from_one_form_assigns_once(client, world):
    role = custom_role(world.garden, world.admin)
    client.force_login(world.admin)
    data = {"holder": world.circle_member.pk, "term_start": "2026-01-01", "term_end": "2027-01-01",
            "submission": "e" * 32}  # fmt: skip
    client.post(circle_url("role_assign", world.garden, role.pk), data)
    client.post(circle_url("role_assign", world.garden, role.pk), data)
    assert RoleAssignment.objects.filter(role=role).count() == 1


@pytest.mark.parametrize("method", ["get", "post"])
def test_role_assign_permissions(client, world, method):
    role = f.role(world.garden, "secretary")
    care_role = f.role(world.care, "secretary")
    data = {"holder": world.member.pk, "term_start": "2026-01-01", "term_end": "2027-01-01"}
    client.force_login(world.member)
    assert answer(client, method, circle_url("role_assign", world.garden, role.pk), data) == 403
    assert answer(client, method, circle_url("role_assign", world.care, care_role.pk), data) == 404
    client.force_login(world.circle_member)
    assert (
        answer(client, method, circle_url("role_assign", world.garden, care_role.pk), data) == 404
    )
    client.force_login(world.outsider)
    assert answer(client, method, circle_url("role_assign", world.garden, role.pk), data) == 404
    client.logout()
    assert answer(client, method, circle_url("role_assign", world.garden, role.pk), data) == 302
    assert not RoleAssignment.objects.filter(role=role).exists()


# assignment_end ----------------------------------------------------------------------------


def facilitation(world):
    return RoleAssignment.objects.current().get(role__circle=world.garden, holder=world.facilitator)


def test_ending_a_term_asks_first(client, world):
    assignment = facilitation(world)
    client.force_login(world.admin)
    response = client.get(circle_url("assignment_end", world.garden, assignment.pk))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Fay Facilitator" in html
    assignment.refresh_from_db()
    assert assignment.ended_on is None


def test_a_steward_ends_a_term(client, world):
    assignment = facilitation(world)
    client.force_login(world.admin)
    response = client.post(circle_url("assignment_end", world.garden, assignment.pk))
    assert response.status_code == 302
    assert response.url == circle_url("role_detail", world.garden, assignment.role_id)
    assignment.refresh_from_db()
    assert assignment.ended_on == timezone.localdate()
    event = last_event(world.org)
    assert (event.verb, event.payload["reason"]) == ("role.ended", "ended")


def test_ending_a_term_twice_is_refused_clearly(client, world):
    assignment = facilitation(world)
    client.force_login(world.admin)
    client.post(circle_url("assignment_end", world.garden, assignment.pk))
    before = events(world.org)
    response = client.post(circle_url("assignment_end", world.garden, assignment.pk))
    assert response.status_code == 409
    assert "already ended" in response.content.decode()
    assert events(world.org) == before


@pytest.mark.parametrize("method", ["get", "post"])
def test_assignment_end_permissions(client, world, method):
    assignment = facilitation(world)
    care_assignment = f.give_role(world.care, "secretary", world.circle_member)
    client.force_login(world.member)
    assert answer(client, method, circle_url("assignment_end", world.garden, assignment.pk)) == 403
    assert (
        answer(client, method, circle_url("assignment_end", world.care, care_assignment.pk)) == 404
    )
    client.force_login(world.circle_member)
    assert (
        answer(client, method, circle_url("assignment_end", world.garden, care_assignment.pk))
        == 404
    )
    client.force_login(world.outsider)
    assert answer(client, method, circle_url("assignment_end", world.garden, assignment.pk)) == 404
    client.logout()
    assert answer(client, method, circle_url("assignment_end", world.garden, assignment.pk)) == 302
    assignment.refresh_from_db()
    assert assignment.ended_on is None


def test_the_proposed_term_starts_on_the_persons_own_date(client, world):
    # given an admin whose time zone is on another date than UTC right now
    now = timezone.now()
    zone = next(
        name
        for name in ("Pacific/Kiritimati", "Pacific/Pago_Pago")
        if now.astimezone(ZoneInfo(name)).date() != now.date()
    )
    world.admin.timezone = zone
    world.admin.save(update_fields=["timezone"])
    client.force_login(world.admin)
    # when they open the form to fill a role
    role = f.role(world.garden, "secretary")
    html = client.get(circle_url("role_assign", world.garden, role.pk)).content.decode()
    # then the term starts on their local date, not the server's
    local_today = now.astimezone(ZoneInfo(zone)).date()
    assert f'name="term_start" value="{local_today.isoformat()}"' in html
