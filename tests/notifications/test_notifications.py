"""Notifications: delivered after a service's change commits, to the people concerned and not to
the person who acted; seen and marked only by their recipient."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.test import Client
from django.urls import reverse

from circlewise.accounts.models import User
from circlewise.circles import services
from circlewise.circles.models import Circle
from circlewise.notifications.models import Notification
from tests import factories as f
from tests.conftest import World

Capture = Callable[..., Any]


def _add_to_garden(world: World, user: User, capture: Capture) -> Notification:
    with capture(execute=True):
        services.add_member(circle=world.garden, user=user, actor=world.admin)
    return Notification.objects.get(recipient=user, event__verb="circle.member_added")


def test_adding_a_member_notifies_them_and_not_the_actor(
    world: World, django_capture_on_commit_callbacks: Capture
) -> None:
    # given
    admin_before = Notification.objects.filter(recipient=world.admin).count()
    # when
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        services.add_member(circle=world.garden, user=world.member, actor=world.admin)
    # then
    assert callbacks
    notification = Notification.objects.get(recipient=world.member)
    assert notification.event.verb == "circle.member_added"
    assert notification.read_at is None
    assert Notification.objects.filter(recipient=world.admin).count() == admin_before


def test_delivery_reaches_active_people_once(world: World) -> None:
    # given an event, and among its recipients someone whose account is closed
    from circlewise.core.models import LedgerEvent
    from circlewise.notifications.services import deliver

    event = LedgerEvent.objects.order_by("-pk").first()
    assert event is not None
    closed = f.join(world.org, name="Closed Account")
    closed.is_active = False
    closed.save(update_fields=["is_active"])
    Notification.objects.filter(event=event).delete()
    # when it is delivered, and delivered again with a repeated recipient
    first = deliver(event_id=event.pk, recipient_ids=[world.member.pk, closed.pk, world.admin.pk])
    again = deliver(event_id=event.pk, recipient_ids=[world.member.pk, world.member.pk])
    # then the active people have it once, the closed account not at all
    assert first == 2
    assert again == 0
    assert sorted(
        Notification.objects.filter(event=event).values_list("recipient_id", flat=True)
    ) == sorted([world.member.pk, world.admin.pk])
    assert deliver(event_id=event.pk, recipient_ids=[]) == 0


def test_notifications_wait_for_the_commit(
    world: World, django_capture_on_commit_callbacks: Capture
) -> None:
    # when the change is made but its commit callbacks have not run
    with django_capture_on_commit_callbacks(execute=False):
        services.add_member(circle=world.garden, user=world.member, actor=world.admin)
        # then
        assert not Notification.objects.filter(recipient=world.member).exists()


def test_list_shows_the_sentence_the_organisation_and_unread_in_words(
    client: Client, world: World, django_capture_on_commit_callbacks: Capture
) -> None:
    # given
    _add_to_garden(world, world.member, django_capture_on_commit_callbacks)
    client.force_login(world.member)
    # when
    response = client.get(reverse("notifications:list"))
    # then
    html = response.content.decode()
    assert "<bdi>Ada Admin</bdi> added <bdi>Mo Member</bdi> to <bdi>Garden</bdi>." in html
    assert "Willow Ecovillage" in html
    assert ">unread<" in html
    assert "You have 1 unread notification." in html


def test_list_shows_only_the_persons_own_notifications(
    client: Client, world: World, django_capture_on_commit_callbacks: Capture
) -> None:
    # given
    _add_to_garden(world, world.member, django_capture_on_commit_callbacks)
    client.force_login(world.outsider)
    # when
    response = client.get(reverse("notifications:list"))
    # then
    assert "Mo Member" not in response.content.decode()
    assert response.context["items"] == []


def test_list_is_newest_first_and_paginated(
    client: Client, world: World, django_capture_on_commit_callbacks: Capture
) -> None:
    # given 27 circles Mo is added to, one after another
    with django_capture_on_commit_callbacks(execute=True):
        for n in range(27):
            circle = f.make_circle(world.org, f"Circle {n:02d}", parent=world.general)
            services.add_member(circle=circle, user=world.member, actor=world.admin)
    client.force_login(world.member)
    # when
    first = client.get(reverse("notifications:list"))
    second = client.get(reverse("notifications:list") + "?page=2")
    # then
    texts = [item.text for item in first.context["items"]]
    assert len(texts) == 25
    assert texts[0].endswith("to <bdi>Circle 26</bdi>.")
    assert [item.text for item in second.context["items"]][-1].endswith("<bdi>Circle 00</bdi>.")


def test_bell_counts_unread_notifications(
    client: Client, world: World, django_capture_on_commit_callbacks: Capture
) -> None:
    # given
    notification = _add_to_garden(world, world.member, django_capture_on_commit_callbacks)
    client.force_login(world.member)
    # when
    before = client.get(reverse("profile")).context["nav_unread"]()
    client.post(reverse("notifications:mark_read", args=[notification.pk]), {"stay": "1"})
    after = client.get(reverse("profile")).context["nav_unread"]()
    # then
    assert (before, after) == (1, 0)


def test_mark_read_goes_to_what_it_is_about(
    client: Client, world: World, django_capture_on_commit_callbacks: Capture
) -> None:
    # given
    notification = _add_to_garden(world, world.member, django_capture_on_commit_callbacks)
    client.force_login(world.member)
    # when
    response = client.post(reverse("notifications:mark_read", args=[notification.pk]))
    # then
    assert response.status_code == 302
    # (Mo joined Garden: the notification leads to Mo's page, where the membership shows)
    assert response["Location"] == reverse(
        "circles:person_detail", args=["willow", world.member.pk]
    )
    notification.refresh_from_db()
    assert notification.read_at is not None


def test_mark_read_with_htmx_returns_the_row(
    client: Client, world: World, django_capture_on_commit_callbacks: Capture
) -> None:
    # given
    notification = _add_to_garden(world, world.member, django_capture_on_commit_callbacks)
    client.force_login(world.member)
    # when
    response = client.post(
        reverse("notifications:mark_read", args=[notification.pk]),
        {"stay": "1"},
        headers={"HX-Request": "true"},
    )
    # then
    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith("<li")
    assert f'id="notification-{notification.pk}"' in html
    assert ">read<" in html
    assert "<html" not in html
    assert 'id="unread-summary" hx-swap-oob="true"' in html
    assert "You have read them all." in html


def test_no_link_to_a_private_circle_the_person_left(
    client: Client, world: World, django_capture_on_commit_callbacks: Capture
) -> None:
    # given Mo was added to the private Care circle, then left it
    with django_capture_on_commit_callbacks(execute=True):
        services.add_member(circle=world.care, user=world.member, actor=world.admin)
    services.end_membership(circle=world.care, user=world.member, actor=world.admin)
    notification = Notification.objects.get(recipient=world.member, event__circle=world.care)
    client.force_login(world.member)
    # when
    page = client.get(reverse("notifications:list"))
    response = client.post(reverse("notifications:mark_read", args=[notification.pk]))
    # then
    care_url = reverse("circles:circle_detail", args=["willow", "care"])
    assert care_url not in page.content.decode()
    assert response["Location"] == reverse("notifications:list")


def test_outsider_cannot_mark_someone_elses_notification(
    client: Client, world: World, django_capture_on_commit_callbacks: Capture
) -> None:
    # given
    notification = _add_to_garden(world, world.member, django_capture_on_commit_callbacks)
    client.force_login(world.outsider)
    # when
    response = client.post(reverse("notifications:mark_read", args=[notification.pk]))
    # then
    assert response.status_code == 404
    notification.refresh_from_db()
    assert notification.read_at is None


def test_mark_all_read_marks_only_the_persons_own(
    client: Client, world: World, django_capture_on_commit_callbacks: Capture
) -> None:
    # given
    mine = _add_to_garden(world, world.member, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        services.add_member(circle=world.general, user=world.circle_member, actor=world.admin)
    theirs = Notification.objects.get(recipient=world.circle_member, event__circle=world.general)
    client.force_login(world.member)
    # when
    response = client.post(reverse("notifications:mark_all_read"))
    # then
    assert response.status_code == 302
    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert mine.read_at is not None
    assert theirs.read_at is None


def test_mark_all_read_needs_post_and_sign_in(client: Client, world: World) -> None:
    # when
    anonymous = client.post(reverse("notifications:mark_all_read"))
    client.force_login(world.member)
    get = client.get(reverse("notifications:mark_all_read"))
    # then
    assert anonymous.status_code == 302
    assert get.status_code == 405


def test_notification_list_needs_sign_in(client: Client, db: None) -> None:
    # when
    response = client.get(reverse("notifications:list"))
    # then
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_list_queries_do_not_grow_with_notifications(
    client: Client,
    world: World,
    django_capture_on_commit_callbacks: Capture,
    django_assert_max_num_queries: Capture,
) -> None:
    # given 20 notifications from several circles
    with django_capture_on_commit_callbacks(execute=True):
        for n in range(20):
            circle: Circle = f.make_circle(world.org, f"Busy {n:02d}", parent=world.general)
            services.add_member(circle=circle, user=world.member, actor=world.admin)
    client.force_login(world.member)
    # when / then
    with django_assert_max_num_queries(15):
        response = client.get(reverse("notifications:list"))
    assert len(response.context["items"]) == 20


def test_several_notifications_about_one_thing_are_one_row(
    client, world, django_capture_on_commit_callbacks
):
    # given three members answer with objections in one round on Cy's proposal, one after another
    from circlewise.decisions import services as decisions_services

    extra = [f.join(world.org, name=n) for n in ("Ola Objector", "Pia Objector")]
    f.add(world.garden, *extra)
    proposal = decisions_services.create_proposal(
        circle=world.garden,
        author=world.circle_member,
        title="Pond",
        driver="Frogs.",
        text="A pond.",
    )
    decisions_services.present(proposal=proposal, actor=world.circle_member)
    decisions_services.advance(proposal=proposal, actor=world.facilitator)
    decisions_services.advance(proposal=proposal, actor=world.facilitator)
    round_ = decisions_services.open_consent_round(proposal=proposal, actor=world.facilitator)
    objectors = [world.facilitator, *extra]
    with django_capture_on_commit_callbacks(execute=True):
        for person in objectors:
            decisions_services.respond(
                round_=round_, user=person, answer="objection", reason="Mud."
            )
    # when Cy opens her notifications
    client.force_login(world.circle_member)
    page = client.get(reverse("notifications:list")).content.decode()
    # then the newest is one row, and the others are under it, named
    assert page.count("notification-more") == 1
    more = len(objectors) - 1
    assert f"and {more} more about it, from " in page
    for person in objectors[:-1]:
        assert f"<bdi>{person.name}</bdi>" in page
