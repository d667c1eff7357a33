"""A circle is formed with its first members (its creator by default), who join it through the
membership service; whoever forms a private circle lands on it and can go on adding members."""

from __future__ import annotations

import re

from django.urls import reverse

from circlewise.circles.models import Circle
from circlewise.core.models import LedgerEvent

from ..api.conftest import ApiClient


def events(org):
    return LedgerEvent.objects.filter(organisation=org).count()


def create_url(world):
    return reverse("circles:circle_create", args=[world.org.slug])


def circle_url(name, circle):
    return reverse(f"circles:{name}", args=[circle.organisation.slug, circle.slug])


def private_circle(world, **overrides):
    data = {
        "name": "Mediation",
        "aim": "Hold conflicts in confidence.",
        "kind": "department",
        "visibility": "private",
        "parent": world.general.pk,
        "members": [world.admin.pk],
    }
    data.update(overrides)
    return data


# The page ----------------------------------------------------------------------------------


def test_the_form_asks_for_first_members_with_its_creator_ticked(client, world):
    # given the admin
    client.force_login(world.admin)
    # when they open the form
    html = client.get(create_url(world)).content.decode()
    # then it lists the organisation's people as first members, the admin ticked
    assert "First members" in html
    ticked = re_checkbox(html, world.admin.pk)
    assert ticked is not None and "checked" in ticked
    unticked = re_checkbox(html, world.member.pk)
    assert unticked is not None and "checked" not in unticked


def re_checkbox(html, pk):
    found = re.search(rf'<input type="checkbox" name="members" value="{pk}"[^>]*>', html)
    return found.group(0) if found else None


def test_the_creator_of_a_private_circle_lands_on_it_and_adds_members(client, world):
    # given the admin, forming a private circle with themselves and Mo as its first members
    client.force_login(world.admin)
    before = events(world.org)
    # when they send the form
    response = client.post(
        create_url(world), private_circle(world, members=[world.admin.pk, world.member.pk])
    )
    # then they land on the new circle, which they see, with both as members
    circle = Circle.objects.get(organisation=world.org, name="Mediation")
    assert response.status_code == 302
    assert response.url == circle_url("circle_detail", circle)
    assert client.get(response.url).status_code == 200
    assert set(circle.memberships.current().values_list("user_id", flat=True)) == {
        world.admin.pk,
        world.member.pk,
    }
    # and each joined through the membership service, recorded in the ledger
    verbs = list(
        LedgerEvent.objects.filter(organisation=world.org)
        .order_by("sequence")
        .values_list("verb", flat=True)[before:]
    )
    assert verbs == ["circle.created", "circle.member_added", "circle.member_added"]
    # and they can go on adding members through the page
    added = client.post(circle_url("member_add", circle), {"user": world.facilitator.pk})
    assert added.status_code == 302
    assert circle.memberships.current().filter(user=world.facilitator).exists()


def test_a_private_circle_without_its_creator_among_its_members_is_refused(client, world):
    # given the admin
    client.force_login(world.admin)
    before = events(world.org)
    # when they untick themselves and send the form
    response = client.post(create_url(world), private_circle(world, members=[world.member.pk]))
    # then the form says why beside the members, and nothing was made
    assert response.status_code == 400
    assert "keep yourself among its first members" in response.content.decode()
    assert not Circle.objects.filter(name="Mediation").exists()
    assert events(world.org) == before


def test_an_open_circle_may_be_formed_without_its_creator(client, world):
    # given the admin
    client.force_login(world.admin)
    # when they form an open circle with Mo alone as its first member
    response = client.post(
        create_url(world), private_circle(world, visibility="open", members=[world.member.pk])
    )
    # then it exists with Mo, and the admin lands on it (open circles are seen by everyone)
    circle = Circle.objects.get(name="Mediation")
    assert response.status_code == 302
    assert list(circle.memberships.current().values_list("user_id", flat=True)) == [world.member.pk]


def test_the_steward_of_a_parent_forms_a_private_sub_circle_and_sees_it(client, world):
    # given Fay, Garden's facilitator (not an admin)
    client.force_login(world.facilitator)
    data = private_circle(world, parent=world.garden.pk, members=[world.facilitator.pk])
    # when she forms a private circle inside Garden
    response = client.post(create_url(world), data)
    # then she lands on it and it counts her as a member
    circle = Circle.objects.get(name="Mediation")
    assert response.status_code == 302
    assert client.get(response.url).status_code == 200
    assert circle.memberships.current().filter(user=world.facilitator).exists()


# The API -----------------------------------------------------------------------------------


def test_the_api_makes_the_creator_of_a_private_circle_its_first_member(client, world):
    # given the admin, through the API
    api = ApiClient(client)
    # when they form a private circle without naming its members
    created = api.post(
        "/organisations/willow/circles",
        {"name": "Mediation", "aim": "Hold conflicts.", "visibility": "private"},
        as_=world.admin,
    )
    # then they are its first member, see it and can add members to it
    assert created.status == 201
    circle_id = created.body["id"]
    assert api.get(f"/circles/{circle_id}", as_=world.admin).status == 200
    members = api.get(f"/circles/{circle_id}/members", as_=world.admin).body["items"]
    assert [m["user"]["id"] for m in members] == [world.admin.pk]
    added = api.post(f"/circles/{circle_id}/members", {"user_id": world.member.pk}, as_=world.admin)
    assert added.status == 201


def test_the_api_takes_first_members_and_refuses_a_private_circle_without_its_creator(
    client, world
):
    api = ApiClient(client)
    before = events(world.org)
    # when the admin names only Mo as the first member of a private circle
    refused = api.post(
        "/organisations/willow/circles",
        {
            "name": "Mediation",
            "aim": "A.",
            "visibility": "private",
            "member_ids": [world.member.pk],
        },
        as_=world.admin,
    )
    # then it is refused beside member_ids, and nothing was made
    assert refused.status == 400
    assert refused.body["field"] == "member_ids"
    assert events(world.org) == before
    # and someone from another organisation is not a possible first member
    stranger = api.post(
        "/organisations/willow/circles",
        {"name": "Kitchen", "aim": "A.", "member_ids": [world.admin.pk, world.outsider.pk]},
        as_=world.admin,
    )
    assert stranger.status == 400
    assert stranger.body["field"] == "member_ids"
    assert not Circle.objects.filter(name__in=["Mediation", "Kitchen"]).exists()
    # and an open circle takes the members named
    made = api.post(
        "/organisations/willow/circles",
        {"name": "Kitchen", "aim": "A.", "member_ids": [world.member.pk, world.facilitator.pk]},
        as_=world.admin,
    )
    assert made.status == 201
    circle = Circle.objects.get(pk=made.body["id"])
    assert set(circle.memberships.current().values_list("user_id", flat=True)) == {
        world.member.pk,
        world.facilitator.pk,
    }
