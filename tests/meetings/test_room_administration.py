"""The administration part of a meeting reviews the circle's open action items, the last
meeting's minutes not yet approved and the next meeting, on every screen; once a meeting is held,
its page shows how the speaking was shared, without names."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from circlewise.meetings import selectors, services
from circlewise.meetings import services_actions as actions
from circlewise.meetings import services_room as room
from circlewise.meetings.models import ActionItem, Meeting, Turn
from circlewise.meetings.selectors_admin import turn_shares

from .. import factories as f


@pytest.fixture
def people(world):
    others = [f.join(world.org, name=n) for n in ("Ann", "Bo")]
    f.add(world.garden, *others)
    return [world.facilitator, world.circle_member, *others]


def _live(world, people, days: int = 1) -> Meeting:
    meeting = services.plan_meeting(
        circle=world.garden, actor=world.facilitator,
        starts_at=timezone.now() + dt.timedelta(days=days),
    )  # fmt: skip
    room.open_room(meeting=meeting, actor=world.facilitator)
    for person in people[1:]:
        room.join_room(meeting=meeting, user=person)
    meeting.refresh_from_db()
    return meeting


def test_the_administration_part_reviews_open_actions_last_minutes_and_the_next_meeting(
    world, people, client
):
    fay, cy, ann, _bo = people
    earlier = _live(world, people)
    room.close_room(meeting=earlier, actor=fay)  # its minutes are drafted, not approved
    today = timezone.localdate()
    late = actions.add_action_item(
        circle=world.garden, actor=fay, title="Mend the fence", owner=cy, due_on=today
    )
    # two days have gone by since
    ActionItem.objects.filter(pk=late.pk).update(due_on=today - dt.timedelta(days=2))
    actions.add_action_item(
        circle=world.garden, actor=fay, title="Order seeds", owner=ann,
        due_on=today + dt.timedelta(days=5),
    )  # fmt: skip
    done = actions.add_action_item(circle=world.garden, actor=fay, title="Sweep", owner=ann)
    actions.close_action_item(action=done, actor=ann, done=True)
    meeting = _live(world, people, days=2)
    after = services.plan_meeting(
        circle=world.garden, actor=fay, starts_at=timezone.now() + dt.timedelta(days=9)
    )
    assert selectors.room_state(meeting, cy).administration is None  # not in that part yet
    room.move_to(meeting=meeting, actor=fay, phase="administration")
    meeting.refresh_from_db()
    review = selectors.room_state(meeting, cy).administration
    assert review is not None
    assert [a.title for a in review.open_actions] == ["Mend the fence", "Order seeds"]
    assert review.open_count == 2 and review.overdue == 1
    assert review.previous is not None and review.previous.meeting_id == earlier.pk
    assert review.next_meeting == after
    client.force_login(cy)
    page = client.get(reverse("meetings:meeting_room", args=[world.org.slug, meeting.pk]))
    html = page.content.decode()
    assert "2 open action items" in html and "Mend the fence" in html and "overdue" in html
    assert reverse("meetings:meeting_minutes", args=[world.org.slug, earlier.pk]) in html
    assert late.title in html


def test_a_held_meeting_shows_how_the_speaking_was_shared_without_names(world, people, client):
    fay, cy, ann, bo = people
    meeting = _live(world, people)
    check_in = room.start_round(meeting=meeting, actor=fay, kind="check_in", first=fay)
    room.complete_turn(round_=check_in, actor=fay)
    room.complete_turn(round_=check_in, actor=cy)
    room.complete_turn(round_=check_in, actor=ann, written="Glad to be here.")
    room.complete_turn(round_=check_in, actor=bo, passed=True)
    # Fay spoke 3 minutes, Cy 1: shares of the time spoken are 75 and 25
    start = timezone.now() - dt.timedelta(hours=1)
    for user, minutes in ((fay, 3), (cy, 1)):
        Turn.objects.filter(round=check_in, user=user).update(
            started_at=start, ended_at=start + dt.timedelta(minutes=minutes)
        )
    room.close_room(meeting=meeting, actor=fay)
    shares = turn_shares(meeting)
    assert shares.shares == [75.0, 25.0] and shares.turns == 4 and shares.present == 4
    assert shares.top_quarter == 75.0 and shares.quarter == 1
    client.force_login(bo)
    html = client.get(
        reverse("meetings:meeting_detail", args=[world.org.slug, meeting.pk])
    ).content.decode()
    section = html[
        html.index('id="shares-heading"') : html.index(
            "</section>", html.index('id="shares-heading"')
        )
    ]
    assert "2 people spoke, in 4 turns" in section and 'value="75.0"' in section
    assert not any(p.name in section for p in people)


def test_a_meeting_with_no_turns_shows_no_share(world, people):
    meeting = _live(world, people)
    room.close_room(meeting=meeting, actor=world.facilitator)
    assert turn_shares(meeting).speakers == 0
