"""The live room over real WebSockets (the ASGI application of config/asgi.py, with its session
authentication and Origin check): who gets in at the handshake, every screen seeing the same round
as it moves, each told whether it is their turn, refusals said only to who asked, a member removed
from the circle dropped at once, a deactivated account's every screen closed at once and the room
seeing them leave, a flood from one screen throttled, and a screen that joins late or reconnects
seeing the room as it is.

A broadcast goes out after commit: the consumer runs in the test's own thread and transaction
(asgiref runs its database work there), and `committed()` runs what the services asked to run
after commit, as the commit would. On PostgreSQL, Channels' `close_old_connections` closes the
connection of a test's transaction, so these run on SQLite, whose in-memory database Django does
not close; the room's services run on both (test_room.py)."""

from __future__ import annotations

import asyncio
import datetime as dt
import re
from typing import Any

import pytest
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from channels.testing.websocket import WebsocketCommunicator
from django.db import connection
from django.test import Client
from django.utils import timezone

from circlewise.accounts import services as accounts
from circlewise.accounts.models import User
from circlewise.circles import services as circles
from circlewise.meetings import services
from circlewise.meetings import services_room as room
from circlewise.meetings.models import Meeting

from .. import factories as f

pytestmark = pytest.mark.skipif(
    connection.vendor != "sqlite",
    reason="the consumer shares the test's transaction only on SQLite (see the docstring)",
)


def _run_committed() -> None:
    """Run what the test's changes asked to run after commit (the broadcasts), in order, and what
    those asked to run after their own commit."""
    while connection.run_on_commit:
        pending = list(connection.run_on_commit)
        connection.run_on_commit.clear()
        for _savepoints, callback, _robust in pending:
            callback()


committed = database_sync_to_async(_run_committed)


def _cookie(user: Any) -> bytes:
    client = Client()
    client.force_login(user)
    from django.conf import settings

    return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}".encode()


class Screen:
    """One device in the room: a WebSocket connected as a person (or as nobody)."""

    def __init__(
        self,
        meeting: Meeting,
        user: Any | None,
        *,
        origin: bytes = b"http://testserver",
        query: str = "",
    ) -> None:
        from config.asgi import application

        headers = [(b"origin", origin), (b"host", b"testserver")]
        if user is not None:
            headers.append((b"cookie", _cookie(user)))
        path = f"/ws/meetings/{meeting.pk}/{query}"
        self.socket = WebsocketCommunicator(application, path, headers=headers)

    async def open(self) -> tuple[bool, Any]:
        return await self.socket.connect(timeout=5)

    async def receive(self, timeout: float = 3) -> dict[str, Any]:
        return await self.socket.receive_json_from(timeout=timeout)

    async def latest(self, wait: float = 0.1) -> dict[str, Any] | None:
        """The last of the messages waiting, once none has come for `wait` seconds (a change may
        bring several). (A timeout on `receive_json_from` would stop the consumer.)"""
        found = None
        while not await self.socket.receive_nothing(timeout=wait):
            found = await self.socket.receive_json_from()
        return found

    async def send(self, **data: Any) -> None:
        await self.socket.send_json_to(data)

    async def close(self) -> None:
        await self.socket.disconnect()


@pytest.fixture
def setting(world):
    people = [f.join(world.org, name=n) for n in ("Ann", "Bo")]
    f.add(world.garden, *people)
    meeting = services.plan_meeting(
        circle=world.garden,
        actor=world.facilitator,
        starts_at=timezone.now() + dt.timedelta(hours=1),
    )
    room.open_room(meeting=meeting, actor=world.facilitator)
    return meeting, people


def test_only_the_circles_people_get_in_at_the_handshake(world, setting):
    meeting, _people = setting
    screens = [
        Screen(meeting, None),  # signed out
        Screen(meeting, world.outsider),  # another organisation
        Screen(meeting, world.member),  # in Willow, not in Garden
        Screen(meeting, world.circle_member, origin=b"https://evil.example"),  # another site
        Screen(meeting, world.circle_member),
    ]

    async def scenario() -> list[Any]:
        results = []
        for screen in screens:
            results.append(await screen.open())
            await screen.close()
        return results

    results = async_to_sync(scenario)()
    assert [connected for connected, _code in results] == [False, False, False, False, True]
    assert [code for _connected, code in results[:3]] == [4401, 4404, 4403]


def test_every_screen_follows_the_round_and_the_speaker_is_told_it_is_their_turn(world, setting):
    meeting, (_ann, _bo) = setting
    fay, cy = Screen(meeting, world.facilitator), Screen(meeting, world.circle_member)
    display = Screen(meeting, world.facilitator, query="?display=1")

    async def scenario() -> tuple[Any, ...]:
        for screen in (fay, cy, display):
            assert (await screen.open())[0]
            await screen.receive()  # the room as it is, once this screen's person is present
        await committed()
        for screen in (fay, cy, display):
            await screen.latest()
        # Fay starts a clarifying round with Cy, over her socket
        await fay.send(action="start_round", kind="clarifying", first=str(world.circle_member.pk))
        await asyncio.sleep(0.1)
        await committed()
        cy_sees, fay_sees, display_sees = (
            await cy.latest(),
            await fay.latest(),
            await display.latest(),
        )
        # Cy ends his turn; Fay, the only other one in the room, is next
        await cy.send(action="complete", speaker=str(world.circle_member.pk))
        await asyncio.sleep(0.1)
        await committed()
        after = await fay.latest()
        for screen in (fay, cy, display):
            await screen.close()
        return cy_sees, fay_sees, display_sees, after

    cy_sees, fay_sees, display_sees, after = async_to_sync(scenario)()
    assert cy_sees["my_turn"] is True and cy_sees["announce"] == "Your turn."
    assert "<strong>Your turn</strong>" in cy_sees["html"]
    assert fay_sees["my_turn"] is False
    assert fay_sees["announce"].startswith("Cy Circle is speaking. Next:")
    assert "Cy Circle</bdi> is complete" in fay_sees["html"]  # she may record it
    assert '<p class="display-speaker"><bdi>Cy Circle</bdi></p>' in display_sees["html"]
    assert "is complete" not in display_sees["html"]  # the display has no controls
    assert after["my_turn"] is True and after["announce"] == "Your turn."
    assert room.open_round(meeting).turns.filter(ended_at__isnull=False).count() == 1


def test_a_refusal_is_told_to_who_asked_and_changes_nothing(world, setting):
    meeting, _people = setting
    cy = Screen(meeting, world.circle_member)

    async def scenario() -> dict[str, Any]:
        await cy.open()
        await cy.receive()  # the room as it is (sent once the screen is in: it may take a while)
        await cy.latest()
        await cy.send(action="start_round", kind="open")
        answer = await cy.receive()
        await cy.send(action="no such thing")
        odd = await cy.receive()
        await cy.close()
        return {"answer": answer, "odd": odd}

    got = async_to_sync(scenario)()
    assert got["answer"] == {"error": "Only the meeting's facilitator or secretary can do this."}
    assert got["odd"] == {"error": "The room does not know that request."}
    assert room.open_round(meeting) is None


def test_a_member_removed_from_the_circle_is_dropped_at_once(world, setting):
    meeting, (ann, _bo) = setting
    screen = Screen(meeting, ann)

    async def scenario() -> Any:
        await screen.open()
        await screen.receive()  # the room as it is, once she is marked present
        await committed()
        await screen.latest()
        await database_sync_to_async(circles.end_membership)(
            circle=world.garden, user=ann, actor=world.admin
        )
        # the next change in the room reaches every screen: Ann's is closed instead
        await database_sync_to_async(room.start_round)(
            meeting=meeting, actor=world.facilitator, kind="open"
        )
        await committed()
        closed = await screen.socket.receive_output(timeout=3)
        await screen.close()
        return closed

    closed = async_to_sync(scenario)()
    assert closed == {"type": "websocket.close", "code": 4403}


def _seats(view: dict[str, Any]) -> list[str]:
    """The names in the room's list of who is present, as a screen shows them."""
    found = re.search(r'<ol class="name-list room-seats">(.*?)</ol>', view["html"], re.S)
    assert found is not None, view["html"]
    return re.findall(r"<span><bdi>(.*?)</bdi></span>", found.group(1))


def test_a_deactivated_account_is_closed_out_of_the_room_at_once(world, setting):
    # given Ann in the room on her laptop and on the room display, Bo in it on his phone
    meeting, (ann, bo) = setting
    staff = User.objects.create_superuser(email="root@example.org", password="x", name="Root")
    laptop, display, phone = (
        Screen(meeting, ann),
        Screen(meeting, ann, query="?display=1"),
        Screen(meeting, bo),
    )

    async def scenario() -> tuple[Any, ...]:
        for screen in (laptop, display, phone):
            assert (await screen.open())[0]
            await screen.receive()
        await committed()
        for screen in (laptop, display):
            await screen.latest()
        before = await phone.latest()
        # when site staff deactivate her account, and nothing else happens in the room
        await database_sync_to_async(accounts.deactivate_account)(user=ann, actor=staff)
        await committed()
        told, closed = [], []
        for screen in (laptop, display):
            told.append(await screen.receive())
            closed.append(await screen.socket.receive_output(timeout=3))
        after = await phone.latest()
        for screen in (laptop, display, phone):
            await screen.close()
        return before, told, closed, after

    before, told, closed, after = async_to_sync(scenario)()
    # then each of her screens is told why and closed, with the code the page says it with
    assert told == [{"error": "This account has been deactivated.", "closed": True}] * 2
    assert closed == [{"type": "websocket.close", "code": 4410}] * 2
    # and Bo's screen sees her leave the room (her attendance stays, for the minutes)
    assert _seats(before) == ["Fay Facilitator", "Ann", "Bo"]
    assert after is not None and _seats(after) == ["Fay Facilitator", "Bo"]
    assert meeting.attendance.filter(user=ann, present=True).exists()


def test_a_flood_from_one_screen_is_throttled(world, setting):
    meeting, _people = setting
    cy = Screen(meeting, world.circle_member)

    async def scenario() -> list[dict[str, Any]]:
        await cy.open()
        await cy.receive()  # the room as it is (sent once the screen is in: it may take a while)
        await cy.latest()
        for _ in range(12):
            await cy.send(action="no such thing")
        answers = [await cy.receive() for _ in range(12)]
        await cy.close()
        return answers

    answers = async_to_sync(scenario)()
    throttled = [a for a in answers if a["error"] == "Too many requests at once: wait a moment."]
    assert 5 <= len(throttled) <= 8


def test_a_screen_that_joins_late_or_reconnects_sees_the_room_as_it_is(world, setting):
    meeting, (_ann, bo) = setting
    room.start_round(
        meeting=meeting, actor=world.facilitator, kind="check_in", first=world.facilitator
    )
    late = Screen(meeting, bo)

    async def scenario() -> dict[str, Any]:
        await late.open()
        first = await late.receive()
        await late.close()
        return first

    first = async_to_sync(scenario)()
    assert first["announce"].startswith("Fay Facilitator is speaking")
    # and by opening the room Bo is present (the round that had started goes on without him)
    assert meeting.attendance.filter(user=bo, present=True).exists()


def test_an_answer_given_on_the_proposal_page_reaches_the_room_at_once(world):
    from circlewise.decisions import services as decisions
    from circlewise.decisions.models import ConsentRound
    from circlewise.meetings.room import act

    from .test_room_consent import _meeting_with
    from .test_room_consent import people as people_fixture

    # given the room's consent round on Garden's proposal, the circle waiting for everyone, and
    # Dan, a member away from the meeting, with the proposal's page open
    people = people_fixture.__wrapped__(world)
    meeting, proposal, _item, _plain = _meeting_with(world, people, lazy=False, draft=False)
    fay = people["fay"]
    for kind in ("clarifying", "reaction"):
        act(meeting, fay, "start_round", {"kind": kind})
        act(meeting, fay, "end_round", {})
    act(meeting, fay, "start_round", {"kind": "consent"})
    consent = ConsentRound.objects.get(proposal=proposal, outcome="open")
    screen = Screen(meeting, people["ann"])

    async def scenario() -> tuple[Any, Any]:
        assert (await screen.open())[0]
        await screen.receive()
        await committed()
        before = await screen.latest()

        # when Dan answers on the proposal's page, outside the room
        def answer() -> None:
            decisions.respond(round_=consent, user=people["dan"], answer="consent")

        await database_sync_to_async(answer)()
        await committed()
        after = await screen.latest()
        await screen.close()
        return before, after

    before, after = async_to_sync(scenario)()

    # then every screen in the room is sent the room with his answer, without waiting for the
    # room's next change
    assert before is None or "Dan</bdi>: <strong>" not in before["html"]
    assert after is not None and "<bdi>Dan</bdi>: <strong>Consent</strong>" in after["html"]
    assert re.search(r"Answers: 1 of \d+ asked", after["html"])
