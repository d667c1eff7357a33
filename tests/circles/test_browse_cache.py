"""Pages cached on the ledger's version are never stale and never someone else's.

The circle page's body, the circle list, the chart and the terms are kept in the cache under the
organisation's ledger version and the viewer's rights; each test renders a page once (so that it
is cached), changes something or changes viewer, and reads it again.
"""

from __future__ import annotations

import datetime as dt

from django.contrib import admin
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from circlewise.accounts import services as accounts
from circlewise.accounts.models import User
from circlewise.circles import services

from .. import factories as f


def _members(html: str) -> str:
    """The circle page's list of members (the record keeps the names people had then)."""
    return html.split('id="members"', 1)[1]


def _page(client, user, name: str, *args: object) -> str:
    client.force_login(user)
    response = client.get(reverse(f"circles:{name}", args=args))
    assert response.status_code == 200
    return response.content.decode()


def test_a_member_added_through_the_service_shows_on_the_circle_page_at_once(client, world):
    # given Garden's page, seen (and so cached) by one of its members
    assert "Nora New" not in _page(client, world.circle_member, "circle_detail", "willow", "garden")
    newcomer = f.join(world.org, f.make_user("Nora New"))
    # when the facilitator adds Nora to Garden
    services.add_member(circle=world.garden, user=newcomer, actor=world.facilitator)
    # then the next reading of the page names her
    assert "Nora New" in _page(client, world.circle_member, "circle_detail", "willow", "garden")


def test_two_viewers_with_different_rights_each_get_their_own_actions(client, world):
    add_url = reverse("circles:member_add", args=["willow", "garden"])
    fill_url = reverse("circles:role_create", args=["willow", "garden"])
    # given Garden's page seen first by its facilitator, who may manage it
    facilitators = _page(client, world.facilitator, "circle_detail", "willow", "garden")
    assert add_url in facilitators
    # when a member who may not manage it reads the same page
    members = _page(client, world.circle_member, "circle_detail", "willow", "garden")
    # then the member gets no management actions, and the facilitator keeps theirs
    assert add_url not in members
    assert fill_url not in members
    assert add_url in _page(client, world.facilitator, "circle_detail", "willow", "garden")


def test_a_private_sub_circle_never_shows_to_a_non_member_after_a_member_saw_it(client, world):
    care_url = reverse("circles:circle_detail", args=["willow", "care"])
    # given General's page, the list, the chart and the terms seen first by Cy, who is in Care
    assert care_url in _page(client, world.circle_member, "circle_detail", "willow", "general")
    assert care_url in _page(client, world.circle_member, "circle_list", "willow")
    assert care_url in _page(client, world.circle_member, "org_chart", "willow")
    f.give_role(
        world.care,
        "secretary",
        world.circle_member,
        term_start=timezone.localdate() - dt.timedelta(days=360),
        term_end=timezone.localdate() + dt.timedelta(days=2),
    )
    assert care_url in _page(client, world.circle_member, "terms", "willow")
    # when Mo, who is not in Care, reads the same pages
    pages = [
        _page(client, world.member, "circle_detail", "willow", "general"),
        _page(client, world.member, "circle_list", "willow"),
        _page(client, world.member, "org_chart", "willow"),
        _page(client, world.member, "terms", "willow"),
    ]
    # then none of them shows Care
    for html in pages:
        assert care_url not in html
        assert ">Care<" not in html


def test_a_profile_name_change_shows_on_cached_pages(
    client, world, django_capture_on_commit_callbacks
):
    # given Garden's page and the list, seen (and cached) while Fay is called Fay Facilitator
    garden = _members(_page(client, world.member, "circle_detail", "willow", "garden"))
    assert "Fay Facilitator" in garden
    f.add(world.general, world.facilitator)
    f.give_role(world.garden, "leader", world.facilitator)
    assert "Fay Facilitator" in _page(client, world.member, "circle_list", "willow")
    # when Fay renames herself (which appends nothing to the ledger)
    with django_capture_on_commit_callbacks(execute=True):
        accounts.update_profile(
            user=world.facilitator, name="Fay Fairweather", pronouns="she/her", timezone="UTC"
        )
    # then the pages name her as she is now
    garden = _members(_page(client, world.member, "circle_detail", "willow", "garden"))
    assert "Fay Fairweather" in garden
    assert "Fay Facilitator" not in garden
    assert "she/her" in garden
    assert "Fay Fairweather" in _page(client, world.member, "circle_list", "willow")


def test_a_name_changed_in_the_django_admin_shows_on_cached_pages(
    client, world, django_capture_on_commit_callbacks
):
    # given Garden's page, cached while Cy is called Cy Circle
    assert "Cy Circle" in _page(client, world.member, "circle_detail", "willow", "garden")
    # when a superuser renames Cy in the Django admin
    superuser = User.objects.create_superuser(email="root@example.org", password="x" * 12)
    request = RequestFactory().post("/admin/")
    request.user = superuser
    person = User.objects.get(pk=world.circle_member.pk)
    person.name = "Cyrus Round"
    with django_capture_on_commit_callbacks(execute=True):
        admin.site._registry[User].save_model(request, person, form=None, change=True)
    # then the page names Cy as Cyrus
    garden = _members(_page(client, world.member, "circle_detail", "willow", "garden"))
    assert "Cyrus Round" in garden
    assert "Cy Circle" not in garden


def test_the_cached_page_still_refuses_an_outsider_and_a_non_member_of_a_private_circle(
    client, world
):
    # given Care's page, seen (and cached) by its member
    _page(client, world.circle_member, "circle_detail", "willow", "care")
    url = reverse("circles:circle_detail", args=["willow", "care"])
    # when Mo (not in Care) and the outsider ask for it
    client.force_login(world.member)
    mo = client.get(url)
    client.force_login(world.outsider)
    outsider = client.get(url)
    # then both are told it does not exist
    assert mo.status_code == 404
    assert outsider.status_code == 404


def test_a_member_removed_from_the_organisation_loses_the_page_at_once(client, world):
    # given Garden's page, seen by Cy
    _page(client, world.circle_member, "circle_detail", "willow", "garden")
    # when an admin removes Cy from the organisation
    services.remove_org_member(organisation=world.org, user=world.circle_member, actor=world.admin)
    # then Cy can no longer read it
    client.force_login(world.circle_member)
    url = reverse("circles:circle_detail", args=["willow", "garden"])
    assert client.get(url).status_code == 404


def test_the_ledger_page_does_not_tell_an_admin_what_happened_in_a_private_circle(client, world):
    # given a new event in Care, a private circle the admin Ada is not in
    services.update_circle(circle=world.care, actor=world.circle_member, aim="Secretcare")
    # when Ada reads the record
    html = _page(client, world.admin, "ledger", "willow")
    # then the event is there, but not what it says
    assert "the description of the circle <bdi>Care</bdi>" not in html
    assert "An event in a private circle you are not in." in html


def test_the_ledger_page_refuses_a_member_and_an_outsider(client, world):
    url = reverse("circles:ledger", args=["willow"])
    # when a member who is not an admin, and an outsider, ask for the record
    client.force_login(world.member)
    member = client.get(url)
    client.force_login(world.outsider)
    outsider = client.get(url)
    # then the member is refused and the outsider is told it does not exist
    assert member.status_code == 403
    assert outsider.status_code == 404


def test_the_cached_circle_page_shows_my_unread_count_as_it_is_now(
    client, world, django_capture_on_commit_callbacks
):
    from circlewise.notifications import services as notifications

    # given an unread notification for Cy (Garden's description changed) and Garden's page seen
    with django_capture_on_commit_callbacks(execute=True):
        services.update_circle(circle=world.garden, actor=world.admin, aim="Grow more beans")
    assert "1 unread" in _page(client, world.circle_member, "circle_detail", "willow", "garden")
    # when Cy reads it (which the ledger does not record)
    notifications.mark_read(user=world.circle_member)
    # then the page no longer counts it
    assert "1 unread" not in _page(client, world.circle_member, "circle_detail", "willow", "garden")


def test_every_response_of_the_cached_page_gets_a_freshly_masked_csrf_token(client, world):
    # given Garden's page read twice by the same person
    first = _page(client, world.member, "circle_detail", "willow", "garden")
    second = _page(client, world.member, "circle_detail", "willow", "garden")

    # then both carry a CSRF token (the sign-out form works), masked differently each time
    def token(html: str) -> str:
        return html.split('name="csrfmiddlewaretoken" value="', 1)[1].split('"', 1)[0]

    assert len(token(first)) == 64
    assert token(first) != token(second)
    assert "cw-csrf-token-placeholder" not in second


def test_the_organisation_feed_never_shows_a_private_circle_to_a_non_member(client, world):
    # given a change in Care, and the feed seen (and cached) first by Cy, who is in Care
    services.update_circle(circle=world.care, actor=world.circle_member, aim="Look after us")
    assert "the description of the circle <bdi>Care</bdi>" in _page(
        client, world.circle_member, "org_feed", "willow"
    )
    # when Mo, who is not in Care, reads the feed
    html = _page(client, world.member, "org_feed", "willow")
    # then the change is not there; and a later change shows at once
    assert "the description of the circle <bdi>Care</bdi>" not in html
    services.update_circle(circle=world.garden, actor=world.admin, aim="Grow more beans")
    assert "the description of the circle <bdi>Garden</bdi>" in _page(
        client, world.member, "org_feed", "willow"
    )


def test_the_circle_feed_refuses_an_outsider_after_a_member_saw_it(client, world):
    # given Garden's history seen by one of its members
    _page(client, world.circle_member, "circle_feed", "willow", "garden")
    # when the outsider asks for it
    client.force_login(world.outsider)
    response = client.get(reverse("circles:circle_feed", args=["willow", "garden"]))
    # then it does not exist for them
    assert response.status_code == 404
