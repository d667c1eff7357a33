"""The live room through the API (the same `room.act` as the WebSocket), the turn log the
participation figures come from, evaluation cards and the trend, and action items: the same
rules as the pages; a refusal says why and changes nothing."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from circlewise.meetings import services
from circlewise.meetings.models import ActionItem, Evaluation, Meeting, Turn

from .. import factories as f

V1 = "/api/v1"
RATINGS = {"heard": 4, "on_time": 3, "clear": 4, "respected": 5, "served_aim": 4}


def _meeting(world) -> Meeting:
    return services.plan_meeting(
        circle=world.garden, actor=world.facilitator,
        starts_at=timezone.now() + dt.timedelta(hours=2),
    )  # fmt: skip


def _post(client, path: str, body: dict) -> object:
    return client.post(f"{V1}{path}", body, content_type="application/json")


def test_a_meeting_held_through_the_api_round_by_round(client, world):
    meeting = _meeting(world)
    room = f"/meetings/{meeting.pk}/room"
    client.force_login(world.circle_member)
    assert client.get(f"{V1}{room}").json()["status"] == "planned"
    refused = _post(client, room, {"action": "open"})
    assert refused.status_code == 403 and "facilitator" in refused.json()["detail"]
    assert Meeting.objects.get(pk=meeting.pk).status == "planned"
    client.force_login(world.facilitator)
    assert _post(client, room, {"action": "open"}).json()["status"] == "live"
    client.force_login(world.circle_member)
    assert [p["name"] for p in _post(client, room, {"action": "join"}).json()["present"]] == [
        "Fay Facilitator", "Cy Circle",
    ]  # fmt: skip
    client.force_login(world.facilitator)
    started = _post(
        client, room, {"action": "start_round", "kind": "check_in", "first": world.circle_member.pk}
    ).json()
    assert started["round"]["kind"] == "check_in" and started["speaker"]["name"] == "Cy Circle"
    client.force_login(world.circle_member)
    mine = client.get(f"{V1}{room}").json()
    assert mine["my_turn"] is True and mine["runs"] is False
    after = _post(client, room, {"action": "complete", "written": "Glad to be here."}).json()
    assert after["speaker"]["name"] == "Fay Facilitator"
    turns = client.get(f"{V1}/meetings/{meeting.pk}/turns").json()["items"]
    assert [(t["user_id"], t["written"], t["ended_at"] is not None) for t in turns] == [
        (world.circle_member.pk, True, True), (world.facilitator.pk, False, False),
    ]  # fmt: skip
    # an action the room does not know, or a field of the wrong kind, is refused by its shape
    assert _post(client, room, {"action": "dance"}).status_code == 422
    assert _post(client, room, {"action": "seat", "user": "Cy"}).status_code == 422
    # an outsider does not see the room of a private circle
    client.force_login(world.outsider)
    f.give_role(world.care, "secretary", world.circle_member)
    care = services.plan_meeting(
        circle=world.care, actor=world.circle_member,
        starts_at=timezone.now() + dt.timedelta(hours=2),
    )  # fmt: skip
    assert client.get(f"{V1}/meetings/{care.pk}/room").status_code == 404
    assert client.get(f"{V1}/meetings/{care.pk}/turns").status_code == 404


def test_an_evaluation_card_once_and_the_trend(client, world):
    meeting = _meeting(world)
    client.force_login(world.facilitator)
    _post(client, f"/meetings/{meeting.pk}/room", {"action": "open"})
    _post(client, f"/meetings/{meeting.pk}/room", {"action": "close"})
    given = _post(client, f"/meetings/{meeting.pk}/evaluations", RATINGS)
    assert given.status_code == 201, given.content
    again = _post(client, f"/meetings/{meeting.pk}/evaluations", RATINGS)
    assert again.status_code == 409 and Evaluation.objects.filter(meeting=meeting).count() == 1
    bad = _post(client, f"/meetings/{meeting.pk}/evaluations", RATINGS | {"heard": 9})
    assert bad.status_code == 400 and "from 1" in bad.json()["detail"]
    # someone who was not there has no card to give
    client.force_login(world.circle_member)
    assert _post(client, f"/meetings/{meeting.pk}/evaluations", RATINGS).status_code == 403
    trend = client.get(f"{V1}/circles/{world.garden.pk}/evaluations").json()
    assert trend == [
        {"meeting_id": meeting.pk, "starts_at": trend[0]["starts_at"], "cards": 1,
         "averages": {k: float(v) for k, v in RATINGS.items()}},
    ]  # fmt: skip


def test_action_items_given_listed_and_closed(client, world):
    client.force_login(world.facilitator)
    made = _post(
        client, f"/circles/{world.garden.pk}/actions",
        {"title": "Mend the gate", "owner_id": world.circle_member.pk},
    )  # fmt: skip
    assert made.status_code == 201, made.content
    listed = client.get(f"{V1}/circles/{world.garden.pk}/actions").json()["items"]
    assert [a["title"] for a in listed] == ["Mend the gate"]
    nobody = _post(
        client, f"/circles/{world.garden.pk}/actions", {"title": "X", "owner_id": 999999}
    )
    assert nobody.status_code in (400, 404) and ActionItem.objects.count() == 1
    stranger = f.join(world.org, name="Ned")
    client.force_login(stranger)
    closed_by_stranger = _post(client, f"/actions/{made.json()['id']}/close", {})
    assert closed_by_stranger.status_code in (403, 404)
    client.force_login(world.circle_member)
    done = _post(client, f"/actions/{made.json()['id']}/close", {"done": True})
    assert done.status_code == 200 and done.json()["status"] == "done"
    assert client.get(f"{V1}/circles/{world.garden.pk}/actions").json()["items"] == []
    assert Turn.objects.count() == 0


def test_minutes_read_written_up_and_approved_through_the_api(client, world):
    meeting = _meeting(world)
    client.force_login(world.facilitator)
    minutes = f"{V1}/meetings/{meeting.pk}/minutes"
    assert client.get(minutes).json()["status"] == "none"
    early = client.put(minutes, {"text": "# Too soon"}, content_type="application/json")
    assert early.status_code == 409
    _post(client, f"/meetings/{meeting.pk}/room", {"action": "open"})
    _post(client, f"/meetings/{meeting.pk}/room", {"action": "close"})
    assert client.get(minutes).json()["status"] == "draft"
    written = client.put(minutes, {"text": "# Orchard\n\nWe met."}, content_type="application/json")
    assert written.status_code == 200 and written.json()["text"] == "# Orchard\n\nWe met.\n"
    # a member reads no draft and approves nothing
    client.force_login(world.circle_member)
    assert client.get(minutes).json()["text"] is None
    assert _post(client, f"/meetings/{meeting.pk}/minutes/approve", {}).status_code == 403
    client.force_login(world.facilitator)
    approved = _post(client, f"/meetings/{meeting.pk}/minutes/approve", {})
    assert approved.status_code == 200 and approved.json()["status"] == "approved"
    late = client.put(minutes, {"text": "# Changed"}, content_type="application/json")
    assert late.status_code == 409
    client.force_login(world.circle_member)
    assert client.get(minutes).json()["text"] == "# Orchard\n\nWe met.\n"
