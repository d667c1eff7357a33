"""A person's notifications through the API."""

from __future__ import annotations

from circlewise.core.models import LedgerEvent
from circlewise.notifications.models import Notification
from circlewise.notifications.services import deliver


def _notify(user, count: int = 2) -> list[Notification]:
    """Deliver the newest events to `user` (delivery waits for a commit tests never make)."""
    events = LedgerEvent.objects.order_by("-id")[:count]
    for event in events:
        deliver(event_id=event.pk, recipient_ids=[user.pk])
    return list(Notification.objects.filter(recipient=user).order_by("-id"))


def test_notifications_are_mine_only_with_their_sentences(world, api):
    # given notifications for Cy and for Mo
    _notify(world.circle_member, 2)
    _notify(world.member, 1)
    # when Cy lists hers
    answer = api.get("/notifications", as_=world.circle_member, scope="read")
    # then she sees her two, each with the event's sentence
    assert answer.status == 200
    assert answer.body["count"] == 2
    assert all(n["event"]["sentence"] for n in answer.body["items"])
    assert all(n["is_read"] is False for n in answer.body["items"])


def test_unread_filter(world, api):
    # given two notifications, one read
    first, _second = _notify(world.circle_member, 2)
    api.post(f"/notifications/{first.pk}/read", as_=world.circle_member)
    # when only unread ones are asked for
    answer = api.get("/notifications", as_=world.circle_member, unread="true")
    # then one is left
    assert answer.body["count"] == 1
    assert answer.body["items"][0]["id"] != first.pk


def test_mark_one_read(world, api):
    # given a notification
    notification = _notify(world.circle_member, 1)[0]
    # when it is marked read
    answer = api.post(f"/notifications/{notification.pk}/read", as_=world.circle_member)
    # then it is read
    assert answer.status == 200
    assert answer.body["is_read"] is True
    notification.refresh_from_db()
    assert notification.read_at is not None


def test_someone_elses_notification_is_not_found(world, api):
    # given Cy's notification
    notification = _notify(world.circle_member, 1)[0]
    # when Olga, an outsider, or Mo, a fellow member, marks it read
    outsider = api.post(f"/notifications/{notification.pk}/read", as_=world.outsider)
    member = api.post(f"/notifications/{notification.pk}/read", as_=world.member)
    # then it does not exist for either, and stays unread
    assert outsider.status == 404
    assert member.status == 404
    notification.refresh_from_db()
    assert notification.read_at is None


def test_mark_all_read_touches_only_mine(world, api):
    # given notifications for Cy and Mo
    _notify(world.circle_member, 3)
    _notify(world.member, 1)
    # when Cy marks all hers read
    answer = api.post("/notifications/read-all", as_=world.circle_member)
    # then her three are read and Mo's is not
    assert answer.status == 200
    assert answer.body == {"marked": 3}
    assert not Notification.objects.unread().filter(recipient=world.circle_member).exists()
    assert Notification.objects.unread().filter(recipient=world.member).count() == 1
