"""The pages that create, change and archive circles."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from circlewise.circles.models import Circle, RoleAssignment
from circlewise.core.models import LedgerEvent

from .. import factories as f


def events(org):
    return LedgerEvent.objects.filter(organisation=org).count()


def last_event(org):
    return LedgerEvent.objects.filter(organisation=org).order_by("-sequence").first()


def answer(client, method, path, data=None):
    """The status code of a GET or POST, for permission tables."""
    return getattr(client, method)(path, data or {}).status_code


def create_url(world, parent=None):
    base = reverse("circles:circle_create", args=[world.org.slug])
    return f"{base}?parent={parent.slug}" if parent else base


def circle_url(name, circle):
    return reverse(f"circles:{name}", args=[circle.organisation.slug, circle.slug])


def circle_data(**overrides):
    data = {"name": "Kitchen", "aim": "Feed everyone.", "kind": "department", "visibility": "open"}
    data.update(overrides)
    return data


# circle_create -----------------------------------------------------------------------------


def test_admin_creates_a_circle_inside_another(client, world):
    # given the admin signed in
    client.force_login(world.admin)
    # when they create a circle inside General
    response = client.post(create_url(world), circle_data(parent=world.general.pk, domain="Meals"))
    # then the circle exists with its four roles, the ledger says so and they land on it
    circle = Circle.objects.get(organisation=world.org, name="Kitchen")
    assert response.status_code == 302
    assert response.url == circle_url("circle_detail", circle)
    assert circle.parent == world.general
    assert circle.domain == "Meals"
    assert circle.roles.count() == 4
    event = last_event(world.org)
    assert (event.verb, event.circle_id) == ("circle.created", circle.pk)


def test_parent_in_the_address_is_preselected(client, world):
    client.force_login(world.admin)
    response = client.get(create_url(world, world.garden))
    html = response.content.decode()
    assert response.status_code == 200
    assert f'<option value="{world.garden.pk}" selected>' in html
    assert 'type="date"' in html
    assert '<label for="id_aim">' in html


def test_a_circle_needs_an_aim(client, world):
    # given the admin signed in
    client.force_login(world.admin)
    before = events(world.org)
    # when they leave the aim empty
    response = client.post(create_url(world), circle_data(aim=""))
    # then the form says so beside the aim and nothing is created
    html = response.content.decode()
    assert response.status_code == 400
    assert 'id="id_aim_error"' in html
    assert 'role="alert"' in html
    assert not Circle.objects.filter(name="Kitchen").exists()
    assert events(world.org) == before


def test_only_helping_circles_have_an_end_date(client, world):
    # given the admin signed in
    client.force_login(world.admin)
    before = events(world.org)
    # when they give a department circle an end date
    response = client.post(create_url(world), circle_data(ends_on="2030-01-31"))
    # then the service's refusal shows beside the date
    html = response.content.decode()
    assert response.status_code == 400
    assert 'id="id_ends_on_error"' in html
    assert "Only a helping circle has an end date." in html
    assert not Circle.objects.filter(name="Kitchen").exists()
    assert events(world.org) == before


def test_sending_the_create_form_twice_makes_one_circle(client, world):
    client.force_login(world.admin)
    data = circle_data(submission="b" * 32)
    first = client.post(create_url(world), data)
    second = client.post(create_url(world), data)
    assert first.status_code == second.status_code == 302
    assert second.url == first.url
    assert Circle.objects.filter(organisation=world.org, name="Kitchen").count() == 1


def test_a_steward_creates_a_circle_inside_their_own(client, world):
    # given Garden's facilitator
    client.force_login(world.facilitator)
    # when they start a sub-circle of Garden
    assert client.get(create_url(world, world.garden)).status_code == 200
    response = client.post(create_url(world, world.garden), circle_data(parent=world.garden.pk))
    # then it is created inside Garden
    assert response.status_code == 302
    assert Circle.objects.get(name="Kitchen").parent == world.garden


def test_a_steward_cannot_create_elsewhere(client, world):
    client.force_login(world.facilitator)
    before = events(world.org)
    # General is not theirs to extend
    assert client.get(create_url(world, world.general)).status_code == 403
    # and the form does not let them choose it, nor make a top-level circle
    response = client.post(create_url(world), circle_data(parent=world.general.pk))
    assert response.status_code == 400
    response = client.post(create_url(world), circle_data())
    assert response.status_code == 400
    assert 'id="id_parent_error"' in response.content.decode()
    assert events(world.org) == before


def test_create_circle_permissions(client, world):
    # a member who stewards nothing may not create circles
    client.force_login(world.member)
    assert client.get(create_url(world)).status_code == 403
    assert client.get(create_url(world, world.garden)).status_code == 403
    assert client.post(create_url(world), circle_data()).status_code == 403
    # a private circle they are not in is not found
    assert client.get(create_url(world, world.care)).status_code == 404
    # another organisation's member finds nothing
    client.force_login(world.outsider)
    assert client.get(create_url(world)).status_code == 404
    # anonymous people sign in first
    client.logout()
    response = client.post(create_url(world), circle_data())
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))
    assert not Circle.objects.filter(name="Kitchen").exists()


# circle_edit -------------------------------------------------------------------------------


def test_a_steward_edits_their_circle(client, world):
    # given Garden's facilitator
    client.force_login(world.facilitator)
    # when they change Garden's aim and domain
    data = circle_data(
        name="Garden", aim="Grow food together.", domain="Beds", parent=world.general.pk
    )
    response = client.post(circle_url("circle_edit", world.garden), data)
    # then Garden changes and the ledger records which fields
    assert response.status_code == 302
    world.garden.refresh_from_db()
    assert (world.garden.aim, world.garden.domain) == ("Grow food together.", "Beds")
    event = last_event(world.org)
    assert event.verb == "circle.updated"
    assert event.payload["fields"] == ["aim", "domain"]


def test_edit_form_offers_no_parent_inside_the_circle_itself(client, world):
    # given a circle inside Garden
    beds = f.make_circle(world.org, "Beds", parent=world.garden)
    client.force_login(world.admin)
    # when the admin edits Garden
    html = client.get(circle_url("circle_edit", world.garden)).content.decode()
    # then General is offered as parent, and neither Garden nor Beds is
    assert f'<option value="{world.general.pk}" selected>' in html
    assert f'<option value="{beds.pk}"' not in html
    assert f'<option value="{world.garden.pk}"' not in html


def test_moving_a_circle_inside_itself_is_refused(client, world):
    beds = f.make_circle(world.org, "Beds", parent=world.garden)
    client.force_login(world.admin)
    before = events(world.org)
    data = circle_data(name="Garden", aim=world.garden.aim, parent=beds.pk)
    response = client.post(circle_url("circle_edit", world.garden), data)
    assert response.status_code == 400
    assert 'id="id_parent_error"' in response.content.decode()
    world.garden.refresh_from_db()
    assert world.garden.parent == world.general
    assert events(world.org) == before


def test_edit_shows_the_service_refusal_beside_the_field(client, world):
    client.force_login(world.facilitator)
    before = events(world.org)
    data = circle_data(
        name="Garden", aim=world.garden.aim, parent=world.general.pk, ends_on="2030-05-01"
    )
    response = client.post(circle_url("circle_edit", world.garden), data)
    assert response.status_code == 400
    assert "Only a helping circle has an end date." in response.content.decode()
    world.garden.refresh_from_db()
    assert world.garden.ends_on is None
    assert events(world.org) == before


def test_a_helping_circle_gets_its_end_date(client, world):
    client.force_login(world.admin)
    data = circle_data(name="Garden", aim=world.garden.aim, kind="helping", parent=world.general.pk,
                       mandate="Plant the orchard.", ends_on="2030-05-01")  # fmt: skip
    response = client.post(circle_url("circle_edit", world.garden), data)
    assert response.status_code == 302
    world.garden.refresh_from_db()
    assert world.garden.ends_on == dt.date(2030, 5, 1)
    assert world.garden.mandate == "Plant the orchard."


@pytest.mark.parametrize("method", ["get", "post"])
def test_edit_circle_permissions(client, world, method):
    data = circle_data(name="Taken over")
    # an organisation member not stewarding Garden is forbidden; a private circle is not found
    client.force_login(world.member)
    assert answer(client, method, circle_url("circle_edit", world.garden), data) == 403
    assert answer(client, method, circle_url("circle_edit", world.care), data) == 404
    # a member of Care who stewards nothing is forbidden
    client.force_login(world.circle_member)
    assert answer(client, method, circle_url("circle_edit", world.care), data) == 403
    client.force_login(world.outsider)
    assert answer(client, method, circle_url("circle_edit", world.garden), data) == 404
    client.logout()
    assert answer(client, method, circle_url("circle_edit", world.garden), data) == 302
    world.garden.refresh_from_db()
    assert world.garden.name == "Garden"


# circle_archive ----------------------------------------------------------------------------


def test_archive_asks_first_and_explains(client, world):
    client.force_login(world.admin)
    response = client.get(circle_url("circle_archive", world.garden))
    html = response.content.decode()
    assert response.status_code == 200
    assert "<bdi>Fay Facilitator</bdi> as <bdi>Facilitator</bdi>" in html
    world.garden.refresh_from_db()
    assert not world.garden.is_archived


def test_admin_archives_a_circle(client, world):
    # given the admin signed in
    client.force_login(world.admin)
    # when they confirm archiving Garden
    response = client.post(circle_url("circle_archive", world.garden))
    # then Garden is archived, its terms end and the ledger says so
    assert response.status_code == 302
    world.garden.refresh_from_db()
    assert world.garden.is_archived
    assert not RoleAssignment.objects.current().filter(role__circle=world.garden).exists()
    assert last_event(world.org).verb == "circle.archived"


def test_a_circle_with_sub_circles_is_not_archived(client, world):
    client.force_login(world.admin)
    before = events(world.org)
    response = client.post(circle_url("circle_archive", world.general))
    assert response.status_code == 409
    assert "sub-circles first" in response.content.decode()
    world.general.refresh_from_db()
    assert not world.general.is_archived
    assert events(world.org) == before


@pytest.mark.parametrize("method", ["get", "post"])
def test_archive_permissions(client, world, method):
    # Garden's own facilitator cannot archive it: that is the parent circle's decision
    client.force_login(world.facilitator)
    assert answer(client, method, circle_url("circle_archive", world.garden)) == 403
    client.force_login(world.member)
    assert answer(client, method, circle_url("circle_archive", world.garden)) == 403
    assert answer(client, method, circle_url("circle_archive", world.care)) == 404
    client.force_login(world.outsider)
    assert answer(client, method, circle_url("circle_archive", world.garden)) == 404
    client.logout()
    assert answer(client, method, circle_url("circle_archive", world.garden)) == 302
    world.garden.refresh_from_db()
    assert not world.garden.is_archived
