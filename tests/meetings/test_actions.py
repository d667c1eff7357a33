"""Action items: given to a member of the circle (in a meeting, linked to it, or anywhere), closed
by their owner or the circle's facilitator, reminded before they are due and once after, listed
for the circle and for their owner; the circle's follow-through is the share done on time."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from circlewise.core.errors import ServiceError
from circlewise.core.models import LedgerEvent
from circlewise.meetings import services
from circlewise.meetings import services_actions as actions
from circlewise.meetings import services_room as room
from circlewise.meetings.models import ActionItem
from circlewise.notifications.models import Notification

TODAY = dt.date.today


def test_a_member_gives_an_action_item_and_its_owner_is_told(
    world, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        action = actions.add_action_item(
            circle=world.garden, actor=world.facilitator, title="Order seeds",
            owner=world.circle_member, due_on=timezone.localdate() + dt.timedelta(days=7),
        )  # fmt: skip
    event = LedgerEvent.objects.get(verb="action.added")
    assert list(
        Notification.objects.filter(event=event).values_list("recipient_id", flat=True)
    ) == [world.circle_member.pk]
    assert action.is_open and action.owner == world.circle_member


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"title": " "}, "title"),
        ({"owner": None}, "owner"),
        ({"due_on": dt.date(2000, 1, 1)}, "due_on"),
    ],
)
def test_an_action_item_that_cannot_be_is_refused(world, change, field):
    data = {"title": "Order seeds", "owner": world.circle_member, **change}
    with pytest.raises(ServiceError) as refused:
        actions.add_action_item(circle=world.garden, actor=world.facilitator, **data)
    assert refused.value.field == field and not ActionItem.objects.exists()


def test_the_owner_must_be_in_the_circle_and_only_members_give_them(world):
    with pytest.raises(ServiceError) as outside:
        actions.add_action_item(
            circle=world.garden, actor=world.facilitator, title="X", owner=world.member
        )
    assert outside.value.field == "owner"
    with pytest.raises(ServiceError) as not_member:
        actions.add_action_item(
            circle=world.garden, actor=world.member, title="X", owner=world.circle_member
        )
    assert not_member.value.status == 403


def test_reminders_go_before_the_due_date_and_once_after(world):
    today = timezone.localdate()
    action = actions.add_action_item(
        circle=world.garden, actor=world.facilitator, title="Order seeds",
        owner=world.circle_member, due_on=today + dt.timedelta(days=5),
    )  # fmt: skip
    assert actions.remind_action_items(today=today) == 0
    assert actions.remind_action_items(today=today + dt.timedelta(days=3)) == 1
    assert actions.remind_action_items(today=today + dt.timedelta(days=4)) == 0  # once
    assert actions.remind_action_items(today=today + dt.timedelta(days=6)) == 1  # overdue, once
    assert actions.remind_action_items(today=today + dt.timedelta(days=9)) == 0
    reminders = LedgerEvent.objects.filter(verb="action.reminder").order_by("sequence")
    assert [e.payload["overdue"] for e in reminders] == [False, True]
    actions.close_action_item(action=action, actor=world.circle_member)
    action.refresh_from_db()
    assert action.status == "done" and action.done_on_time


def test_only_the_owner_or_the_facilitator_closes_it_and_dropping_needs_a_reason(world):
    action = actions.add_action_item(
        circle=world.garden, actor=world.facilitator, title="Fix the gate", owner=world.facilitator
    )
    with pytest.raises(ServiceError) as refused:
        actions.close_action_item(action=action, actor=world.circle_member)
    assert refused.value.status == 403
    with pytest.raises(ServiceError) as no_reason:
        actions.close_action_item(action=action, actor=world.facilitator, done=False)
    assert no_reason.value.field == "reason"
    actions.close_action_item(action=action, actor=world.facilitator, done=False, reason="Sold.")
    with pytest.raises(ServiceError) as again:
        actions.close_action_item(action=action, actor=world.facilitator)
    assert again.value.status == 409


def test_the_pages_give_list_and_close_action_items_from_a_meeting(client, world):
    meeting = services.plan_meeting(
        circle=world.garden,
        actor=world.facilitator,
        starts_at=timezone.now() + dt.timedelta(hours=1),
    )
    room.open_room(meeting=meeting, actor=world.facilitator)
    client.force_login(world.facilitator)
    url = reverse("meetings:circle_actions", args=["willow", "garden"])
    page = client.get(f"{url}?meeting={meeting.pk}").content.decode()
    assert f'name="meeting" value="{meeting.pk}"' in page
    due = (timezone.localdate() + dt.timedelta(days=3)).isoformat()
    answer = client.post(url, {"title": "Order seeds", "owner": world.circle_member.pk, "due_on": due,
                               "meeting": meeting.pk})  # fmt: skip
    assert answer.status_code == 302
    action = ActionItem.objects.get()
    assert action.meeting == meeting
    refused = client.post(url, {"title": "", "owner": ""})
    assert refused.status_code == 400 and "Say what is to be done." in refused.content.decode()
    # Cy sees it on his own list, and marks it done
    client.force_login(world.circle_member)
    mine = client.get(reverse("meetings:my_actions", args=["willow"])).content.decode()
    assert "Order seeds" in mine and "Garden" in mine
    client.post(reverse("meetings:action_close", args=["willow", action.pk]), {"status": "done"})
    action.refresh_from_db()
    assert action.status == "done"
    # someone outside Garden may not give Garden's action items; another organisation sees none
    client.force_login(world.member)
    assert client.post(url, {"title": "X", "owner": world.circle_member.pk}).status_code == 403
    client.force_login(world.outsider)
    assert client.get(url).status_code == 404


def test_follow_through_is_the_share_done_on_time(world):
    today = timezone.localdate()
    made = [
        actions.add_action_item(
            circle=world.garden,
            actor=world.facilitator,
            title=f"Task {n}",
            owner=world.circle_member,
            due_on=today,
        )
        for n in range(3)
    ]
    actions.close_action_item(action=made[0], actor=world.circle_member)
    ActionItem.objects.filter(pk__in=[a.pk for a in made]).update(
        due_on=today - dt.timedelta(days=1)
    )
    assert actions.follow_through(world.garden) == (0, 3)  # done a day late (as the rows say now)
    ActionItem.objects.filter(pk=made[0].pk).update(due_on=today + dt.timedelta(days=1))
    ActionItem.objects.filter(pk=made[1].pk).update(
        status="done", closed_at=timezone.now() - dt.timedelta(days=2)
    )
    assert actions.follow_through(world.garden) == (1, 2)


def test_what_needs_me_shows_my_action_items_the_meeting_going_on_and_items_to_take_on(
    client, world
):
    meeting = services.plan_meeting(
        circle=world.garden,
        actor=world.facilitator,
        starts_at=timezone.now() + dt.timedelta(hours=1),
    )
    services.add_agenda_item(meeting=meeting, actor=world.circle_member, title="Tool shed")
    actions.add_action_item(
        circle=world.garden, actor=world.facilitator, title="Order seeds",
        owner=world.facilitator, due_on=timezone.localdate() + dt.timedelta(days=2),
    )  # fmt: skip
    client.force_login(world.facilitator)
    page = client.get(reverse("decisions:needs_me", args=["willow"])).content.decode()
    assert "Order seeds" in page and "Tool shed" in page and "Meeting now" not in page
    room.open_room(meeting=meeting, actor=world.facilitator)
    page = client.get(reverse("decisions:needs_me", args=["willow"])).content.decode()
    assert "Meeting now" in page
    assert reverse("meetings:meeting_room", args=["willow", meeting.pk]) in page
    # Cy proposed the item and owns no action: only the meeting going on is his
    client.force_login(world.circle_member)
    page = client.get(reverse("decisions:needs_me", args=["willow"])).content.decode()
    assert "Meeting now" in page and "Items proposed for an agenda you keep" not in page
    assert "Order seeds" not in page
