"""The pages that add people to a circle and take them out."""

from __future__ import annotations

import pytest
from django.urls import reverse

from circlewise.circles.models import CircleMembership, RoleAssignment
from circlewise.core.models import LedgerEvent


def events(org):
    return LedgerEvent.objects.filter(organisation=org).count()


def last_event(org):
    return LedgerEvent.objects.filter(organisation=org).order_by("-sequence").first()


def answer(client, method, path, data=None):
    """The status code of a GET or POST, for permission tables."""
    return getattr(client, method)(path, data or {}).status_code


def add_url(circle):
    return reverse("circles:member_add", args=[circle.organisation.slug, circle.slug])


def end_url(circle, user):
    return reverse("circles:member_end", args=[circle.organisation.slug, circle.slug, user.pk])


def is_member(circle, user):
    return CircleMembership.objects.current().filter(circle=circle, user=user).exists()


# member_add --------------------------------------------------------------------------------


def test_a_steward_adds_an_organisation_member_to_their_circle(client, world):
    # given Garden's facilitator
    client.force_login(world.facilitator)
    # when they add Mo to Garden
    response = client.post(add_url(world.garden), {"user": world.member.pk})
    # then Mo is a member, the ledger says so, and they return to the circle with a message
    assert response.status_code == 302
    assert response.url == reverse(
        "circles:circle_detail", args=[world.org.slug, world.garden.slug]
    )
    assert is_member(world.garden, world.member)
    event = last_event(world.org)
    assert (event.verb, event.payload["user"]) == ("circle.member_added", world.member.pk)
    page = client.get(response.url, follow=True)
    assert "Mo Member is now a member of Garden." in page.content.decode()


def test_the_add_form_offers_only_people_not_yet_in_the_circle(client, world):
    client.force_login(world.facilitator)
    html = client.get(add_url(world.garden)).content.decode()
    assert f'<option value="{world.member.pk}">' in html
    assert f'<option value="{world.admin.pk}">' in html
    assert f'<option value="{world.circle_member.pk}">' not in html
    assert f'<option value="{world.outsider.pk}">' not in html
    assert '<label for="id_user">' in html


def test_htmx_adds_a_member_and_answers_with_a_fresh_form(client, world):
    # given Garden's facilitator using the page with htmx
    client.force_login(world.facilitator)
    # when they add Mo
    response = client.post(
        add_url(world.garden), {"user": world.member.pk}, headers={"HX-Request": "true"}
    )
    # then the answer is the panel alone, saying so, with Mo no longer offered
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html
    assert 'id="member-add-panel"' in html
    assert "Mo Member is now a member of Garden." in html
    assert f'<option value="{world.member.pk}">' not in html
    assert response["HX-Trigger"] == "circlewise:members-changed"
    assert is_member(world.garden, world.member)


def test_adding_without_choosing_anyone_is_refused(client, world):
    client.force_login(world.facilitator)
    before = events(world.org)
    response = client.post(add_url(world.garden), {"user": ""})
    html = response.content.decode()
    assert response.status_code == 400
    assert 'id="id_user_error"' in html
    assert 'role="alert"' in html
    assert events(world.org) == before


def test_adding_someone_from_another_organisation_is_refused(client, world):
    client.force_login(world.admin)
    before = events(world.org)
    response = client.post(add_url(world.garden), {"user": world.outsider.pk})
    assert response.status_code == 400
    assert not is_member(world.garden, world.outsider)
    assert events(world.org) == before


def test_adding_the_same_person_twice_adds_them_once(client, world):
    client.force_login(world.facilitator)
    data = {"user": world.member.pk, "submission": "c" * 32}
    first = client.post(add_url(world.garden), data)
    before = events(world.org)
    second = client.post(add_url(world.garden), data)
    assert first.status_code == second.status_code == 302
    assert CircleMembership.objects.filter(circle=world.garden, user=world.member).count() == 1
    assert events(world.org) == before


@pytest.mark.parametrize("method", ["get", "post"])
def test_member_add_permissions(client, world, method):
    data = {"user": world.member.pk}
    client.force_login(world.member)
    assert answer(client, method, add_url(world.garden), data) == 403
    assert answer(client, method, add_url(world.care), data) == 404
    client.force_login(world.circle_member)
    assert answer(client, method, add_url(world.care), data) == 403
    client.force_login(world.outsider)
    assert answer(client, method, add_url(world.garden), data) == 404
    client.logout()
    assert answer(client, method, add_url(world.garden), data) == 302
    assert not is_member(world.garden, world.member)


# member_end --------------------------------------------------------------------------------


def test_ending_a_membership_asks_first_and_names_the_roles_that_end(client, world):
    client.force_login(world.admin)
    response = client.get(end_url(world.garden, world.facilitator))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Facilitator" in html
    assert is_member(world.garden, world.facilitator)


def test_a_steward_takes_someone_out_of_the_circle(client, world):
    # given Garden's facilitator
    client.force_login(world.facilitator)
    # when they take Cy out of Garden
    response = client.post(end_url(world.garden, world.circle_member))
    # then Cy is no longer in Garden but still in Care, and the ledger says so
    assert response.status_code == 302
    assert not is_member(world.garden, world.circle_member)
    assert is_member(world.care, world.circle_member)
    event = last_event(world.org)
    assert (event.verb, event.payload["user"]) == ("circle.member_removed", world.circle_member.pk)


def test_taking_out_a_role_holder_ends_their_term(client, world):
    client.force_login(world.admin)
    client.post(end_url(world.garden, world.facilitator))
    assert not is_member(world.garden, world.facilitator)
    assert not RoleAssignment.objects.current().filter(holder=world.facilitator).exists()


def test_ending_a_membership_that_already_ended_is_refused(client, world):
    # given Rem, whose Garden membership ended when they left the organisation
    client.force_login(world.admin)
    before = events(world.org)
    # then the confirmation page is not found and a POST says why, changing nothing
    assert client.get(end_url(world.garden, world.removed)).status_code == 404
    response = client.post(end_url(world.garden, world.removed))
    assert response.status_code == 404
    assert "is not a member of Garden" in response.content.decode()
    assert events(world.org) == before


@pytest.mark.parametrize("method", ["get", "post"])
def test_member_end_permissions(client, world, method):
    client.force_login(world.member)
    assert answer(client, method, end_url(world.garden, world.circle_member)) == 403
    assert answer(client, method, end_url(world.care, world.circle_member)) == 404
    client.force_login(world.circle_member)
    assert answer(client, method, end_url(world.care, world.circle_member)) == 403
    client.force_login(world.outsider)
    assert answer(client, method, end_url(world.garden, world.circle_member)) == 404
    client.logout()
    assert answer(client, method, end_url(world.garden, world.circle_member)) == 302
    assert is_member(world.garden, world.circle_member)
