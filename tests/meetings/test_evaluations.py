"""Evaluating a meeting: who was in the room fills one card (five ratings, 1 to 5, and their own
words); the circle sees the averages over its meetings as a trend, and its members read the words
without names. The ledger says someone evaluated, never what."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from circlewise.core.errors import ServiceError
from circlewise.core.models import LedgerEvent
from circlewise.meetings import services
from circlewise.meetings import services_evaluations as evaluations
from circlewise.meetings import services_room as room
from circlewise.meetings.models import Evaluation

GOOD = {"heard": 5, "on_time": 4, "clear": 4, "respected": 5, "served_aim": 4}


@pytest.fixture
def held(world):
    meeting = services.plan_meeting(
        circle=world.garden,
        actor=world.facilitator,
        starts_at=timezone.now() + dt.timedelta(hours=1),
    )
    room.open_room(meeting=meeting, actor=world.facilitator)
    room.join_room(meeting=meeting, user=world.circle_member)
    room.close_room(meeting=meeting, actor=world.facilitator)
    meeting.refresh_from_db()
    return meeting


def test_who_was_there_evaluates_once_and_the_ledger_keeps_no_rating(world, held):
    card = evaluations.evaluate(
        meeting=held, user=world.circle_member, ratings=GOOD, went_well="We listened."
    )
    assert (card.heard, card.went_well) == (5, "We listened.")
    event = LedgerEvent.objects.get(verb="meeting.evaluated")
    assert "listened" not in str(event.payload) and "heard" not in event.payload
    with pytest.raises(ServiceError) as again:
        evaluations.evaluate(meeting=held, user=world.circle_member, ratings=GOOD)
    assert again.value.status == 409
    with pytest.raises(ServiceError) as absent:  # in Garden, but not in the room
        evaluations.evaluate(meeting=held, user=world.admin, ratings=GOOD)
    assert absent.value.status == 403
    assert Evaluation.objects.count() == 1


@pytest.mark.parametrize(
    "bad", [{**GOOD, "clear": 0}, {**GOOD, "clear": 6}, {**GOOD, "clear": None}]
)
def test_a_rating_outside_1_to_5_is_refused_naming_the_dimension(world, held, bad):
    with pytest.raises(ServiceError) as refused:
        evaluations.evaluate(meeting=held, user=world.circle_member, ratings=bad)
    assert refused.value.field == "clear" and "Decisions were clear" in refused.value.text
    assert not Evaluation.objects.exists()


def test_the_card_page_and_the_trend(client, world, held):
    client.force_login(world.circle_member)
    url = reverse("meetings:meeting_evaluate", args=["willow", held.pk])
    page = client.get(url).content.decode()
    assert "Everyone was heard" in page and 'type="radio"' in page
    refused = client.post(url, {"heard": "5"})
    assert refused.status_code == 400 and "Choose from 1 to 5." in refused.content.decode()
    answer = client.post(
        url, {**{k: str(v) for k, v in GOOD.items()}, "could_improve": "Start on time."}
    )
    trend_url = reverse("meetings:circle_evaluations", args=["willow", "garden"])
    assert answer.status_code == 302 and answer["Location"] == trend_url
    trend = client.get(trend_url).content.decode()
    assert "<td>1</td>" in trend and '<span class="trend-value">4.0</span>' in trend
    assert "Start on time." in trend and "Cy Circle" not in trend  # the words, without names
    # someone in the organisation but not in Garden sees the averages, not the words
    client.force_login(world.member)
    trend = client.get(trend_url).content.decode()
    assert '<span class="trend-value">5.0</span>' in trend and "Start on time." not in trend
    assert client.get(url).status_code == 403


def test_a_point_to_improve_goes_to_the_backlog_once_without_its_author(world, client):
    from django.urls import reverse

    from circlewise.decisions.models import BacklogItem
    from circlewise.meetings import services as meeting_services
    from circlewise.meetings import services_evaluations
    from circlewise.meetings import services_room as room_services
    from circlewise.meetings.models import Evaluation

    meeting = meeting_services.plan_meeting(
        circle=world.garden, actor=world.facilitator,
        starts_at=timezone.now() + dt.timedelta(hours=2),
    )  # fmt: skip
    room_services.open_room(meeting=meeting, actor=world.facilitator)
    room_services.join_room(meeting=meeting, user=world.circle_member)
    room_services.close_room(meeting=meeting, actor=world.facilitator)
    services_evaluations.evaluate(
        meeting=meeting, user=world.circle_member,
        ratings={"heard": 4, "on_time": 2, "clear": 4, "respected": 5, "served_aim": 4},
        could_improve="We could start on time: ten minutes went on waiting.",
    )  # fmt: skip
    card = Evaluation.objects.get(meeting=meeting)
    url = reverse("meetings:circle_evaluations", args=[world.org.slug, world.garden.slug])
    # someone who sees the circle but is not in it cannot send it
    client.force_login(world.member)
    assert client.post(url, {"card": card.pk}).status_code == 403
    client.force_login(world.facilitator)
    assert "Send this point to the backlog" in client.get(url).content.decode()
    sent = client.post(url, {"card": card.pk})
    assert sent.status_code == 302
    item = BacklogItem.objects.get(circle=world.garden, topic__startswith="We could start on time")
    assert item.desired_outcome == "explore" and world.circle_member.name not in item.description
    assert "ten minutes went on waiting" in item.description
    page = client.get(url).content.decode()
    assert "On the backlog" in page and "Send this point to the backlog" not in page
    again = client.post(url, {"card": card.pk})
    assert again.status_code == 409 and "on the backlog already" in again.content.decode()
    assert client.post(url, {"card": "x"}).status_code == 400
    assert BacklogItem.objects.filter(topic__startswith="We could start on time").count() == 1
