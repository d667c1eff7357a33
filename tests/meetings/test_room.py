"""The live room: opened by the facilitator, joined by the circle's members, rounds in which
everyone speaks in turn (the order, passing by the kind of round, "come back to me", a turn
recorded for someone without a device, written turns), moving on and closing. All of it is read
back from the database, as a screen that reloads or joins late reads it."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from circlewise.core.errors import ServiceError
from circlewise.core.models import LedgerEvent
from circlewise.meetings import selectors, services
from circlewise.meetings import services_room as room
from circlewise.meetings.models import Attendance, Meeting, Round, Turn

from .. import factories as f


@pytest.fixture
def people(world):
    """Garden with five members seated in this order: Fay (facilitating), Cy, Ann, Bo, Dan."""
    others = [f.join(world.org, name=n) for n in ("Ann", "Bo", "Dan")]
    f.add(world.garden, *others)
    return [world.facilitator, world.circle_member, *others]


@pytest.fixture
def live(world, people) -> Meeting:
    meeting = services.plan_meeting(
        circle=world.garden, actor=world.facilitator,
        starts_at=timezone.now() + dt.timedelta(hours=1),
    )  # fmt: skip
    room.open_room(meeting=meeting, actor=world.facilitator)
    for person in people[1:]:
        room.join_room(meeting=meeting, user=person)
    meeting.refresh_from_db()
    return meeting


def names(order: list[int]) -> list[str]:
    from circlewise.accounts.models import User

    found = User.objects.in_bulk(order)
    return [found[pk].name.split()[0] for pk in order]


def speaker(meeting: Meeting) -> str:
    state = selectors.room_state(meeting, None)
    return state.speaker.name.split()[0] if state.speaker else ""


def test_only_who_keeps_the_agenda_opens_the_room_and_members_join_once(world, people):
    meeting = services.plan_meeting(
        circle=world.garden,
        actor=world.facilitator,
        starts_at=timezone.now() + dt.timedelta(hours=1),
    )
    with pytest.raises(ServiceError) as refused:
        room.open_room(meeting=meeting, actor=world.circle_member)
    assert refused.value.status == 403
    with pytest.raises(ServiceError):
        room.join_room(meeting=meeting, user=world.circle_member)  # not open yet
    room.open_room(meeting=meeting, actor=world.facilitator)
    assert room.join_room(meeting=meeting, user=world.circle_member) is True
    assert room.join_room(meeting=meeting, user=world.circle_member) is False  # a reload
    with pytest.raises(ServiceError):
        room.join_room(meeting=meeting, user=world.member)  # not in Garden
    seats = list(Attendance.objects.filter(meeting=meeting).values_list("user__name", flat=True))
    assert seats == ["Fay Facilitator", "Cy Circle"]
    assert LedgerEvent.objects.filter(verb="meeting.joined").count() == 2
    meeting.refresh_from_db()
    assert meeting.is_live and meeting.phase == Meeting.Phase.CHECK_IN


def test_a_round_goes_round_from_the_first_speaker_in_the_direction_chosen(world, people, live):
    # when Fay starts a check-in round with Ann, the other way round
    round_ = room.start_round(
        meeting=live, actor=world.facilitator, kind="check_in", prompt="How do you arrive?",
        first=people[2], clockwise=False,
    )  # fmt: skip
    # then Ann speaks first, then Cy, Fay, Dan, Bo; the room sees whose turn it is, and the next two
    assert names(round_.order) == ["Ann", "Cy", "Fay", "Dan", "Bo"]
    state = selectors.room_state(live, people[2])
    assert state.my_turn and [p.name for p in state.next_two] == ["Cy Circle", "Fay Facilitator"]
    assert selectors.room_state(live, world.facilitator).announcement == (
        "Ann is speaking. Next: Cy Circle, Fay Facilitator."
    )
    # when each says they are complete, in turn
    for person in (people[2], world.circle_member, world.facilitator, people[4], people[3]):
        room.complete_turn(round_=round_, actor=person)
    # then the round has ended, and every turn is logged in order, none passed
    round_.refresh_from_db()
    assert round_.ended_at is not None
    turns = list(round_.turns.order_by("started_at", "pk"))
    assert names([t.user_id for t in turns]) == ["Ann", "Cy", "Fay", "Dan", "Bo"]
    assert all(t.ended_at and not t.passed for t in turns)
    assert LedgerEvent.objects.filter(verb="round.ended", payload__round=round_.pk).exists()


def test_a_deactivated_account_leaves_the_room_but_not_the_record_of_who_took_part(
    world, people, live
):
    from circlewise.accounts import services as accounts
    from circlewise.accounts.models import User

    # given Ann in the room with her hand up, and her account deactivated by site staff
    staff = User.objects.create_superuser(email="root@example.org", password="x", name="Root")
    ann = people[2]
    Attendance.objects.filter(meeting=live, user=ann).update(hand_raised_at=timezone.now())
    accounts.deactivate_account(user=ann, actor=staff)
    # when the room is read and Fay starts a round
    state = selectors.room_state(live, world.facilitator)
    round_ = room.start_round(meeting=live, actor=world.facilitator, kind="open")
    # then Ann is neither among those present, nor her hand up, nor asked in the round
    assert [p.name.split()[0] for p in state.present] == ["Fay", "Cy", "Bo", "Dan"]
    assert ann.pk not in [hand.pk for hand in state.hands]
    assert names(round_.order) == ["Fay", "Cy", "Bo", "Dan"]
    # and once the meeting is closed, its minutes still say she took part
    room.end_round(round_=round_, actor=world.facilitator)
    room.close_room(meeting=live, actor=world.facilitator)
    live.refresh_from_db()
    assert len(selectors.room_state(live, world.facilitator).present) == 5
    assert "Ann" in live.minutes.text


def test_only_the_speaker_ends_their_own_turn_or_the_facilitator_records_it(world, people, live):
    round_ = room.start_round(meeting=live, actor=world.facilitator, kind="open", first=people[1])
    with pytest.raises(ServiceError) as refused:
        room.complete_turn(round_=round_, actor=people[2])  # Ann, not her turn
    assert refused.value.status == 403 and speaker(live) == "Cy"
    # Fay records Cy's turn, said in the room
    room.complete_turn(round_=round_, actor=world.facilitator)
    first = round_.turns.get(user=world.circle_member)
    assert first.recorded_by == world.facilitator and speaker(live) == "Ann"
    # a second tap on a turn that has moved on does nothing
    with pytest.raises(ServiceError) as late:
        room.complete_turn(round_=round_, actor=world.facilitator, expected_user=people[1].pk)
    assert late.value.status == 409 and speaker(live) == "Ann"


@pytest.mark.parametrize(
    ("kind", "allowed"),
    [
        ("clarifying", True),
        ("reaction", True),
        ("open", True),
        ("consent", False),
        ("nomination", False),
    ],
)
def test_passing_follows_the_kind_of_round(world, people, live, kind, allowed):
    round_ = room.start_round(meeting=live, actor=world.facilitator, kind=kind, first=people[1])
    if allowed:
        room.complete_turn(round_=round_, actor=world.circle_member, passed=True)
        assert round_.turns.get(user=world.circle_member).passed
        assert speaker(live) == "Ann"
    else:
        with pytest.raises(ServiceError) as refused:
            room.complete_turn(round_=round_, actor=world.circle_member, passed=True)
        assert refused.value.status == 409 and "passing is not possible" in refused.value.text
        assert speaker(live) == "Cy" and not round_.turns.filter(ended_at__isnull=False).exists()


def test_come_back_to_me_moves_the_person_to_the_end_once(world, people, live):
    round_ = room.start_round(
        meeting=live, actor=world.facilitator, kind="reaction", first=people[1]
    )
    room.complete_turn(round_=round_, actor=world.circle_member, come_back=True)
    round_.refresh_from_db()
    assert names(round_.order) == ["Cy", "Ann", "Bo", "Dan", "Fay", "Cy"] and speaker(live) == "Ann"
    for person in (people[2], people[3], people[4], world.facilitator):
        room.complete_turn(round_=round_, actor=person)
    assert speaker(live) == "Cy"
    with pytest.raises(ServiceError) as again:
        room.complete_turn(round_=round_, actor=world.circle_member, come_back=True)
    assert again.value.status == 409
    room.complete_turn(round_=round_, actor=world.circle_member, written="I am fine with it.")
    last = round_.turns.filter(user=world.circle_member).order_by("-started_at", "-pk").first()
    assert last.written == "I am fine with it." and not last.came_back
    event = LedgerEvent.objects.filter(verb="round.turn_taken").order_by("-sequence").first()
    assert event.payload["written"] is True and "fine with it" not in str(event.payload)


def test_one_round_at_a_time_and_no_moving_on_in_the_middle_of_one(world, people, live):
    round_ = room.start_round(meeting=live, actor=world.facilitator, kind="check_in")
    with pytest.raises(ServiceError):
        room.start_round(meeting=live, actor=world.facilitator, kind="open")
    with pytest.raises(ServiceError) as refused:
        room.move_to(meeting=live, actor=world.facilitator, phase="administration")
    assert "End the round first" in refused.value.text
    room.end_round(round_=round_, actor=world.facilitator)
    room.move_to(meeting=live, actor=world.facilitator, phase="administration")
    live.refresh_from_db()
    assert (
        live.phase == "administration" and Round.objects.filter(ended_at__isnull=True).count() == 0
    )


def test_closing_ends_the_round_and_the_meeting_is_held(world, people, live):
    room.start_round(meeting=live, actor=world.facilitator, kind="evaluation")
    room.close_room(meeting=live, actor=world.facilitator)
    live.refresh_from_db()
    assert live.status == Meeting.Status.HELD and live.phase == "closed" and live.is_over
    assert not Turn.objects.filter(ended_at__isnull=True).exists()
    with pytest.raises(ServiceError):
        room.start_round(meeting=live, actor=world.facilitator, kind="open")


def test_the_room_page_shows_the_round_and_works_without_javascript(client, world, people, live):
    round_ = room.start_round(
        meeting=live, actor=world.facilitator, kind="clarifying", first=people[1]
    )
    url = reverse("meetings:meeting_room", args=["willow", live.pk])
    act = reverse("meetings:room_act", args=["willow", live.pk])
    client.force_login(world.circle_member)
    page = client.get(url).content.decode()
    assert "<strong>Your turn</strong>" in page and "I'm complete" in page
    assert 'aria-live="assertive"' in page and "Your turn." in page
    # Cy passes with a plain form post; the room shows Ann speaking
    answer = client.post(act, {"action": "complete", "passed": "1", "speaker": people[1].pk})
    assert answer.status_code == 302 and answer["Location"] == url
    assert round_.turns.get(user=world.circle_member).passed
    page = client.get(url).content.decode()
    assert "<bdi>Ann</bdi> is speaking" in page and "Start the round" not in page
    # a member may not run the room; the refusal is said on the page
    refused = client.post(act, {"action": "end_round"})
    assert refused.status_code == 403 and "facilitator or secretary" in refused.content.decode()
    # someone outside Garden does not get in
    client.force_login(world.member)
    assert client.get(url).status_code == 403
    client.force_login(world.outsider)
    assert client.get(url).status_code == 404


def test_the_room_display_shows_whose_turn_and_the_next_two_in_large_type(
    client, world, people, live
):
    room.start_round(meeting=live, actor=world.facilitator, kind="check_in", first=people[3])
    client.force_login(world.facilitator)
    page = client.get(reverse("meetings:room_display", args=["willow", live.pk])).content.decode()
    assert '<p class="display-speaker"><bdi>Bo</bdi></p>' in page
    assert "Next: <bdi>Dan</bdi>, <bdi>Fay Facilitator</bdi>" in page
    assert "Check-in round" in page
