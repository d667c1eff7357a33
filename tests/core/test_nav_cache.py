"""The navigation's per-person data (organisations, unread count) is cached under a per-person
version that the services move on commit: never stale, never another person's."""

from __future__ import annotations

import re

from django.urls import reverse

from circlewise.circles import services
from circlewise.notifications import services as notification_services


def unread_in(client) -> int:
    """The bell's count on the next page load (0 when no count is shown)."""
    html = client.get(reverse("profile")).content.decode()
    found = re.search(r'<span class="count" aria-hidden="true">(\d+)</span>', html)
    return int(found.group(1)) if found else 0


def switcher_in(client) -> str:
    return client.get(reverse("profile")).content.decode()


def test_a_new_notification_shows_in_the_bell_on_the_next_page_load(
    client, world, django_capture_on_commit_callbacks
):
    # given the member has seen the page with no unread notifications
    client.force_login(world.member)
    with django_capture_on_commit_callbacks(execute=True):
        notification_services.mark_read(user=world.member)
    assert unread_in(client) == 0
    # when something notifies them (being made an admin)
    with django_capture_on_commit_callbacks(execute=True):
        services.set_org_admin(
            organisation=world.org, user=world.member, is_admin=True, actor=world.admin
        )
    # then the next page shows it
    assert unread_in(client) == 1


def test_marking_read_lowers_the_count(client, world, django_capture_on_commit_callbacks):
    # given the member has an unread notification, and has seen the count
    client.force_login(world.member)
    with django_capture_on_commit_callbacks(execute=True):
        services.set_org_admin(
            organisation=world.org, user=world.member, is_admin=True, actor=world.admin
        )
    assert unread_in(client) >= 1
    # when they mark them all read
    with django_capture_on_commit_callbacks(execute=True):
        notification_services.mark_read(user=world.member)
    # then the bell shows none
    assert unread_in(client) == 0


def test_joining_an_organisation_adds_it_to_the_switcher(
    client, world, django_capture_on_commit_callbacks
):
    # given the member has seen the page while in one organisation
    client.force_login(world.member)
    other_home = reverse("circles:org_home", args=[world.other_org.slug])
    assert other_home not in switcher_in(client)
    # when they join another
    with django_capture_on_commit_callbacks(execute=True):
        services.add_org_member(
            organisation=world.other_org, user=world.member, actor=world.outsider
        )
    # then the switcher lists it on the next page
    assert other_home in switcher_in(client)


def test_leaving_an_organisation_removes_it_from_the_switcher(
    client, world, django_capture_on_commit_callbacks
):
    # given the member belongs to two organisations and has seen both in the switcher
    with django_capture_on_commit_callbacks(execute=True):
        services.add_org_member(
            organisation=world.other_org, user=world.member, actor=world.outsider
        )
    client.force_login(world.member)
    other_home = reverse("circles:org_home", args=[world.other_org.slug])
    assert other_home in switcher_in(client)
    # when they are removed from one
    with django_capture_on_commit_callbacks(execute=True):
        services.remove_org_member(
            organisation=world.other_org, user=world.member, actor=world.outsider
        )
    # then the switcher no longer lists it
    assert other_home not in switcher_in(client)


def test_renaming_an_organisation_shows_the_new_name(
    client, world, django_capture_on_commit_callbacks
):
    # given the member has seen the page with the organisation's name
    client.force_login(world.member)
    assert "Willow Ecovillage" in switcher_in(client)
    # when an admin renames it
    with django_capture_on_commit_callbacks(execute=True):
        services.update_organisation(
            organisation=world.org, actor=world.admin, name="Willow Commons"
        )
    # then the next page shows the new name
    html = switcher_in(client)
    assert "Willow Commons" in html
    assert "Willow Ecovillage" not in html


def test_two_people_never_see_each_others_counts(client, world, django_capture_on_commit_callbacks):
    # given the member has an unread notification and the admin has none
    with django_capture_on_commit_callbacks(execute=True):
        notification_services.mark_read(user=world.member)
        notification_services.mark_read(user=world.admin)
    with django_capture_on_commit_callbacks(execute=True):
        services.set_org_admin(
            organisation=world.org, user=world.member, is_admin=True, actor=world.admin
        )
    client.force_login(world.member)
    member_count = unread_in(client)
    assert member_count >= 1
    # when the admin loads a page, then the member again
    client.force_login(world.admin)
    admin_count = unread_in(client)
    client.force_login(world.member)
    # then each sees only their own count
    assert admin_count == 0
    assert unread_in(client) == member_count


def test_an_outsider_sees_only_their_own_organisations(client, world):
    # given the admin has loaded a page listing Willow
    client.force_login(world.admin)
    assert "Willow Ecovillage" in switcher_in(client)
    # when the outsider loads a page
    client.force_login(world.outsider)
    html = switcher_in(client)
    # then Willow is nowhere in their navigation
    assert "Willow Ecovillage" not in html
