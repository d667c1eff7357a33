"""The live room's WebSocket: one connection per screen in the room.

At the handshake the person is authenticated from their session (AuthMiddlewareStack) and the
Origin checked (AllowedHostsOriginValidator, config/asgi.py); someone who may not take part is
refused (closed with 4403, or 4404 for a meeting they may not see). Each message is an action
(room.act), checked by the services like any other request; the consumer writes nothing itself.
After every change the room's group is told (`room.changed`, after commit) and each screen is
sent its view, rendered on the server, with what a screen reader should say: the room is read
once per change for every screen in the process and each kind of view rendered once (fanout.py).
The person's permission is asked again on every action they send and whenever who may take part
may have changed (`room.members`: someone left the circle, the facilitator changed): someone
removed from the circle is dropped at once. A screen is also in its person's own group: when
their account is deactivated, every screen they have open is told so and closed at once (4410).
One screen may send at most a few actions a second.
"""

from __future__ import annotations

import contextlib
import time
import zoneinfo
from typing import Any

from channels.consumer import get_handler_name
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _

from circlewise.accounts.models import User
from circlewise.circles import permissions as circle_permissions
from circlewise.core.errors import ServiceError

from . import fanout, permissions, room
from . import services_room as room_services
from .broadcast import group_of, person_group_of

# A screen sends an action when someone taps; a burst above this is refused, not queued.
BURST, PER_SECOND = 5, 2.0
CLOSE = "close"
# Closed because the person's account was deactivated (the page says so; 4401 at a handshake).
DEACTIVATED = 4410


class RoomConsumer(AsyncJsonWebsocketConsumer):  # type: ignore[misc]
    meeting_id: int
    user_id: int | None = None
    display = False
    joined = False
    runs = False
    zone = "UTC"
    watched_zone = "UTC"
    watching = False

    async def connect(self) -> None:
        self.meeting_id = int(self.scope["url_route"]["kwargs"]["meeting_id"])
        # The room display (a projector) shows the state in large type, with no controls.
        self.display = b"display=1" in self.scope.get("query_string", b"")
        refused = await database_sync_to_async(self._admit)()
        if refused:
            await self.close(code=refused)
            return
        self.allowance, self.checked = float(BURST), time.monotonic()
        await self.accept()
        await self.channel_layer.group_add(group_of(self.meeting_id), self.channel_name)
        assert self.user_id is not None  # admitted: a person
        await self.channel_layer.group_add(person_group_of(self.user_id), self.channel_name)
        self.watched_zone = self.zone
        fanout.readings().watch(self.meeting_id, self.watched_zone)
        self.watching = True
        await self.send_view(await fanout.readings().now(self.meeting_id))

    async def disconnect(self, code: int) -> None:
        await self._leave()

    async def _leave(self) -> None:
        """Out of the room's groups: nothing more is sent to this screen."""
        if self.watching:
            self.watching = False
            fanout.readings().unwatch(self.meeting_id, self.watched_zone)
            await self.channel_layer.group_discard(group_of(self.meeting_id), self.channel_name)
            assert self.user_id is not None
            await self.channel_layer.group_discard(person_group_of(self.user_id), self.channel_name)

    # What runs in a thread, with the database -------------------------------------------------

    def _person(self) -> User | None:
        """The person, read afresh (a deactivated account is nobody)."""
        if self.user_id is None:
            return None
        return User.objects.filter(pk=self.user_id, is_active=True).first()

    def _meeting(self, person: User | None) -> Any:
        if person is None:
            return None
        try:
            meeting = permissions.get_meeting_for(person, self.meeting_id, need="join")
        except (Http404, PermissionDenied):
            return None
        self.runs = permissions.can_run_room(person, meeting)
        self.zone = _zone(person)
        return meeting

    def _admit(self) -> int | None:
        """Whether this person may be in the room: None, or the code to close with."""
        user = self.scope.get("user")
        if user is None or not circle_permissions.is_person(user):
            return 4401
        self.user_id = user.pk
        try:
            permissions.get_meeting_for(user, self.meeting_id, need="join")
        except Http404:
            return 4404
        except PermissionDenied:
            return 4403
        return None if self._meeting(self._person()) is not None else 4403

    def _still_admitted(self) -> bool:
        return self._meeting(self._person()) is not None

    def _act(self, content: Any) -> str | None:
        """Do what the screen asked: None, a sentence to tell it, or CLOSE."""
        person = self._person()
        meeting = self._meeting(person)
        if person is None or meeting is None:
            return CLOSE
        if not isinstance(content, dict) or not isinstance(content.get("action"), str):
            return _("The room does not know that request.")
        try:
            room.act(meeting, person, content["action"], content)
        except ServiceError as error:
            return str(error.text)
        return None

    def _join(self) -> None:
        person = self._person()
        meeting = self._meeting(person)
        if person is not None and meeting is not None and meeting.is_live:
            with contextlib.suppress(ServiceError):
                room_services.join_room(meeting=meeting, user=person)

    # What comes in ----------------------------------------------------------------------------

    async def dispatch(self, message: dict[str, Any]) -> None:
        """Channels' own dispatch first closes stale database connections, on the one thread
        for database work, for every message: a change in a room of 200 queued 200 such calls
        ahead of the room's reading (bench/room.py: p50 154 -> 84 ms). Nothing here touches the
        database outside `database_sync_to_async`, which closes them around each call itself."""
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)

    def _throttled(self) -> bool:
        now = time.monotonic()
        self.allowance = min(BURST, self.allowance + (now - self.checked) * PER_SECOND)
        self.checked = now
        if self.allowance < 1:
            return True
        self.allowance -= 1
        return False

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        if self._throttled():
            await self.send_json({"error": _("Too many requests at once: wait a moment.")})
            return
        answer = await database_sync_to_async(self._act)(content)
        if answer == CLOSE:
            await self.close(code=4403)
        elif answer:
            await self.send_json({"error": answer})

    async def room_changed(self, event: dict[str, Any]) -> None:
        reading = await fanout.readings().at_least(self.meeting_id, int(event.get("version", 0)))
        await self.send_view(reading)

    async def room_members(self, event: dict[str, Any]) -> None:
        if event.get("user") not in (None, self.user_id):
            return
        if not await database_sync_to_async(self._still_admitted)():
            await self.close(code=4403)
            return
        await self.send_view(await fanout.readings().now(self.meeting_id))

    async def account_deactivated(self, event: dict[str, Any]) -> None:
        """The person's account was deactivated: say so, and close (before the room's change
        that shows them gone, which this screen is no longer sent)."""
        await self._leave()
        await self.send_json({"error": _("This account has been deactivated."), "closed": True})
        await self.close(code=DEACTIVATED)

    async def send_view(self, reading: fanout.Reading | None) -> None:
        if reading is None:  # the meeting is gone
            await self.close(code=4404)
            return
        if reading.meeting.is_live and not self.display and not self.joined:
            # In the room from the moment it is open: from this screen's opening, or at once
            # when the facilitator opens the meeting while it waits (a change of its own).
            self.joined = True
            await database_sync_to_async(self._join)()
        key = reading.key(self.user_id, runs=self.runs, display=self.display, zone=self.zone)
        await self.send(text_data=await reading.text(key, self.user_id))


def _zone(person: User) -> str:
    try:
        return str(zoneinfo.ZoneInfo(person.timezone or "UTC"))
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return "UTC"
