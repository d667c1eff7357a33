"""One reading of the room per change, shared by every screen in it.

When the room changes, every screen in it must be sent its view at once. Reading the room and
rendering it for each of 200 screens, one after another, took seconds (bench/room.py). But the
screens differ only in a few things (whose turn it is, who runs the room, whose evaluation card
waits, the person's time zone, whether it is the room display): `RoomState.personal`. So the room
is read once per version (`selectors.shared_room_state`), each distinct view rendered once, and
each screen sent the text made for its kind.

This lives in one process's memory, for the event loop that serves the screens: a process keeps
the last version it read of each room it serves, and nothing else. What a screen may see is not
decided here: the consumer checks the person's permission (permissions.py) at the handshake, on
every action and whenever who may take part changes (`room.members`).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import weakref
import zoneinfo
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from channels.db import database_sync_to_async
from django.template.loader import render_to_string
from django.utils import timezone, translation

from circlewise.core import plainwords

from . import selectors
from .models import Meeting

# What tells two screens' views apart: (display, my turn, runs, may evaluate, hand up,
# presents the current proposal, zone).
ViewKey = tuple[bool, bool, bool, bool, bool, bool, str]


@dataclass
class Reading:
    """The room at one version, as nobody in particular sees it, and the views made from it."""

    meeting: Meeting
    state: selectors.RoomState
    language: str
    texts: dict[ViewKey, asyncio.Future[str]] = field(default_factory=dict)

    @property
    def version(self) -> int:
        return int(self.meeting.room_version)

    def key(self, user_id: int | None, *, runs: bool, display: bool, zone: str) -> ViewKey:
        if display:
            return (True, False, False, False, False, False, zone)
        return (False, *self.state.for_person(user_id, runs=runs).personal, zone)

    async def text(self, key: ViewKey, user_id: int | None) -> str:
        """The message for screens of this kind (rendered by the first screen that asks)."""
        found = self.texts.get(key)
        if found is None:
            found = asyncio.get_running_loop().create_future()
            self.texts[key] = found
            try:
                found.set_result(await database_sync_to_async(self._render)(key, user_id))
            except BaseException as error:
                del self.texts[key]
                found.set_exception(error)
                found.exception()  # retrieved: those awaiting it get it, nobody is left unwarned
                raise
        return await asyncio.shield(found)

    def _render(self, key: ViewKey, user_id: int | None) -> str:
        display, _my_turn, runs, _may_evaluate, _hand_up, _presents, zone = key
        state = self.state.for_person(user_id, runs=runs)
        organisation = self.meeting.circle.organisation
        # In the organisation's words and the person's own time zone, as their pages are.
        with translation.override(self.language), timezone.override(zoneinfo.ZoneInfo(zone)):
            html = render_to_string(
                "meetings/room.html#display" if display else "meetings/room.html#state",
                {"state": state, "meeting": self.meeting, "organisation": organisation},
            )
            announce = str(state.announcement)
        return json.dumps(
            {
                "version": self.version,
                "html": html,
                "announce": announce,
                "my_turn": state.my_turn,
            }
        )


def read(meeting_id: int) -> Reading | None:
    """Read the room as it is now (None: the meeting is gone)."""
    meeting = (
        Meeting.objects.select_related("circle__organisation", "current_item")
        .filter(pk=meeting_id)
        .first()
    )
    if meeting is None:
        return None
    return Reading(
        meeting=meeting,
        state=selectors.shared_room_state(meeting),
        language=plainwords.language_for(meeting.circle.organisation),
    )


class Readings:
    """The last reading of each room, for one event loop; a change read once for every screen."""

    def __init__(self, reader: Callable[[int], Awaitable[Reading | None]]) -> None:
        self.reader = reader
        self.latest: dict[int, Reading] = {}
        self.pending: dict[int, asyncio.Future[Reading | None]] = {}
        self.watching: dict[int, Counter[str]] = {}
        self.rendering: set[asyncio.Future[None]] = set()

    async def at_least(self, meeting_id: int, version: int) -> Reading | None:
        """The room at `version` or later: the one already read, or read now once for everyone
        who asks while it is being read."""
        known = self.latest.get(meeting_id)
        if known is not None and known.version >= version:
            return known
        pending = self.pending.get(meeting_id)
        if pending is None:
            pending = asyncio.get_running_loop().create_future()
            self.pending[meeting_id] = pending
            try:
                reading = await self.reader(meeting_id)
            except BaseException as error:
                pending.set_exception(error)
                pending.exception()
                raise
            finally:
                del self.pending[meeting_id]
            if reading is not None:
                self._render_common(meeting_id, reading)
            if reading is None:
                self.latest.pop(meeting_id, None)
            elif (
                meeting_id not in self.latest or reading.version >= self.latest[meeting_id].version
            ):
                self.latest[meeting_id] = reading
            pending.set_result(reading)
            return reading
        reading = await asyncio.shield(pending)
        if reading is not None and reading.version < version:  # read before the change committed
            return await self.at_least(meeting_id, version)
        return reading

    async def now(self, meeting_id: int) -> Reading | None:
        """The room read afresh (for a screen that has just connected)."""
        reading = await self.reader(meeting_id)
        known = self.latest.get(meeting_id)
        if reading is not None and (known is None or reading.version >= known.version):
            self.latest[meeting_id] = reading
        return reading

    def watch(self, meeting_id: int, zone: str) -> None:
        zones = self.watching.setdefault(meeting_id, Counter())
        zones[zone] += 1

    def unwatch(self, meeting_id: int, zone: str) -> None:
        """A screen left: once nobody in this process watches the room, its reading goes."""
        zones = self.watching.get(meeting_id, Counter())
        zones[zone] -= 1
        if zones[zone] <= 0:
            del zones[zone]
        if not zones:
            self.watching.pop(meeting_id, None)
            self.latest.pop(meeting_id, None)

    def _render_common(self, meeting_id: int, reading: Reading) -> None:
        """Start rendering the view most screens here will ask for (a participant's whose turn
        it is not, in the most common time zone) before the first of them asks: the screens
        are told in the order they joined, and the first is often the facilitator's."""
        zones = self.watching.get(meeting_id)
        if not zones:
            return
        zone = zones.most_common(1)[0][0]
        task = asyncio.ensure_future(
            _quietly(reading.text((False, False, False, False, False, False, zone), None))
        )
        self.rendering.add(task)
        task.add_done_callback(self.rendering.discard)


async def _quietly(rendering: Awaitable[str]) -> None:
    """Render ahead; a failure is the screens' to hear when they ask (Reading.text raises)."""
    with contextlib.suppress(Exception):
        await rendering


_per_loop: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Readings] = (
    weakref.WeakKeyDictionary()
)


def readings() -> Readings:
    """This event loop's readings (futures belong to the loop that made them)."""
    loop = asyncio.get_running_loop()
    found = _per_loop.get(loop)
    if found is None:
        found = _per_loop[loop] = Readings(database_sync_to_async(read))
    return found


__all__ = ["Reading", "Readings", "ViewKey", "read", "readings"]
