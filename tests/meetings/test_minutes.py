"""Minutes: drafted from the meeting when it closes, written up by its secretary, approved, and
then kept as they are (their hash in the ledger), told and emailed to the circle's members; a
draft is its keepers' alone."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
from django.urls import reverse
from django.utils import timezone

from circlewise.core.errors import ServiceError
from circlewise.core.models import LedgerEvent
from circlewise.meetings import services, services_actions
from circlewise.meetings import services_minutes as minutes
from circlewise.meetings import services_room as room
from circlewise.meetings.models import Minutes


@pytest.fixture
def held(world):
    meeting = services.plan_meeting(
        circle=world.garden, actor=world.facilitator, title="Harvest planning",
        starts_at=timezone.now() + dt.timedelta(hours=1),
    )  # fmt: skip
    item = services.add_agenda_item(
        meeting=meeting, actor=world.facilitator, title="Apple press", outcome="decide"
    )
    room.open_room(meeting=meeting, actor=world.facilitator)
    room.join_room(meeting=meeting, user=world.circle_member)
    room.move_to(meeting=meeting, actor=world.facilitator, phase="items", item=item)
    round_ = room.start_round(meeting=meeting, actor=world.facilitator, kind="clarifying")
    room.end_round(round_=round_, actor=world.facilitator)
    services_actions.add_action_item(
        circle=world.garden, actor=world.facilitator, title="Borrow a press",
        owner=world.circle_member, meeting=meeting,
    )  # fmt: skip
    room.close_room(meeting=meeting, actor=world.facilitator)
    meeting.refresh_from_db()
    return meeting


def test_closing_the_meeting_drafts_its_minutes_from_the_meeting(world, held):
    text = Minutes.objects.get(meeting=held).text
    assert text.startswith("# Harvest planning")
    assert "Fay Facilitator, Cy Circle" in text and "1. **Apple press** (decide)" in text
    assert "Clarifying round: 1 turns" in text and "- Borrow a press (Cy Circle, no date)" in text


def test_approved_minutes_no_longer_change_and_the_ledger_holds_their_hash(
    world, held, smtp, django_capture_on_commit_callbacks
):
    minutes.edit_minutes(meeting=held, actor=world.facilitator, text="# Harvest\n\nWe agreed.")
    with django_capture_on_commit_callbacks(execute=True):
        approved = minutes.approve_minutes(meeting=held, actor=world.facilitator)
    event = LedgerEvent.objects.get(verb="minutes.approved")
    assert event.payload["sha256"] == hashlib.sha256(approved.text.encode()).hexdigest()
    assert "We agreed" not in str(event.payload)
    assert len(smtp.to(world.circle_member.email)) == 1  # told at once, by email too
    with pytest.raises(ServiceError) as refused:
        minutes.edit_minutes(meeting=held, actor=world.facilitator, text="Changed.")
    assert refused.value.status == 409
    assert Minutes.objects.get(meeting=held).text == "# Harvest\n\nWe agreed.\n"


def test_a_draft_is_its_keepers_and_the_approved_minutes_everyones(client, world, held):
    url = reverse("meetings:meeting_minutes", args=["willow", held.pk])
    client.force_login(world.circle_member)  # a member, not keeping the agenda
    assert "being written up" in client.get(url).content.decode()
    assert client.post(url, {"text": "Mine now"}).status_code == 403
    client.force_login(world.facilitator)
    page = client.get(url).content.decode()
    assert "Approve the minutes" in page and "Apple press" in page
    assert client.post(url, {"text": ""}).status_code == 400
    answer = client.post(url, {"text": "# Harvest\n\n**We agreed.**", "approve": "1"})
    assert answer.status_code == 302
    client.force_login(world.member)  # in Willow, not in Garden: sees Garden's record
    page = client.get(url).content.decode()
    assert "<strong>We agreed.</strong>" in page and "Approved by" in page
    md = client.get(url + "?format=md")
    assert (
        md["Content-Type"].startswith("text/markdown")
        and md.content == b"# Harvest\n\n**We agreed.**\n"
    )
