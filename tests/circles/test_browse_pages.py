"""The browsing pages: who sees what, and what each page says."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from circlewise.circles import services
from circlewise.circles.models import Role

from .. import factories as f

ORG_PAGES = ["org_home", "org_about", "circle_list", "org_chart", "terms", "org_feed"]


def _url(name, world, *args):
    return reverse(f"circles:{name}", args=[world.org.slug, *args])


@pytest.mark.parametrize("name", ORG_PAGES)
def test_an_organisation_member_sees_each_organisation_page(client, world, name):
    # given a member of the organisation
    client.force_login(world.member)
    # when they open the page
    response = client.get(_url(name, world))
    # then it renders with the organisation's name
    assert response.status_code == 200
    assert "Willow Ecovillage" in response.content.decode()


@pytest.mark.parametrize("name", [*ORG_PAGES, "ledger"])
def test_an_outsider_gets_404_for_each_organisation_page(client, world, name):
    # given someone from another organisation
    client.force_login(world.outsider)
    # when they open a page of Willow
    response = client.get(_url(name, world))
    # then Willow does not exist for them
    assert response.status_code == 404


@pytest.mark.parametrize("name", ORG_PAGES)
def test_a_removed_member_gets_404(client, world, name):
    client.force_login(world.removed)
    assert client.get(_url(name, world)).status_code == 404


def test_an_anonymous_visitor_is_sent_to_sign_in(client, world):
    response = client.get(_url("org_home", world))
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_home_lists_my_circles_roles_and_terms_due_in_my_circles(client, world):
    # given Cy is in Garden, whose secretary's term ends in 5 days
    today = timezone.localdate()
    f.give_role(
        world.garden,
        "secretary",
        world.circle_member,
        term_start=today - dt.timedelta(days=360),
        term_end=today + dt.timedelta(days=5),
    )
    client.force_login(world.circle_member)
    # when Cy opens Home
    html = client.get(_url("org_home", world)).content.decode()
    # then the circles, the role and its status in words are there
    assert "Garden" in html and "Care" in html
    assert "Secretary" in html
    assert "ends in 5 days" in html
    assert "badge-ending" in html


def test_home_says_when_nothing_is_due(client, world):
    client.force_login(world.member)
    html = client.get(_url("org_home", world)).content.decode()
    assert "Nothing is due" in html
    assert "You are not in a circle yet" in html


def test_about_shows_vision_mission_and_values_as_markdown(client, world):
    # given an organisation with a vision in Markdown
    services.update_organisation(
        organisation=world.org, actor=world.admin, vision="A **green** valley", values="Care"
    )
    client.force_login(world.member)
    # when a member reads About
    html = client.get(_url("org_about", world)).content.decode()
    # then the Markdown is rendered
    assert "<strong>green</strong>" in html
    assert "Care" in html


def test_the_edit_link_on_about_is_for_admins_only(client, world):
    edit = _url("org_edit", world)
    client.force_login(world.member)
    assert edit not in client.get(_url("org_about", world)).content.decode()
    client.force_login(world.admin)
    assert edit in client.get(_url("org_about", world)).content.decode()


# Private circles ---------------------------------------------------------------------------


def test_a_private_circle_is_left_out_of_the_list_and_the_chart_for_non_members(client, world):
    client.force_login(world.member)
    for name in ("circle_list", "org_chart"):
        html = client.get(_url(name, world)).content.decode()
        assert "Garden" in html
        assert "Care" not in html


def test_a_private_circle_is_in_the_list_and_the_chart_for_its_members(client, world):
    client.force_login(world.circle_member)
    for name in ("circle_list", "org_chart"):
        assert "Care" in client.get(_url(name, world)).content.decode()


def test_a_private_circle_page_is_404_for_non_members(client, world):
    client.force_login(world.member)
    assert client.get(_url("circle_detail", world, "care")).status_code == 404
    assert client.get(_url("circle_feed", world, "care")).status_code == 404


def test_the_organisation_feed_hides_events_of_private_circles_i_am_not_in(client, world):
    # given an event in the private circle Care
    services.add_member(circle=world.care, user=world.facilitator, actor=world.admin)
    # when a non-member reads the organisation's feed
    client.force_login(world.member)
    html = client.get(_url("org_feed", world)).content.decode()
    # then the event is not there, but open events are
    assert "to <bdi>Care</bdi>." not in html
    assert "to <bdi>Garden</bdi>." in html
    # and a member of Care sees it
    client.force_login(world.circle_member)
    assert "to <bdi>Care</bdi>." in client.get(_url("org_feed", world)).content.decode()


def test_the_feed_is_paginated(client, world):
    # given more events than fit on a page
    for n in range(35):
        f.join(world.org, f.make_user(f"Newcomer {n}"))
    client.force_login(world.member)
    # when following the link to older events
    first = client.get(_url("org_feed", world)).content.decode()
    older = re.search(r"\?before=(\d+)", first)
    assert older is not None
    second = client.get(_url("org_feed", world) + older.group(0)).content.decode()
    # then the newest is on the first page only, and older events are on the second
    assert "<bdi>Newcomer 34</bdi> to" in first
    assert "<bdi>Newcomer 34</bdi> to" not in second
    assert "<bdi>Newcomer 0</bdi> to" in second
    assert "Back to the newest" in second


def test_a_circle_feed_shows_only_that_circle(client, world):
    client.force_login(world.member)
    html = client.get(_url("circle_feed", world, "garden")).content.decode()
    assert "to <bdi>Garden</bdi>." in html
    assert "to <bdi>Care</bdi>." not in html


def test_person_page_hides_roles_in_private_circles_from_non_members(client, world):
    # given Cy holds a role in the private circle Care
    f.give_role(world.care, "secretary", world.circle_member)
    url = _url("person_detail", world, world.circle_member.pk)
    # when a non-member of Care looks at Cy
    client.force_login(world.member)
    html = client.get(url).content.decode()
    # then Cy's Garden membership shows, but nothing of Care
    assert "Cy Circle" in html
    assert "Garden" in html
    assert "Care" not in html
    # and a member of Care sees the role
    client.force_login(world.circle_member)
    assert "Care" in client.get(url).content.decode()


def test_person_page_is_404_for_someone_outside_the_organisation(client, world):
    client.force_login(world.member)
    assert client.get(_url("person_detail", world, world.outsider.pk)).status_code == 404
    client.force_login(world.outsider)
    assert client.get(_url("person_detail", world, world.member.pk)).status_code == 404


def test_person_page_shows_pronouns(client, world):
    world.member.pronouns = "they/them"
    world.member.save()
    client.force_login(world.circle_member)
    html = client.get(_url("person_detail", world, world.member.pk)).content.decode()
    assert "they/them" in html


# The ledger --------------------------------------------------------------------------------


def test_the_ledger_page_is_for_admins(client, world):
    client.force_login(world.member)
    assert client.get(_url("ledger", world)).status_code == 403


def test_an_admin_sees_the_head_and_can_verify_the_chain(client, world):
    # given an admin
    client.force_login(world.admin)
    world.org.refresh_from_db()
    # when they open the ledger page, then ask for a check
    page = client.get(_url("ledger", world)).content.decode()
    checked = client.get(_url("ledger", world) + "?verify=1").content.decode()
    # then the head is shown, and the check says the chain holds
    assert world.org.ledger_head in page
    assert "The chain holds" not in page
    assert "The chain holds" in checked


# Terms -------------------------------------------------------------------------------------


def test_terms_lists_expired_and_ending_terms_and_vacant_roles(client, world):
    # given an expired term in Garden and one ending in 10 days in General
    today = timezone.localdate()
    f.add(world.general, world.member)
    f.give_role(
        world.garden,
        "secretary",
        world.circle_member,
        term_start=today - dt.timedelta(days=400),
        term_end=today - dt.timedelta(days=3),
    )
    f.give_role(
        world.general,
        "facilitator",
        world.member,
        term_start=today - dt.timedelta(days=300),
        term_end=today + dt.timedelta(days=10),
    )
    client.force_login(world.member)
    # when a member looks at terms
    html = client.get(_url("terms", world)).content.decode()
    # then both are there with their status in words, and Garden's vacant leader too
    assert "expired 3 days ago" in html
    assert "ends in 10 days" in html
    assert "Nobody" not in html or "vacant" in html
    assert "Leader" in html


def test_terms_leaves_out_private_circles_i_am_not_in(client, world):
    today = timezone.localdate()
    f.give_role(
        world.care,
        "secretary",
        world.circle_member,
        term_start=today - dt.timedelta(days=400),
        term_end=today - dt.timedelta(days=3),
    )
    client.force_login(world.member)
    assert "Care" not in client.get(_url("terms", world)).content.decode()
    client.force_login(world.circle_member)
    assert "Care" in client.get(_url("terms", world)).content.decode()


# A circle ----------------------------------------------------------------------------------


def test_circle_page_shows_aim_domain_members_and_roles(client, world):
    services.update_circle(circle=world.garden, actor=world.admin, domain="- **Seeds**\n- Tools")
    client.force_login(world.member)
    html = client.get(_url("circle_detail", world, "garden")).content.decode()
    assert "Garden does its work." in html
    assert "<strong>Seeds</strong>" in html
    assert "Cy Circle" in html
    assert "Fay Facilitator" in html
    assert "Facilitator" in html and "Secretary" in html
    assert "Nobody holds this role." in html  # the leader


def test_circle_page_warns_about_a_broken_double_link(client, world):
    # given Garden has no leader
    client.force_login(world.member)
    html = client.get(_url("circle_detail", world, "garden")).content.decode()
    assert "Nobody holds the leader role" in html


def test_circle_page_warns_when_a_link_is_not_in_the_parent_circle(client, world):
    # given Cy became Garden's delegate, then left General
    f.add(world.general, world.circle_member)
    assignment = f.give_role(world.garden, "delegate", world.circle_member)
    services.end_membership(circle=world.general, user=world.circle_member, actor=world.admin)
    assert assignment.role.kind == Role.Kind.DELEGATE
    client.force_login(world.member)
    html = client.get(_url("circle_detail", world, "garden")).content.decode()
    assert (
        "\u2068Cy Circle\u2069 links this circle to \u2068General\u2069 but is not a member of "
        "\u2068General\u2069." in html
    )


def test_circle_actions_show_only_to_those_allowed(client, world):
    edit = _url("circle_edit", world, "garden")
    # a plain member sees no edit button
    client.force_login(world.member)
    assert edit not in client.get(_url("circle_detail", world, "garden")).content.decode()
    # Garden's facilitator does, and can add members and roles
    client.force_login(world.facilitator)
    html = client.get(_url("circle_detail", world, "garden")).content.decode()
    assert edit in html
    assert _url("member_add", world, "garden") in html
    assert _url("role_create", world, "garden") in html


def test_circle_page_for_an_outsider_is_404(client, world):
    client.force_login(world.outsider)
    assert client.get(_url("circle_detail", world, "garden")).status_code == 404


def test_circle_page_lists_visible_sub_circles_only(client, world):
    client.force_login(world.member)
    html = client.get(_url("circle_detail", world, "general")).content.decode()
    assert "Garden" in html
    assert "Care" not in html


def test_helping_circle_shows_its_mandate_and_end(client, world):
    ends = timezone.localdate() + dt.timedelta(days=40)
    f.make_circle(
        world.org,
        "Well Repair",
        parent=world.general,
        kind="helping",
        mandate="Fix the **well**.",
        ends_on=ends,
    )
    client.force_login(world.member)
    html = client.get(_url("circle_detail", world, "well-repair")).content.decode()
    assert "<strong>well</strong>" in html
    assert "This helping circle ends on" in html


def test_role_page_shows_responsibilities_and_holder_history(client, world):
    # given two people held Garden's facilitator role in turn
    f.give_role(world.garden, "facilitator", world.circle_member)
    role = f.role(world.garden, "facilitator")
    client.force_login(world.member)
    # when a member opens the role
    html = client.get(_url("role_detail", world, "garden", role.pk)).content.decode()
    # then the responsibilities and both holders are shown
    assert "Prepares and facilitates meetings" in html
    assert "Cy Circle" in html
    assert "Fay Facilitator" in html
    assert "Earlier holders" in html


def test_role_page_is_404_under_the_wrong_circle_or_for_an_outsider(client, world):
    role = f.role(world.garden, "facilitator")
    client.force_login(world.member)
    assert client.get(_url("role_detail", world, "general", role.pk)).status_code == 404
    client.force_login(world.outsider)
    assert client.get(_url("role_detail", world, "garden", role.pk)).status_code == 404


def test_pages_carry_the_navigation_and_the_unread_count(
    client, world, django_capture_on_commit_callbacks
):
    # given Cy has one unread notification
    with django_capture_on_commit_callbacks(execute=True):
        services.add_member(circle=world.general, user=world.circle_member, actor=world.admin)
    client.force_login(world.circle_member)
    # when Cy opens Home
    html = client.get(_url("org_home", world)).content.decode()
    # then the places, the bell and its count are there
    assert reverse("notifications:list") in html
    assert 'aria-current="page"' in html
    assert "1 unread" in html


def test_pages_of_an_organisation_without_circles_say_so(client, db):
    # given a brand-new organisation with no circle
    org = f.make_org("Empty Co-op", slug="empty")
    client.force_login(f.admin_of(org))
    # when its founder opens the chart and the list
    for name in ("org_chart", "circle_list"):
        response = client.get(reverse(f"circles:{name}", args=["empty"]))
        # then each says there are no circles yet
        assert response.status_code == 200
        assert "There are no circles yet." in response.content.decode()


def test_a_nonsense_feed_position_shows_the_newest_events(client, world):
    client.force_login(world.member)
    response = client.get(_url("org_feed", world) + "?before=abc")
    assert response.status_code == 200
    assert "to <bdi>Garden</bdi>." in response.content.decode()
