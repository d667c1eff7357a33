"""Dropping a backlog item: who may (its owner, or who raised it when nobody owns it; the circle's
facilitator; its secretary), why (a reason is required and kept), confirmed on a page of its
own, and undone by reopening it."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.urls import reverse

from circlewise.accounts.models import User
from circlewise.core.feed import sentence
from circlewise.core.models import LedgerEvent
from circlewise.decisions import services
from circlewise.decisions.models import BacklogItem
from circlewise.notifications.models import Notification

from .. import factories as f
from ..api.conftest import ApiClient


def url(name, *args):
    return reverse(f"decisions:{name}", args=["willow", *args])


def events(org):
    return LedgerEvent.objects.filter(organisation=org).count()


def last_event(org):
    return LedgerEvent.objects.filter(organisation=org).order_by("-sequence").first()


@dataclass
class Cast:
    item: BacklogItem
    owner: User  # Dara owns it
    raiser: User  # Bo raised it
    facilitator: User  # Kim
    secretary: User  # Cai
    plain: User  # Ari: a member with no part in it


@pytest.fixture
def cast(kitchen) -> Cast:
    k = kitchen
    bo, cai, dara = k.others
    f.give_role(k.circle, "secretary", cai)
    item = services.add_backlog_item(
        circle=k.circle, actor=bo, topic="Knife sharpening", owner=dara
    )
    return Cast(item, dara, bo, k.facilitator, cai, k.author)


# Who may drop it ---------------------------------------------------------------------------


def test_a_plain_member_sees_no_drop_control_and_is_refused(client, cast, world, kitchen):
    # given Ari, a member of Kitchen who neither owns nor raised the item and holds no role
    client.force_login(cast.plain)
    before = events(world.org)
    # when Ari opens the backlog, the confirmation page, and posts a drop
    page = client.get(url("backlog", kitchen.circle.slug)).content.decode()
    confirm = client.get(url("backlog_drop", cast.item.pk))
    posted = client.post(url("backlog_drop", cast.item.pk), {"reason": "Not needed."})
    old_door = client.post(
        url("backlog_close", cast.item.pk), {"status": "dropped", "reason": "Not needed."}
    )
    # then there is no Drop control, every attempt is refused, and nothing changes
    assert url("backlog_drop", cast.item.pk) not in page
    assert "Knife sharpening" in page
    assert confirm.status_code == 403 and posted.status_code == 403
    assert old_door.status_code == 403
    cast.item.refresh_from_db()
    assert cast.item.status == "open" and events(world.org) == before


def test_who_raised_it_may_not_drop_an_item_someone_else_owns(client, cast):
    client.force_login(cast.raiser)
    assert client.get(url("backlog_drop", cast.item.pk)).status_code == 403


def test_who_raised_it_may_drop_it_when_nobody_owns_it(client, kitchen, cast):
    item = services.add_backlog_item(circle=kitchen.circle, actor=cast.raiser, topic="Aprons")
    client.force_login(cast.raiser)
    response = client.post(url("backlog_drop", item.pk), {"reason": "We have enough."})
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.status == "dropped" and item.closed_by == cast.raiser


@pytest.mark.parametrize("who", ["owner", "facilitator", "secretary"])
def test_the_owner_the_facilitator_and_the_secretary_drop_it(client, kitchen, cast, who):
    person = getattr(cast, who)
    client.force_login(person)
    backlog = url("backlog", kitchen.circle.slug)
    page = client.get(backlog).content.decode()
    assert url("backlog_drop", cast.item.pk) in page
    response = client.post(url("backlog_drop", cast.item.pk), {"reason": "The knives are fine."})
    assert response.status_code == 302 and response.url == backlog
    cast.item.refresh_from_db()
    assert cast.item.status == "dropped"
    assert cast.item.closed_by == person
    assert cast.item.close_reason == "The knives are fine."
    assert cast.item.closed_at is not None


def test_an_outsider_and_a_member_of_no_circle_get_404_in_a_private_circle(client, world):
    item = services.add_backlog_item(circle=world.care, actor=world.circle_member, topic="Rota")
    for person in (world.outsider, world.member):
        client.force_login(person)
        assert client.get(url("backlog_drop", item.pk)).status_code == 404
        assert client.post(url("backlog_drop", item.pk), {"reason": "x"}).status_code == 404
        assert client.post(url("backlog_reopen", item.pk)).status_code == 404


# A confirmation page, with a reason ---------------------------------------------------------


def test_the_confirmation_page_shows_the_item_and_asks_why_without_dropping(client, cast, world):
    client.force_login(cast.facilitator)
    before = events(world.org)
    response = client.get(url("backlog_drop", cast.item.pk))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Knife sharpening" in page
    assert '<textarea name="reason"' in page and "required" in page
    assert 'method="post"' in page
    cast.item.refresh_from_db()
    assert cast.item.status == "open" and events(world.org) == before


def test_a_drop_without_a_reason_shows_the_error_and_changes_nothing(client, cast, world):
    client.force_login(cast.owner)
    before = events(world.org)
    response = client.post(url("backlog_drop", cast.item.pk), {"reason": "   "})
    assert response.status_code == 400
    page = response.content.decode()
    assert "Give a reason for dropping the item." in page and 'role="alert"' in page
    cast.item.refresh_from_db()
    assert cast.item.status == "open" and cast.item.closed_by is None
    assert events(world.org) == before


def test_the_old_close_control_needs_a_reason_to_drop_too(client, cast, world):
    client.force_login(cast.facilitator)
    before = events(world.org)
    response = client.post(url("backlog_close", cast.item.pk), {"status": "dropped"})
    assert response.status_code == 400
    assert "Give a reason for dropping the item." in response.content.decode()
    cast.item.refresh_from_db()
    assert cast.item.status == "open" and events(world.org) == before


def test_the_backlog_links_to_the_drop_page_not_a_one_click_button(client, kitchen, cast):
    client.force_login(cast.facilitator)
    page = client.get(url("backlog", kitchen.circle.slug)).content.decode()
    assert f'href="{url("backlog_drop", cast.item.pk)}"' in page
    assert 'value="dropped"' not in page


# On the record -----------------------------------------------------------------------------


def test_who_dropped_it_and_why_are_on_the_record_the_ledger_and_the_feed(
    client, kitchen, cast, world
):
    client.force_login(cast.secretary)
    client.post(url("backlog_drop", cast.item.pk), {"reason": "The knives are fine."})
    event = last_event(world.org)
    assert event.verb == "backlog.item_closed" and event.actor == cast.secretary
    assert event.payload["status"] == "dropped"
    assert event.payload["reason"] == "The knives are fine."
    assert event.payload["closed_by"] == cast.secretary.pk
    said = sentence(event)
    assert said.text == (
        f"{cast.secretary.name} dropped the backlog item “Knife sharpening” in Kitchen: "
        "The knives are fine."
    )
    assert "<bdi>Knife sharpening</bdi>" in said.html
    page = client.get(url("backlog", kitchen.circle.slug)).content.decode()
    assert f"Dropped by <bdi>{cast.secretary.name}</bdi> on" in page
    assert "The knives are fine." in page


def test_the_owner_is_told_when_someone_else_drops_their_item(
    cast, world, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.drop_backlog_item(item=cast.item, actor=cast.facilitator, reason="Ok.")
    event = last_event(world.org)
    told = set(Notification.objects.filter(event=event).values_list("recipient_id", flat=True))
    assert told == {cast.owner.pk, cast.raiser.pk}


# Reopening ---------------------------------------------------------------------------------


def test_a_dropped_item_is_reopened_by_the_same_people(client, kitchen, cast, world):
    services.drop_backlog_item(item=cast.item, actor=cast.owner, reason="Oops.")
    client.force_login(cast.plain)
    assert client.post(url("backlog_reopen", cast.item.pk)).status_code == 403
    page = client.get(url("backlog", kitchen.circle.slug)).content.decode()
    assert url("backlog_reopen", cast.item.pk) not in page
    client.force_login(cast.facilitator)
    page = client.get(url("backlog", kitchen.circle.slug)).content.decode()
    assert url("backlog_reopen", cast.item.pk) in page
    response = client.post(url("backlog_reopen", cast.item.pk))
    assert response.status_code == 302
    cast.item.refresh_from_db()
    assert cast.item.status == "open"
    assert cast.item.closed_by is None and cast.item.close_reason == ""
    event = last_event(world.org)
    assert event.verb == "backlog.item_reopened" and event.actor == cast.facilitator
    assert event.payload["was"] == "dropped" and event.payload["reason"] == "Oops."
    assert sentence(event).text == (
        f"{cast.facilitator.name} reopened the backlog item “Knife sharpening” in Kitchen."
    )


def test_a_member_who_marked_an_item_done_by_mistake_reopens_it(client, cast):
    services.close_backlog_item(item=cast.item, actor=cast.plain)
    cast.item.refresh_from_db()
    assert cast.item.closed_by == cast.plain
    client.force_login(cast.plain)
    assert client.post(url("backlog_reopen", cast.item.pk)).status_code == 302
    cast.item.refresh_from_db()
    assert cast.item.status == "open"


def test_an_item_the_process_closed_is_not_reopened(client, kitchen, cast, world):
    item = BacklogItem.objects.create(circle=kitchen.circle, topic="Term ends", status="done")
    client.force_login(cast.facilitator)
    before = events(world.org)
    response = client.post(url("backlog_reopen", item.pk))
    assert response.status_code == 409
    assert "closed by the process" in response.content.decode()
    item.refresh_from_db()
    assert item.status == "done" and events(world.org) == before


def test_reopening_an_open_item_says_so_and_changes_nothing(client, cast, world):
    client.force_login(cast.facilitator)
    before = events(world.org)
    response = client.post(url("backlog_reopen", cast.item.pk))
    assert response.status_code == 409
    assert "already open" in response.content.decode()
    assert events(world.org) == before


# The API -----------------------------------------------------------------------------------


@pytest.fixture
def api(client) -> ApiClient:
    return ApiClient(client)


def test_the_api_refuses_a_plain_member_and_an_outsider(api, cast, world):
    path = f"/backlog/{cast.item.pk}/drop"
    before = events(world.org)
    plain = api.call("POST", path, {"reason": "No."}, as_=cast.plain)
    outsider = api.call("POST", path, {"reason": "No."}, as_=world.outsider)
    old_door = api.call(
        "POST", f"/backlog/{cast.item.pk}/close", {"status": "dropped", "reason": "No."},
        as_=cast.plain,
    )  # fmt: skip
    assert plain.status == 403 and plain.detail
    assert outsider.status == 404
    assert old_door.status == 403
    cast.item.refresh_from_db()
    assert cast.item.status == "open" and events(world.org) == before


def test_the_api_drops_with_a_reason_and_reopens(api, cast, world):
    answer = api.call(
        "POST", f"/backlog/{cast.item.pk}/drop", {"reason": "Fine as they are."},
        as_=cast.facilitator,
    )  # fmt: skip
    assert answer.status == 200, answer.body
    assert answer.body["status"] == "dropped"
    assert answer.body["close_reason"] == "Fine as they are."
    assert answer.body["closed_by"]["id"] == cast.facilitator.pk
    plain = api.call("POST", f"/backlog/{cast.item.pk}/reopen", None, as_=cast.plain)
    assert plain.status == 403
    reopened = api.call("POST", f"/backlog/{cast.item.pk}/reopen", None, as_=cast.owner)
    assert reopened.status == 200, reopened.body
    assert reopened.body["status"] == "open" and reopened.body["closed_by"] is None


@pytest.mark.parametrize(
    ("path", "body"),
    [("drop", {"reason": " "}), ("drop", {}), ("close", {"status": "dropped"})],
)
def test_the_api_requires_a_reason_to_drop(api, cast, world, path, body):
    before = events(world.org)
    answer = api.call("POST", f"/backlog/{cast.item.pk}/{path}", body, as_=cast.owner)
    assert answer.status in (400, 422), answer.body
    assert "reason" in answer.detail.lower()
    cast.item.refresh_from_db()
    assert cast.item.status == "open" and events(world.org) == before


def test_the_api_closes_as_dropped_with_a_reason_under_the_same_rule(api, cast):
    answer = api.call(
        "POST", f"/backlog/{cast.item.pk}/close", {"status": "dropped", "reason": "Fine."},
        as_=cast.secretary,
    )  # fmt: skip
    assert answer.status == 200, answer.body
    cast.item.refresh_from_db()
    assert cast.item.status == "dropped" and cast.item.closed_by == cast.secretary
