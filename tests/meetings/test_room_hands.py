"""Hands raised outside rounds and the seat order: a hand goes up and down, the facilitator sees
the queue (in the order hands went up, or those who have spoken least first) and gives the floor,
a round lowers every hand, seats move and are kept for the circle's next meeting; the room's
screens are told, and who may not is refused with nothing changed."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from circlewise.core.errors import ServiceError
from circlewise.core.models import LedgerEvent
from circlewise.meetings import room as actions
from circlewise.meetings import selectors, services
from circlewise.meetings import services_hands as hands
from circlewise.meetings import services_room as room
from circlewise.meetings.models import Attendance, Meeting

from .. import factories as f


@pytest.fixture
def people(world):
    """Garden: Fay (facilitating), Cy, Ann, Bo, in this seat order."""
    others = [f.join(world.org, name=n) for n in ("Ann", "Bo")]
    f.add(world.garden, *others)
    return [world.facilitator, world.circle_member, *others]


def _meeting(world, people, *, days: int = 1) -> Meeting:
    meeting = services.plan_meeting(
        circle=world.garden, actor=world.facilitator,
        starts_at=timezone.now() + dt.timedelta(days=days),
    )  # fmt: skip
    room.open_room(meeting=meeting, actor=world.facilitator)
    for person in people[1:]:
        room.join_room(meeting=meeting, user=person)
    meeting.refresh_from_db()
    return meeting


@pytest.fixture
def live(world, people) -> Meeting:
    return _meeting(world, people)


def _queue(meeting: Meeting) -> list[str]:
    meeting.refresh_from_db()
    return [h.name.split()[0] for h in selectors.room_state(meeting, None).hands]


def test_hands_queue_in_the_order_raised_or_least_spoken_first(world, people, live):
    fay, cy, ann, bo = people
    # Cy and Ann speak in two rounds ended early (the turn going on when a round ends counts);
    # Bo has not spoken yet
    for _round in range(2):
        check_in = room.start_round(meeting=live, actor=fay, kind="check_in", first=cy)
        room.complete_turn(round_=check_in, actor=cy)
        room.end_round(round_=check_in, actor=fay)
    version = Meeting.objects.get(pk=live.pk).room_version
    for person in (cy, ann, bo):
        assert hands.raise_hand(meeting=live, user=person) is True
    assert hands.raise_hand(meeting=live, user=cy) is False  # up already: nothing changes
    assert Meeting.objects.get(pk=live.pk).room_version == version + 3
    assert _queue(live) == ["Cy", "Ann", "Bo"]
    hands.order_hands(meeting=live, actor=fay, least_first=True)
    assert _queue(live) == ["Bo", "Cy", "Ann"]
    spoken = {h.name.split()[0]: h.spoken for h in selectors.room_state(live, None).hands}
    assert spoken == {"Bo": 0, "Cy": 2, "Ann": 2}
    # Ann's own screen offers to lower her hand; Bo is given the floor and his goes down
    assert selectors.room_state(live, ann).hand_up is True
    hands.give_floor(meeting=live, actor=fay, user=bo)
    assert _queue(live) == ["Cy", "Ann"]
    hands.raise_hand(meeting=live, user=ann, up=False)
    assert _queue(live) == ["Cy"]
    assert selectors.room_state(live, ann).hand_up is False
    verbs = list(
        LedgerEvent.objects.filter(verb__startswith="hand.").values_list("verb", flat=True)
    )
    assert verbs.count("hand.raised") == 3 and "hand.called" in verbs and "hand.lowered" in verbs


def test_a_round_lowers_every_hand_and_none_goes_up_during_it(world, people, live):
    fay, cy, ann, _bo = people
    hands.raise_hand(meeting=live, user=cy)
    room.start_round(meeting=live, actor=fay, kind="open")
    assert _queue(live) == []
    with pytest.raises(ServiceError, match="In a round everyone speaks in turn"):
        hands.raise_hand(meeting=live, user=ann)
    with pytest.raises(ServiceError, match="Seats move between rounds"):
        hands.move_seat(meeting=live, actor=fay, user=ann, earlier=True)
    assert not Attendance.objects.filter(meeting=live, hand_raised_at__isnull=False).exists()


def test_only_who_runs_the_room_gives_the_floor_orders_the_queue_or_moves_seats(
    world, people, live
):
    _fay, cy, ann, _bo = people
    hands.raise_hand(meeting=live, user=cy)
    for attempt in (
        lambda: hands.give_floor(meeting=live, actor=ann, user=cy),
        lambda: hands.order_hands(meeting=live, actor=ann, least_first=True),
        lambda: hands.move_seat(meeting=live, actor=ann, user=cy, earlier=True),
    ):
        with pytest.raises(ServiceError) as refused:
            attempt()
        assert refused.value.status == 403
    assert _queue(live) == ["Cy"] and not Meeting.objects.get(pk=live.pk).hands_least_first
    # someone not in the circle raises no hand in its room
    with pytest.raises(ServiceError):
        hands.raise_hand(meeting=live, user=world.outsider)


def test_bad_requests_are_refused_with_a_sentence(world, people, live):
    fay, cy, _ann, _bo = people
    with pytest.raises(ServiceError, match="has not raised a hand"):
        hands.give_floor(meeting=live, actor=fay, user=cy)
    with pytest.raises(ServiceError, match="sits first already"):
        hands.move_seat(meeting=live, actor=fay, user=fay, earlier=True)
    with pytest.raises(ServiceError, match="Choose who is in the room"):
        actions.act(live, fay, "floor", {})
    with pytest.raises(ServiceError, match="not one of the choices"):
        actions.act(live, fay, "seat", {"user": "x"})


def test_seats_move_and_the_next_meeting_keeps_them(world, people, live):
    fay, cy, ann, bo = people
    actions.act(live, fay, "seat", {"user": str(bo.pk), "to": "earlier"})
    actions.act(live, fay, "seat", {"user": str(bo.pk), "to": "earlier"})
    order = [s.name.split()[0] for s in selectors.room_state(live, None).present]
    assert order == ["Fay", "Bo", "Cy", "Ann"]
    # a round goes round in it
    check_in = room.start_round(meeting=live, actor=fay, kind="check_in")
    assert check_in.order == [fay.pk, bo.pk, cy.pk, ann.pk]
    room.end_round(round_=check_in, actor=fay)
    room.close_room(meeting=live, actor=fay)
    # at the circle's next meeting they sit as they sat, whoever comes in first
    later = services.plan_meeting(
        circle=world.garden, actor=fay, starts_at=timezone.now() + dt.timedelta(days=8)
    )
    room.open_room(meeting=later, actor=fay)
    for person in (ann, cy, bo):
        room.join_room(meeting=later, user=person)
    later.refresh_from_db()
    order = [s.name.split()[0] for s in selectors.room_state(later, None).present]
    assert order == ["Fay", "Bo", "Cy", "Ann"]


def test_the_room_page_offers_the_hand_to_members_and_the_queue_to_the_facilitator(
    world, people, live, client
):
    fay, cy, _ann, _bo = people
    hands.raise_hand(meeting=live, user=cy)
    url = reverse("meetings:meeting_room", args=[world.org.slug, live.pk])
    client.force_login(cy)
    page = client.get(url).content.decode()
    assert "Lower my hand" in page and "Give the floor" not in page
    client.force_login(fay)
    page = client.get(url).content.decode()
    assert "Raise my hand" in page and "Give the floor" in page and "a seat earlier" in page
    # without JavaScript, the plain form does the same
    act = reverse("meetings:room_act", args=[world.org.slug, live.pk])
    answer = client.post(act, {"action": "floor", "user": str(cy.pk)})
    assert answer.status_code in (302, 303)
    assert _queue(live) == []


def test_a_free_discussion_is_time_boxed_and_closed_by_a_round(world, people, live):
    fay, cy, ann, _bo = people
    for minutes in (0, 61, None):
        with pytest.raises(ServiceError, match="time box of 1 to 60 minutes"):
            hands.start_discussion(meeting=live, actor=fay, minutes=minutes)
    with pytest.raises(ServiceError) as refused:
        hands.start_discussion(meeting=live, actor=cy, minutes=10)
    assert refused.value.status == 403
    actions.act(live, fay, "discuss", {"minutes": "10"})
    live.refresh_from_db()
    assert live.discussion_minutes == 10 and live.discussion_started_at is not None
    hands.raise_hand(meeting=live, user=ann)  # hands go up in a free discussion
    # the room does not move on before a round closes the discussion
    with pytest.raises(ServiceError, match="A free discussion is closed by a round"):
        room.move_to(meeting=live, actor=fay, phase="items")
    reaction = room.start_round(meeting=live, actor=fay, kind="reaction")
    live.refresh_from_db()
    assert live.discussion_started_at is None and _queue(live) == []
    started = LedgerEvent.objects.filter(verb="round.started").latest("sequence")
    assert started.payload["closes_discussion"] is True
    room.end_round(round_=reaction, actor=fay)
    room.move_to(meeting=live, actor=fay, phase="items")


def test_the_check_in_and_evaluation_rounds_suggest_prompts_of_the_library(
    world, people, live, client
):
    from circlewise.meetings import prompts

    fay = people[0]
    client.force_login(fay)
    url = reverse("meetings:meeting_room", args=[world.org.slug, live.pk])
    page = client.get(url).content.decode()  # the meeting opens with its check-in
    assert 'list="round-prompts"' in page
    assert all(str(p).replace("'", "&#x27;") in page for p in prompts.CHECK_IN)
    room.move_to(meeting=live, actor=fay, phase="evaluation")
    page = client.get(url).content.decode()
    assert str(prompts.EVALUATION[0]) in page and str(prompts.CHECK_IN[0]) not in page
    room.move_to(meeting=live, actor=fay, phase="items")
    assert 'list="round-prompts"' not in client.get(url).content.decode()
