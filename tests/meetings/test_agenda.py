"""A meeting's agenda: built by its facilitator from the circle's backlog and by hand, proposed to
by members and taken on or declined with a reason, put in order; closed once the meeting is
cancelled or over. Each refusal says why and changes nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from circlewise.core.errors import ServiceError
from circlewise.core.models import LedgerEvent
from circlewise.decisions import services as decisions
from circlewise.meetings import services
from circlewise.meetings.models import AgendaItem, Meeting
from circlewise.notifications.models import Notification


@pytest.fixture
def meeting(world) -> Meeting:
    return services.plan_meeting(
        circle=world.garden,
        actor=world.facilitator,
        starts_at=timezone.now() + dt.timedelta(days=2),
        duration_minutes=60,
    )


def url(name, *args):
    return reverse(f"meetings:{name}", args=["willow", *args])


def test_the_facilitator_takes_topics_from_the_backlog_once(client, world, meeting):
    # given a topic on Garden's backlog, owned by Cy, to decide
    topic = decisions.add_backlog_item(
        circle=world.garden, actor=world.circle_member, topic="Compost rota",
        desired_outcome="decide", owner=world.circle_member,
    )  # fmt: skip
    client.force_login(world.facilitator)
    page = client.get(url("meeting_detail", meeting.pk)).content.decode()
    assert "From the backlog" in page and "Compost rota" in page
    # when the facilitator adds it to the agenda
    answer = client.post(url("agenda_add", meeting.pk), {"backlog_item": topic.pk})
    # then it is on the agenda with the topic's words, outcome and owner
    assert answer.status_code == 302
    item = AgendaItem.objects.get()
    assert (item.title, item.outcome, item.presenter, item.backlog_item) == (
        "Compost rota", "decide", world.circle_member, topic,
    )  # fmt: skip
    assert item.status == AgendaItem.Status.ON_AGENDA
    assert LedgerEvent.objects.filter(verb="agenda.item_added", object_id=item.pk).exists()
    # and the backlog no longer offers it, and adding it twice is refused
    page = client.get(url("meeting_detail", meeting.pk)).content.decode()
    assert "From the backlog" not in page
    again = client.post(url("agenda_add", meeting.pk), {"backlog_item": topic.pk})
    assert again.status_code == 409 and "on this agenda already" in again.content.decode()
    assert AgendaItem.objects.count() == 1


def test_a_member_proposes_an_item_and_the_facilitator_takes_it_on(
    world, meeting, django_capture_on_commit_callbacks
):
    # when Cy, a member of Garden, proposes an item
    with django_capture_on_commit_callbacks(execute=True):
        item = services.add_agenda_item(
            meeting=meeting, actor=world.circle_member, title="Tool shed", minutes=15
        )
    # then it waits, and the meeting's facilitator is told
    assert item.status == AgendaItem.Status.PROPOSED
    proposed = LedgerEvent.objects.get(verb="agenda.item_proposed")
    assert list(
        Notification.objects.filter(event=proposed).values_list("recipient_id", flat=True)
    ) == [world.facilitator.pk]
    # when the facilitator takes it on, Cy is told
    with django_capture_on_commit_callbacks(execute=True):
        services.accept_agenda_item(item=item, actor=world.facilitator)
    item.refresh_from_db()
    accepted = LedgerEvent.objects.get(verb="agenda.item_accepted")
    assert item.status == AgendaItem.Status.ON_AGENDA
    assert list(
        Notification.objects.filter(event=accepted).values_list("recipient_id", flat=True)
    ) == [world.circle_member.pk]


def test_declining_a_proposed_item_needs_a_reason_that_its_proposer_reads(client, world, meeting):
    item = services.add_agenda_item(meeting=meeting, actor=world.circle_member, title="Tool shed")
    client.force_login(world.facilitator)
    refused = client.post(url("agenda_decline", item.pk), {"reason": ""})
    assert (
        refused.status_code == 400
        and "Say why, for whoever proposed it." in refused.content.decode()
    )
    item.refresh_from_db()
    assert item.status == AgendaItem.Status.PROPOSED
    client.post(url("agenda_decline", item.pk), {"reason": "It is on next month's agenda."})
    client.force_login(world.circle_member)
    page = client.get(url("meeting_detail", meeting.pk)).content.decode()
    assert "1 item declined" in page and "It is on next month&#x27;s agenda." in page


def test_only_who_keeps_the_agenda_takes_on_moves_or_removes_items(client, world, meeting):
    item = services.add_agenda_item(meeting=meeting, actor=world.circle_member, title="Tool shed")
    with pytest.raises(ServiceError) as refused:
        services.accept_agenda_item(item=item, actor=world.circle_member)
    assert refused.value.status == 403
    client.force_login(world.circle_member)
    for name in ("agenda_accept", "agenda_remove", "agenda_move", "agenda_decline"):
        assert client.post(url(name, item.pk)).status_code == 403
    # someone outside Garden may not even propose
    with pytest.raises(ServiceError):
        services.add_agenda_item(meeting=meeting, actor=world.member, title="Not mine")
    client.force_login(world.member)
    assert (
        client.post(
            url("agenda_add", meeting.pk),
            {"title": "Not mine", "outcome": "explore", "minutes": "5"},
        ).status_code
        == 403
    )
    assert AgendaItem.objects.count() == 1


def test_items_are_put_in_order_and_the_page_adds_up_their_time(client, world, meeting):
    a, _beta, c = (
        services.add_agenda_item(meeting=meeting, actor=world.facilitator, title=t, minutes=m)
        for t, m in (("Alpha", 20), ("Beta", 30), ("Gamma", 25))
    )
    services.move_agenda_item(item=c, actor=world.facilitator, up=True)
    services.move_agenda_item(item=a, actor=world.facilitator, up=False)
    order = list(meeting.agenda.order_by("position").values_list("title", flat=True))
    assert order == ["Gamma", "Alpha", "Beta"]
    client.force_login(world.member)
    page = client.get(url("meeting_detail", meeting.pk)).content.decode()
    assert page.index("Gamma") < page.index("Alpha") < page.index("Beta")
    assert (
        "75 minutes of items, in a meeting of 60 minutes" in page
        and "more than the meeting has" in page
    )


def test_a_cancelled_meetings_agenda_is_closed(world, meeting):
    item = services.add_agenda_item(meeting=meeting, actor=world.facilitator, title="Alpha")
    services.cancel_meeting(meeting=meeting, actor=world.facilitator, reason="Storm.")
    for attempt in (
        lambda: services.add_agenda_item(meeting=meeting, actor=world.facilitator, title="Beta"),
        lambda: services.remove_agenda_item(item=item, actor=world.facilitator),
    ):
        with pytest.raises(ServiceError) as refused:
            attempt()
        assert refused.value.status == 409 and "cancelled" in refused.value.text
    assert list(meeting.agenda.values_list("title", flat=True)) == ["Alpha"]


def test_an_empty_or_endless_item_is_refused(world, meeting):
    with pytest.raises(ServiceError) as empty:
        services.add_agenda_item(meeting=meeting, actor=world.facilitator, title="  ")
    with pytest.raises(ServiceError) as endless:
        services.add_agenda_item(meeting=meeting, actor=world.facilitator, title="Long", minutes=0)
    assert empty.value.field == "title" and endless.value.field == "minutes"
    assert not AgendaItem.objects.exists()


def test_an_admin_outside_the_circle_keeps_its_agenda_and_a_member_proposes(client, world, meeting):
    # the organisation's admin, in no circle, may plan Garden's meetings: her items go on at once
    client.force_login(world.admin)
    added = client.post(
        url("agenda_add", meeting.pk), {"title": "Budget", "outcome": "decide", "minutes": "15"}
    )
    assert added.status_code == 302
    # Cy, a member, proposes through the page: it waits, and the page says so
    client.force_login(world.circle_member)
    client.post(
        url("agenda_add", meeting.pk), {"title": "Tool shed", "outcome": "explore", "minutes": "10"}
    )
    statuses = dict(AgendaItem.objects.values_list("title", "status"))
    assert statuses == {"Budget": "agenda", "Tool shed": "proposed"}
    page = client.get(url("meeting_detail", meeting.pk)).content.decode()
    assert "waiting for the facilitator" in page and "Propose an item" in page


def test_a_backlog_topic_that_is_not_there_is_not_found(client, world, meeting):
    client.force_login(world.facilitator)
    for odd in ("x1", str(2**64), "999999"):
        assert client.post(url("agenda_add", meeting.pk), {"backlog_item": odd}).status_code == 404
    # and another circle's topic is refused, naming why
    other = decisions.add_backlog_item(circle=world.care, actor=world.circle_member, topic="Care's")
    client.force_login(world.admin)
    assert client.post(url("agenda_add", meeting.pk), {"backlog_item": other.pk}).status_code == 404
    assert not AgendaItem.objects.exists()
