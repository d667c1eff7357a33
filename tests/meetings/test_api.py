"""The meetings API: the same rules and services as the pages, answered in JSON; a refusal says
why with its status and changes nothing."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from circlewise.decisions import services as decisions
from circlewise.meetings.models import AgendaItem, Meeting

V1 = "/api/v1"


def _start(days: int = 3) -> str:
    return (timezone.now() + dt.timedelta(days=days)).replace(microsecond=0).isoformat()


def test_a_facilitator_plans_reads_and_changes_a_meeting(client, world):
    client.force_login(world.facilitator)
    made = client.post(
        f"{V1}/circles/{world.garden.pk}/meetings",
        {"starts_at": _start(), "time_zone": "Europe/Berlin", "duration_minutes": 60,
         "place": "The barn", "repeat": "fortnightly"},
        content_type="application/json",
    )  # fmt: skip
    assert made.status_code == 201, made.content
    body = made.json()
    assert body["facilitator"]["name"] == "Fay Facilitator" and body["repeat"] == "fortnightly"
    assert body["may_keep_agenda"] and body["time_zone"] == "Europe/Berlin"
    meeting_id = body["id"]
    listed = client.get(f"{V1}/circles/{world.garden.pk}/meetings").json()
    assert listed["count"] == Meeting.objects.filter(circle=world.garden).count() > 1
    changed = client.patch(
        f"{V1}/meetings/{meeting_id}", {"place": "The orchard"}, content_type="application/json"
    )
    assert changed.status_code == 200 and changed.json()["place"] == "The orchard"
    refused = client.patch(
        f"{V1}/meetings/{meeting_id}", {"duration_minutes": 5}, content_type="application/json"
    )
    assert refused.status_code == 422
    assert Meeting.objects.get(pk=meeting_id).duration_minutes == 60


def test_the_agenda_through_the_api_from_the_backlog_and_a_members_proposal(client, world):
    client.force_login(world.facilitator)
    meeting = client.post(
        f"{V1}/circles/{world.garden.pk}/meetings", {"starts_at": _start()},
        content_type="application/json",
    ).json()  # fmt: skip
    topic = decisions.add_backlog_item(circle=world.garden, actor=world.facilitator, topic="Rota")
    added = client.post(
        f"{V1}/meetings/{meeting['id']}/agenda", {"backlog_item_id": topic.pk},
        content_type="application/json",
    )  # fmt: skip
    assert added.status_code == 201 and added.json()["agenda"][0]["title"] == "Rota"
    client.force_login(world.circle_member)
    proposed = client.post(
        f"{V1}/meetings/{meeting['id']}/agenda", {"title": "Tool shed"},
        content_type="application/json",
    ).json()  # fmt: skip
    item = next(i for i in proposed["agenda"] if i["title"] == "Tool shed")
    assert item["status"] == "proposed" and not proposed["may_keep_agenda"]
    assert client.post(f"{V1}/agenda-items/{item['id']}/accept").status_code == 403
    client.force_login(world.facilitator)
    declined = client.post(
        f"{V1}/agenda-items/{item['id']}/decline", {"reason": "Next month."},
        content_type="application/json",
    )  # fmt: skip
    assert declined.status_code == 200
    assert AgendaItem.objects.get(pk=item["id"]).decline_reason == "Next month."


def test_a_plan_in_the_past_or_for_someone_unknown_is_refused_and_plans_nothing(client, world):
    client.force_login(world.facilitator)
    url = f"{V1}/circles/{world.garden.pk}/meetings"
    past = client.post(url, {"starts_at": _start(-1)}, content_type="application/json")
    assert past.status_code == 400 and "still to come" in past.json()["detail"]
    nobody = client.post(
        url, {"starts_at": _start(), "facilitator_id": 2**62}, content_type="application/json"
    )
    assert nobody.status_code == 400 and nobody.json()["field"] == "facilitator_id"
    outsider = client.post(
        url, {"starts_at": _start(), "facilitator_id": world.outsider.pk},
        content_type="application/json",
    )  # fmt: skip
    assert outsider.status_code == 400
    assert not Meeting.objects.exists()


def test_a_private_circles_meetings_are_not_found_through_the_api(client, world):
    from circlewise.meetings import services

    from .. import factories as f

    f.give_role(world.care, "secretary", world.circle_member)
    meeting = services.plan_meeting(
        circle=world.care,
        actor=world.circle_member,
        starts_at=timezone.now() + dt.timedelta(days=1),
    )
    client.force_login(world.admin)
    assert client.get(f"{V1}/meetings/{meeting.pk}").status_code == 404
    assert client.get(f"{V1}/circles/{world.care.pk}/meetings").status_code == 404
