"""notifications/permissions.py: a notification is its recipient's alone (404 for anyone else),
and its text is shown only while the recipient may still see its event."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import Http404

from circlewise.accounts.models import User
from circlewise.circles import services
from circlewise.notifications import permissions
from circlewise.notifications.models import Notification
from tests.conftest import World


def _notified(world: World, capture: Callable[..., Any]) -> Notification:
    with capture(execute=True):
        services.add_member(circle=world.care, user=world.member, actor=world.circle_member)
    return Notification.objects.get(recipient=world.member, event__verb="circle.member_added")


def test_only_the_recipient_sees_a_notification(world: World, django_capture_on_commit_callbacks):
    notification = _notified(world, django_capture_on_commit_callbacks)
    assert permissions.can_view_notification(world.member, notification)
    for other in (world.circle_member, world.admin, world.outsider, AnonymousUser(), None):
        assert not permissions.can_view_notification(other, notification)


def test_someone_elses_notification_is_missing(world: World, django_capture_on_commit_callbacks):
    notification = _notified(world, django_capture_on_commit_callbacks)
    assert permissions.get_notification_for(world.member, notification.pk) == notification
    with pytest.raises(Http404):
        permissions.get_notification_for(world.admin, notification.pk)
    with pytest.raises(Http404):
        permissions.get_notification_for(world.member, notification.pk + 1000)


def test_the_event_of_a_private_circle_one_has_left_is_no_longer_readable(
    world: World, django_capture_on_commit_callbacks
):
    # given the member was added to the private circle Care, and told so
    notification = _notified(world, django_capture_on_commit_callbacks)
    assert permissions.can_see_event(world.member, notification.event)
    # when they leave it
    services.end_membership(circle=world.care, user=world.member, actor=world.member)
    # then (on their next request) the notification is still theirs, its event no longer readable
    member = User.objects.get(pk=world.member.pk)
    assert permissions.can_view_notification(member, notification)
    assert not permissions.can_see_event(member, notification.event)
