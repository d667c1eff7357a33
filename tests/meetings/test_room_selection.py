"""A selection run live in the room (meetings/services_selection.py through the room's actions):
put on the agenda by the facilitator; at its item every screen, the room display too, shows its
step and how many have nominated, and nothing of a nomination before the reveal; the nomination
round reveals them and every screen sees the grid and each speaker's nomination; in the change
round each member keeps or changes theirs and the grid changes; the consent round goes in
selections' order, the nominee last; nobody passes where everyone answers. Over real WebSockets
as in test_room_socket.py (SQLite only, for the same reason)."""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any

import pytest
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from circlewise.core.errors import ServiceError
from circlewise.meetings import services
from circlewise.meetings import services_room as room
from circlewise.meetings.models import AgendaItem, Meeting, Round
from circlewise.meetings.room import act
from circlewise.selections import services as selections
from circlewise.selections import services_consent as selection_consent
from circlewise.selections.models import Answer, Nomination, Step

from ..selections import helpers
from .test_room_socket import Screen, committed

sqlite_only = pytest.mark.skipif(
    connection.vendor != "sqlite",
    reason="the consumer shares the test's transaction only on SQLite (test_room_socket.py)",
)
SECRET = "She keeps records well."


def _meeting(world) -> Meeting:
    return services.plan_meeting(
        circle=world.garden,
        actor=world.facilitator,
        starts_at=timezone.now() + dt.timedelta(hours=1),
    )


def _room_at(world, selection) -> tuple[Meeting, AgendaItem]:
    """Garden's meeting with the selection on its agenda, opened, Fay, Cy and Mo in the room, at
    the selection's item."""
    meeting = _meeting(world)
    item = services.add_agenda_item(meeting=meeting, actor=world.facilitator, selection=selection)
    room.open_room(meeting=meeting, actor=world.facilitator)
    for person in (world.circle_member, world.member):
        room.join_room(meeting=meeting, user=person)
    room.move_to(meeting=meeting, actor=world.facilitator, phase="items", item=item)
    meeting.refresh_from_db()
    return meeting, item


async def _until(check) -> None:
    """Wait (at most 3 s) until the consumer has done what a screen asked: its broadcast goes
    out once the test runs what was asked to run after commit."""
    for _ in range(60):
        if await database_sync_to_async(check)():
            return
        await asyncio.sleep(0.05)
    raise AssertionError("the room did not do what was asked")


def _two_nominated(world):
    """Cy nominates Fay, Fay nominates Cy; Mo has not nominated yet: nothing is revealed."""
    selection = helpers.nominating(world)
    fay, cy = world.facilitator, world.circle_member
    selections.nominate(selection=selection, actor=cy, nominee=fay, reason=SECRET)
    selections.nominate(selection=selection, actor=fay, nominee=cy, reason="Cy writes clearly.")
    selection.refresh_from_db()
    assert not selection.is_revealed
    return selection


def test_the_facilitator_puts_an_open_selection_of_the_circle_on_the_agenda(world, client):
    # given a selection under way in Garden and a meeting of Garden
    selection = helpers.nominating(world)
    meeting = _meeting(world)
    url = reverse("meetings:meeting_detail", args=[world.org.slug, meeting.pk])
    add = reverse("meetings:agenda_add", args=[world.org.slug, meeting.pk])
    client.force_login(world.facilitator)
    # when the facilitator looks at the meeting's page, then adds the selection
    page = client.get(url)
    added = client.post(add, {"selection": str(selection.pk)})
    again = client.post(add, {"selection": str(selection.pk)})
    # then it was offered, is on the agenda once, to decide, presented by its facilitator
    assert "Selections under way" in page.content.decode()
    assert added.status_code == 302 and again.status_code == 409
    item = AgendaItem.objects.get(meeting=meeting, selection=selection)
    assert item.title == f"Selecting the {selection.role.name}"
    assert item.outcome == "decide" and item.presenter == world.facilitator
    # and a member who does not keep the agenda may not add one
    client.force_login(world.circle_member)
    assert client.post(add, {"selection": str(selection.pk)}).status_code == 403


@sqlite_only
def test_nothing_of_a_nomination_reaches_any_screen_before_the_reveal(world):
    # given the room at the selection's item, two of three having nominated
    selection = _two_nominated(world)
    meeting, _item = _room_at(world, selection)
    fay, cy = world.facilitator, world.circle_member
    screens = [Screen(meeting, fay), Screen(meeting, cy), Screen(meeting, fay, query="?display=1")]

    def rewrite() -> None:
        selections.nominate(
            selection=selection, actor=cy, nominee=world.member, reason="Mo listens. " + SECRET
        )

    async def scenario() -> tuple[list[dict[str, Any]], list[Any]]:
        raw: list[dict[str, Any]] = []
        for screen in screens:
            assert (await screen.open())[0]
            raw.append(await screen.receive())
        await committed()
        for screen in screens:
            raw.append(await screen.latest() or {})
        # when Cy rewrites his nomination on the selection's page, outside the room
        await database_sync_to_async(rewrite)()
        await committed()
        moved = [await screen.latest() for screen in screens]
        for screen in screens:
            await screen.close()
        return raw, moved

    raw, moved = async_to_sync(scenario)()
    # then every screen is sent the room again (the selection moved it) ...
    assert all(view is not None for view in moved)
    # ... showing the step and how many have nominated, and nothing of any nomination
    for message in [*raw, *moved]:
        text = str(message)
        if not text.strip("{}"):
            continue
        assert "2 of 3 have nominated." in message["html"]
        assert SECRET not in text and "Cy writes clearly" not in text and "Mo listens" not in text
        assert "nominates" not in text and "grid-table" not in text
    assert "Nominations" in moved[0]["html"] and "display-selection" in moved[2]["html"]


@sqlite_only
def test_the_grid_reaches_every_screen_when_the_nomination_round_starts(world):
    # given the room at the selection's item, two of three having nominated, not yet revealed
    selection = _two_nominated(world)
    meeting, _item = _room_at(world, selection)
    fay, cy = world.facilitator, world.circle_member
    screens = [Screen(meeting, fay), Screen(meeting, cy), Screen(meeting, cy, query="?display=1")]

    async def scenario() -> list[Any]:
        for screen in screens:
            assert (await screen.open())[0]
            await screen.receive()
        await committed()
        for screen in screens:
            await screen.latest()
        # when Fay starts the nomination round with Cy, over her socket
        await screens[0].send(action="start_round", kind="nomination", first=str(cy.pk))
        await _until(lambda: room.open_round(meeting) is not None)
        await committed()
        views = [await screen.latest() for screen in screens]
        for screen in screens:
            await screen.close()
        return views

    views = async_to_sync(scenario)()
    # then the nominations are revealed, and every screen, the display too, shows the grid and
    # Cy's nomination as he speaks
    selection.refresh_from_db()
    assert selection.is_revealed and selection.step == Step.CHANGE
    said = "<strong><bdi>Cy Circle</bdi></strong> nominates <strong><bdi>Fay Facilitator</bdi></strong>"
    for view in views:
        assert view is not None and "grid-table" in view["html"]
        assert said in view["html"] and SECRET in view["html"]
    assert "display-grid" in views[2]["html"]
    assert views[1]["my_turn"] is True
    round_ = room.open_round(meeting)
    assert round_.kind == Round.Kind.NOMINATION and round_.order[0] == cy.pk


def test_no_passing_in_the_nomination_round(world):
    selection = _two_nominated(world)
    meeting, _item = _room_at(world, selection)
    act(meeting, world.facilitator, "start_round", {"kind": "nomination"})
    speaker = room.open_round(meeting).order[0]
    with pytest.raises(ServiceError, match="passing is not possible"):
        act(meeting, world.facilitator, "complete", {"passed": "1", "speaker": str(speaker)})


def test_in_the_change_round_a_member_changes_and_the_grid_follows(world):
    # given the nominations revealed by the room's nomination round, which has ended
    selection = _two_nominated(world)
    meeting, _item = _room_at(world, selection)
    fay, cy, mo = world.facilitator, world.circle_member, world.member
    act(meeting, fay, "start_round", {"kind": "nomination"})
    act(meeting, fay, "end_round", {})
    # when the change round starts with Cy, and Cy changes to Mo, saying why
    act(meeting, fay, "start_round", {"kind": "change", "first": str(cy.pk)})
    act(
        meeting,
        cy,
        "complete",
        {"speaker": str(cy.pk), "nominee": str(mo.pk), "reason": "Mo has time."},
    )
    # then selections recorded it, the turn moved on, and the room's grid shows the change
    change = Nomination.objects.get(selection=selection, round="change", nominator=cy)
    assert change.nominee == mo and not change.kept
    from circlewise.meetings.selectors import room_state

    state = room_state(meeting, fay)
    assert state.speaker.pk != cy.pk
    row = next(r for r in state.selection.grid if r.nominator.pk == cy.pk)
    assert row.change.nominee_id == mo.pk
    # and the facilitator records what the next speaker, without a device, says in the room
    next_speaker = state.speaker.pk
    act(
        meeting, fay, "complete",
        {"speaker": str(next_speaker), "nominee": str(cy.pk), "reason": "Said in the room."},
    )  # fmt: skip
    recorded = Nomination.objects.get(selection=selection, round="change", nominator=next_speaker)
    assert (recorded.nominee, recorded.recorded_by) == (cy, fay)
    # but a member who does not facilitate the selection records nobody's
    with pytest.raises(ServiceError):
        selections.change_nomination(
            selection=selection, actor=cy, nominee=cy, reason="x", for_person=mo
        )


@sqlite_only
def test_the_consent_round_goes_in_the_selections_order_the_nominee_last(world):
    # given Fay proposed (by Mo) and the room at the selection's item
    selection = helpers.proposed(world)
    meeting, _item = _room_at(world, selection)
    fay, cy, mo = world.facilitator, world.circle_member, world.member
    expected = selection_consent.consent_order(selection, fay.pk)
    screen = Screen(meeting, cy)

    async def scenario() -> tuple[Any, Any]:
        assert (await screen.open())[0]
        await screen.receive()
        await committed()
        await screen.latest()
        # when Fay starts the consent round, asking Cy first (the order is the selection's)
        await database_sync_to_async(act)(
            meeting, fay, "start_round", {"kind": "consent", "first": str(cy.pk)}
        )
        await committed()
        started = await screen.latest()
        # and the first speaker answers, the nominee's turn comes last
        first = await database_sync_to_async(lambda: room.open_round(meeting).order[0])()
        speaker = {fay.pk: fay, cy.pk: cy, mo.pk: mo}[first]
        await database_sync_to_async(act)(
            meeting, speaker, "complete", {"speaker": str(first), "answer": "consent"}
        )
        await committed()
        after = await screen.latest()
        await screen.close()
        return started, after

    started, after = async_to_sync(scenario)()
    round_ = Round.objects.get(meeting=meeting, kind="consent")
    assert round_.order == expected and round_.order[-1] == fay.pk
    assert started is not None and "the nominee, last" in started["html"]
    assert after is not None and "<strong>Consent</strong>" in after["html"]
    assert Answer.objects.filter(candidate__selection=selection).count() == 1
    # and nobody passes in it
    with pytest.raises(ServiceError, match="no passing"):
        act(meeting, fay, "complete", {"passed": "1"})


def test_answers_recorded_in_the_room_complete_the_selection_the_nominee_last(world, client):
    selection = helpers.proposed(world)
    meeting, _item = _room_at(world, selection)
    fay = world.facilitator
    act(meeting, fay, "start_round", {"kind": "consent"})
    order = list(room.open_round(meeting).order)
    for pk in order:
        # the facilitator records each answer given in the room (her own as herself)
        act(meeting, fay, "complete", {"speaker": str(pk), "answer": "consent"})
    selection.refresh_from_db()
    assert selection.step == Step.COMPLETED and selection.outcome.holder == fay
    recorded = Answer.objects.filter(candidate__selection=selection).exclude(person=fay)
    assert all(a.recorded_by == fay for a in recorded)
    assert room.open_round(meeting) is None
    # and the room's page says who now holds the role
    client.force_login(world.circle_member)
    page = client.get(reverse("meetings:meeting_room", args=[world.org.slug, meeting.pk]))
    assert "<bdi>Fay Facilitator</bdi> holds the role until" in page.content.decode()


@sqlite_only
def test_a_change_in_the_change_round_reaches_every_screen(world):
    # given the change round in the room, Cy speaking, Fay's and Mo's screens open
    selection = _two_nominated(world)
    meeting, _item = _room_at(world, selection)
    fay, cy, mo = world.facilitator, world.circle_member, world.member
    act(meeting, fay, "start_round", {"kind": "nomination"})
    act(meeting, fay, "end_round", {})
    act(meeting, fay, "start_round", {"kind": "change", "first": str(cy.pk)})
    screens = [Screen(meeting, cy), Screen(meeting, mo), Screen(meeting, fay, query="?display=1")]

    async def scenario() -> tuple[list[Any], int, int]:
        for screen in screens:
            assert (await screen.open())[0]
            await screen.receive()
        await committed()
        for screen in screens:
            await screen.latest()
        before = await database_sync_to_async(lambda: Meeting.objects.get(pk=meeting.pk))()
        # when Cy changes his nomination to Mo over his socket
        await screens[0].send(
            action="complete", speaker=str(cy.pk), nominee=str(mo.pk), reason="Mo has time."
        )
        await _until(lambda: Nomination.objects.filter(round="change", nominator=cy).exists())
        await committed()
        views = [await screen.latest() for screen in screens]
        after = await database_sync_to_async(lambda: Meeting.objects.get(pk=meeting.pk))()
        for screen in screens:
            await screen.close()
        return views, before.room_version, after.room_version

    views, before, after = async_to_sync(scenario)()
    # then every screen shows it, and the room moved once (the selection's own hook saw the room
    # move in the same transaction and left it)
    said = (
        "<strong><bdi>Cy Circle</bdi></strong> now nominates <strong><bdi>Mo Member</bdi></strong>"
    )
    for view in views:
        assert view is not None and "→" in view["html"]
    assert said in views[1]["html"] and "Mo has time." in views[1]["html"]
    assert after == before + 1


def test_the_minutes_keep_the_selection_and_no_nomination_before_the_reveal(world):
    # given a meeting that closes with two nominations still hidden
    selection = _two_nominated(world)
    meeting, _item = _room_at(world, selection)
    room.close_room(meeting=meeting, actor=world.facilitator)
    hidden = meeting.minutes.text
    # then its minutes say nothing of them
    assert SECRET not in hidden and "nominated" not in hidden


def test_the_minutes_keep_the_nominations_and_the_outcome(world):
    # given a selection completed in the room
    selection = helpers.proposed(world)
    meeting, _item = _room_at(world, selection)
    fay = world.facilitator
    act(meeting, fay, "start_round", {"kind": "consent"})
    for pk in list(room.open_round(meeting).order):
        act(meeting, fay, "complete", {"speaker": str(pk), "answer": "consent"})
    room.close_room(meeting=meeting, actor=fay)
    text = meeting.minutes.text
    # then the minutes hold the nominations, the proposal and who was selected
    assert "Cy Circle nominated Fay Facilitator: She keeps records well." in text
    assert "Proposed: Fay Facilitator for 12 months (version 1)." in text
    assert "Selected by consent: Fay Facilitator as Secretary, until" in text


def test_ending_the_rooms_change_round_early_ends_the_selections(world):
    selection = _two_nominated(world)
    meeting, _item = _room_at(world, selection)
    fay, cy = world.facilitator, world.circle_member
    act(meeting, fay, "start_round", {"kind": "nomination"})
    act(meeting, fay, "end_round", {})
    act(meeting, fay, "start_round", {"kind": "change", "first": str(cy.pk)})
    act(meeting, cy, "complete", {"speaker": str(cy.pk)})
    # when Fay ends the room's change round before everyone has spoken
    act(meeting, fay, "end_round", {})
    # then the selection moves on to its proposal: the others keep their nominations
    selection.refresh_from_db()
    assert selection.step == Step.PROPOSE
