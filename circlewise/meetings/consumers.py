"""The live room's WebSocket: one connection per screen in the room.

At the handshake the person is authenticated from their session (AuthMiddlewareStack) and the
Origin checked (AllowedHostsOriginValidator, config/asgi.py); someone who may not take part is
refused (closed with 4403, or 4404 for a meeting they may not see). Each message is an action
(room.act), checked by the services like any other request; the consumer writes nothing itself.
After every change the room's group is told (services_room broadcasts after commit) and each
screen is sent its own view, rendered on the server, with what a screen reader should say. Before
sending, the consumer asks again whether the person may still take part: someone removed from
the circle is dropped at once. One screen may send at most a few actions a second.
"""

from __future__ import annotations

import contextlib
import time
import zoneinfo
from typing import Any

from channels.generic.websocket import JsonWebsocketConsumer
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from circlewise.accounts.models import User
from circlewise.circles import permissions as circle_permissions
from circlewise.core import plainwords
from circlewise.core.errors import ServiceError

from . import permissions, room, selectors
from . import services_room as room_services
from .services_room import group_of

# A screen sends an action when someone taps; a burst above this is refused, not queued.
BURST, PER_SECOND = 5, 2.0


class RoomConsumer(JsonWebsocketConsumer):  # type: ignore[misc]
    meeting_id: int
    user_id: int | None = None
    display = False
    joined = False

    def connect(self) -> None:
        user = self.scope.get("user")
        self.meeting_id = int(self.scope["url_route"]["kwargs"]["meeting_id"])
        if user is None or not circle_permissions.is_person(user):
            self.close(code=4401)
            return
        self.user_id = user.pk
        try:
            permissions.get_meeting_for(user, self.meeting_id, need="join")
        except Http404:
            self.close(code=4404)
            return
        except PermissionDenied:
            self.close(code=4403)
            return
        self.allowance, self.checked = float(BURST), time.monotonic()
        # The room display (a projector) shows the state in large type, with no controls.
        self.display = b"display=1" in self.scope.get("query_string", b"")
        self.accept()
        self.channel_layer_group_add()
        self.send_state()

    def channel_layer_group_add(self) -> None:
        from asgiref.sync import async_to_sync

        async_to_sync(self.channel_layer.group_add)(group_of(self.meeting_id), self.channel_name)

    def disconnect(self, code: int) -> None:
        from asgiref.sync import async_to_sync

        if self.user_id is not None:
            async_to_sync(self.channel_layer.group_discard)(
                group_of(self.meeting_id), self.channel_name
            )

    def _person(self) -> User | None:
        """The person, read afresh (a deactivated account is nobody)."""
        if self.user_id is None:
            return None
        return User.objects.filter(pk=self.user_id, is_active=True).first()

    def _meeting(self) -> Any:
        person = self._person()
        if person is None:
            return None, None
        try:
            return person, permissions.get_meeting_for(person, self.meeting_id, need="join")
        except (Http404, PermissionDenied):
            return person, None

    def _throttled(self) -> bool:
        now = time.monotonic()
        self.allowance = min(BURST, self.allowance + (now - self.checked) * PER_SECOND)
        self.checked = now
        if self.allowance < 1:
            return True
        self.allowance -= 1
        return False

    def receive_json(self, content: Any, **kwargs: Any) -> None:
        if self._throttled():
            self.send_json({"error": _("Too many requests at once: wait a moment.")})
            return
        person, meeting = self._meeting()
        if meeting is None:
            self.close(code=4403)
            return
        if not isinstance(content, dict) or not isinstance(content.get("action"), str):
            self.send_json({"error": _("The room does not know that request.")})
            return
        try:
            room.act(meeting, person, content["action"], content)
        except ServiceError as error:
            self.send_json({"error": error.text})

    def room_changed(self, event: dict[str, Any]) -> None:
        self.send_state()

    def send_state(self) -> None:
        person, meeting = self._meeting()
        if meeting is None:
            self.close(code=4403)
            return
        if meeting.is_live and not self.display and not self.joined:
            # In the room from the moment it is open: from this screen's opening, or at once
            # when the facilitator opens the meeting while it waits.
            self.joined = True
            with contextlib.suppress(ServiceError):
                room_services.join_room(meeting=meeting, user=person)
        state = selectors.room_state(meeting, person)
        organisation = meeting.circle.organisation
        # In the organisation's words and the person's own time zone, as their pages are.
        with (
            translation.override(plainwords.language_for(organisation)),
            timezone.override(_zone(person)),
        ):
            html = render_to_string(
                "meetings/room.html#display" if self.display else "meetings/room.html#state",
                {"state": state, "meeting": meeting, "organisation": organisation},
            )
            announce = state.announcement
        self.send_json(
            {
                "version": meeting.room_version,
                "html": html,
                "announce": announce,
                "my_turn": state.my_turn,
            }
        )


def _zone(person: User) -> zoneinfo.ZoneInfo:
    try:
        return zoneinfo.ZoneInfo(person.timezone or "UTC")
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo("UTC")
