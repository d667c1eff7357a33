"""Private circles stay invisible from outside: one rule decides every list and every mention.

The whole site is crawled for a private circle's texts in tests/test_private_canary.py; these
tests pin each place where a private circle used to be named to someone outside it.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from circlewise.circles import permissions, services
from circlewise.circles.models import Circle
from circlewise.core.errors import ServiceError
from circlewise.core.models import LedgerEvent
from circlewise.notifications.models import Notification

from .. import factories as f


def url(name, org, *args):
    return reverse(f"circles:{name}", args=[org.slug, *args])


def circle_url(name, circle):
    return reverse(f"circles:{name}", args=[circle.organisation.slug, circle.slug])


# The rule itself ----------------------------------------------------------------------------


def test_every_form_of_the_visibility_rule_agrees_for_every_persona_and_circle(world):
    # given the world's circles, an archived private one and a circle inside Care
    hidden_room = f.make_circle(world.org, "Back room", visibility="private")
    f.add(hidden_room, world.circle_member)
    if hidden_room.memberships.current().filter(user=world.admin).exists():  # its first member
        services.end_membership(circle=hidden_room, user=world.admin, actor=world.admin)
    services.archive_circle(circle=hidden_room, actor=world.circle_member)
    nook = services.create_circle(
        organisation=world.org, actor=world.circle_member, name="Nook", aim="A corner.",
        parent=world.care,
    )  # fmt: skip
    people = [
        world.admin, world.member, world.circle_member, world.facilitator, world.removed,
        world.outsider,
    ]  # fmt: skip
    circles = list(Circle.objects.filter(organisation=world.org).order_by("pk"))
    assert nook in circles
    for person in people:
        # when each form of the rule is asked who sees what
        one_by_one = {c.pk for c in circles if permissions.can_view_circle(person, c)}
        afresh = {c.pk for c in circles if permissions.can_view_circle_now(person, c)}
        listed = {c.pk for c in permissions.visible_only(person, world.org, circles)}
        queried = set(Circle.objects.visible_to(person, world.org).values_list("pk", flat=True))
        hidden = permissions.hidden_circle_ids(person, world.org)
        # then they agree (the list and the query are asked only for the organisation's members,
        # the only people any page or operation asks them for)
        assert one_by_one == afresh, person
        if permissions.can_view_organisation(person, world.org):
            assert one_by_one == listed == queried == {c.pk for c in circles} - hidden, person
        else:
            assert one_by_one == set(), person
    # and the admin, who is not in Care, sees neither Care nor the archived private circle
    assert world.care.pk in permissions.hidden_circle_ids(world.admin, world.org)
    assert hidden_room.pk in permissions.hidden_circle_ids(world.admin, world.org)
    assert nook.pk not in permissions.hidden_circle_ids(world.admin, world.org)


# Removing a member from the organisation --------------------------------------------------


def test_removing_a_member_names_only_the_circles_the_admin_sees_and_counts_the_others(
    client, world
):
    # given Cy, in Garden and in the private Care, where she holds a role; the admin is not in Care
    services.create_role(circle=world.care, actor=world.circle_member, name="Payroll")
    role = world.care.roles.get(name="Payroll")
    services.assign_role(role=role, holder=world.circle_member, actor=world.circle_member)
    f.give_role(world.garden, "secretary", world.circle_member)
    client.force_login(world.admin)
    # when the admin opens her removal page
    response = client.get(url("remove_member", world.org, world.circle_member.pk))
    html = response.content.decode()
    # then Garden and her role there are named, Care and its role are not: they are counted
    assert response.status_code == 200
    assert "Garden" in html and "<bdi>Secretary</bdi> in <bdi>Garden</bdi>" in html
    assert "Care" not in html and "Payroll" not in html
    assert "They also leave 1 private circle that you cannot see" in html


def test_an_admin_in_the_private_circle_sees_it_named_on_the_removal_page(client, world):
    # given the admin back in Care
    f.add(world.care, world.admin)
    client.force_login(world.admin)
    # when they open Cy's removal page
    html = client.get(url("remove_member", world.org, world.circle_member.pk)).content.decode()
    # then Care is named and nothing is counted as unseen
    assert "Care" in html
    assert "cannot see" not in html


def test_removing_a_member_still_ends_her_memberships_in_circles_the_admin_cannot_see(
    client, world
):
    # given the admin outside Care
    client.force_login(world.admin)
    # when they remove Cy from the organisation
    response = client.post(url("remove_member", world.org, world.circle_member.pk))
    # then she has left Care too
    assert response.status_code == 302
    assert not world.care.memberships.current().filter(user=world.circle_member).exists()


# The parent circle's archive page -----------------------------------------------------------


def test_the_archive_page_counts_private_sub_circles_without_naming_them(client, world):
    # given General, with Garden and the private Care inside it, and the admin outside Care
    client.force_login(world.admin)
    # when the admin opens General's archive page
    response = client.get(circle_url("circle_archive", world.general))
    html = response.content.decode()
    # then Garden is listed, Care is counted but neither named nor linked, and archiving waits
    assert response.status_code == 200
    assert "Garden" in html
    assert "Care" not in html and circle_url("circle_detail", world.care) not in html
    assert "1 private circle that you cannot see." in html
    assert "disabled" in html


# A circle inside a private circle -----------------------------------------------------------


def nook_inside_care(world):
    """An open circle inside Care, facilitated by Fay (not in Care), whose leader has left Care."""
    nook = services.create_circle(
        organisation=world.org, actor=world.circle_member, name="Nook", aim="A corner.",
        parent=world.care,
    )  # fmt: skip
    f.add(world.care, world.member)
    f.give_role(nook, "leader", world.member)
    services.end_membership(circle=world.care, user=world.member, actor=world.admin)
    f.give_role(nook, "facilitator", world.facilitator)
    return nook


def test_a_circle_inside_a_private_circle_does_not_name_it_to_those_outside(client, world):
    # given Nook, open, inside Care; its leader Mo has left Care (a broken link)
    nook = nook_inside_care(world)
    # when Fay (outside Care) and Cy (in Care) open Nook's page
    client.force_login(world.facilitator)
    outside = client.get(circle_url("circle_detail", nook)).content.decode()
    client.force_login(world.circle_member)
    inside = client.get(circle_url("circle_detail", nook)).content.decode()
    # then Fay reads that it is inside a private circle, with no name, link or membership of it
    assert "Inside a private circle" in outside
    assert "Care" not in outside and circle_url("circle_detail", world.care) not in outside
    assert "is not a member of" not in outside
    # and Cy reads Care's name, and that Mo links Nook to Care without being in it
    assert circle_url("circle_detail", world.care) in inside
    assert (
        "\u2068Mo Member\u2069 links this circle to \u2068Care\u2069 but is not a member of "
        "\u2068Care\u2069." in inside
    )


def test_the_edit_page_of_a_circle_inside_a_private_one_neither_offers_nor_moves_its_parent(
    client, world
):
    # given Nook inside Care, and Fay, its facilitator, outside Care
    nook = nook_inside_care(world)
    client.force_login(world.facilitator)
    # when she opens the edit page, and saves a new aim
    page = client.get(circle_url("circle_edit", nook)).content.decode()
    response = client.post(
        circle_url("circle_edit", nook),
        {"name": "Nook", "aim": "A quiet corner.", "kind": "department", "visibility": "open"},
    )
    # then the page neither names Care nor asks for a parent, and Nook stays inside Care
    assert "Care" not in page and 'name="parent"' not in page
    assert "this circle stays inside it" in page
    assert response.status_code == 302
    nook.refresh_from_db()
    assert (nook.aim, nook.parent_id) == ("A quiet corner.", world.care.pk)


def test_assigning_a_link_role_below_a_private_circle_does_not_name_it_in_the_refusal(world):
    # given Nook inside Care, and Fay (outside Care) taking its delegate role herself
    nook = nook_inside_care(world)
    role = nook.roles.get(kind="delegate")
    # when the service refuses (Fay is not in the parent circle)
    with pytest.raises(ServiceError) as refused:
        services.assign_role(role=role, holder=world.facilitator, actor=world.facilitator)
    # then the refusal says why without naming Care, and nothing changed
    assert "is not a member of the parent circle, which is private" in refused.value.text
    assert "Care" not in refused.value.text
    assert not role.assignments.exists()


# The backlog and notifications --------------------------------------------------------------


def test_a_topic_raised_from_a_private_circle_does_not_name_it(client, world):
    # given Cy (in Garden and Care, not in General) raising a topic with General: it is recorded
    # as raised from her first circle by name, Care
    from circlewise.decisions import services as consent

    item = consent.add_backlog_item(circle=world.general, actor=world.circle_member, topic="Paths")
    assert item.raised_from == world.care
    backlog = reverse("decisions:backlog", args=[world.org.slug, world.general.slug])
    # when Mo (outside Care) and Cy read General's backlog
    client.force_login(world.member)
    outside = client.get(backlog).content.decode()
    client.force_login(world.circle_member)
    inside = client.get(backlog).content.decode()
    # then only Cy reads where it came from
    assert "Paths" in outside and "Care" not in outside
    assert "<bdi>Care</bdi></a>)" in inside


def test_a_notification_from_a_private_circle_loses_its_text_once_its_reader_has_left(
    client, world
):
    # given Mo, told of a proposal in Care while he was in it, who has since left Care
    from circlewise.decisions import services as consent

    f.add(world.care, world.member)
    proposal = consent.create_proposal(
        circle=world.care, author=world.circle_member, title="Quiet payroll", driver="A need.",
        text="Pay on the first.",
    )  # fmt: skip
    consent.present(proposal=proposal, actor=world.circle_member)
    event = LedgerEvent.objects.filter(verb="proposal.presented").latest("sequence")
    Notification.objects.create(recipient=world.member, event=event)
    page_before = _notifications(client, world.member)
    services.end_membership(circle=world.care, user=world.member, actor=world.member)
    # when he reads his notifications, on the page and in the API
    page = _notifications(client, world.member)
    body = client.get("/api/v1/notifications").json()
    # then it is still listed, without its text, leading nowhere
    assert "Quiet payroll" in page_before
    assert "Quiet payroll" not in page and "Care" not in page
    assert "An event in a private circle you are not in." in page
    sentences = [item["event"]["sentence"] for item in body["items"]]
    assert "An event in a private circle you are not in." in sentences
    assert not any("Quiet payroll" in s for s in sentences)


def _notifications(client, user):
    client.force_login(user)
    return client.get(reverse("notifications:list")).content.decode()
