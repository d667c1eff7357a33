"""Choosing how one hears from an organisation by email: the settings page (with and without
htmx), the API, and the one service both call. Only what differs from the default is stored."""

from __future__ import annotations

import json

import pytest
from django.test import Client
from django.urls import reverse

from circlewise.accounts import services as accounts
from circlewise.core.errors import ServiceError
from circlewise.core.models import LedgerEvent
from circlewise.notifications import services
from circlewise.notifications.models import EmailPreference, Kind
from tests.conftest import World

PAGE = reverse("notifications:email_preferences", args=["willow"])
API = "/api/v1/organisations/willow/email-preferences"


def _stored(user) -> dict[str, str]:
    return dict(EmailPreference.objects.filter(user=user).values_list("kind", "frequency"))


def _all_defaults() -> dict[str, str]:
    return {
        kind.value: ("immediately" if kind in (Kind.ROUND, Kind.PROPOSAL, Kind.THREAD, Kind.STEP,
                                               Kind.MINUTES, Kind.MEETING, Kind.ACTION,
                                               Kind.REVIEW_STEP, Kind.SELECTION)
                     else "daily")
        for kind in Kind
    }  # fmt: skip


def test_the_page_shows_one_fieldset_per_kind_with_the_defaults_chosen(client, world: World):
    # given Mo, who has chosen nothing
    client.force_login(world.member)
    # when Mo opens the email page
    response = client.get(PAGE)
    html = response.content.decode()
    # then there is one fieldset per kind, each explained, with its default checked
    assert response.status_code == 200
    assert html.count("<fieldset") == len(Kind)
    for kind in Kind:
        assert f"<legend>{kind.label}" in html
    assert 'value="immediately" id="id_round_0" required checked' in html
    assert 'value="daily" id="id_circle_1" required checked' in html
    assert 'value="weekly" id="id_circle_2" required>' in html
    assert "Until you answer, the decision waits." in html


def test_the_page_is_reached_from_the_profile(client, world: World):
    client.force_login(world.member)
    html = client.get(reverse("profile")).content.decode()
    assert f'href="{PAGE}"' in html


def test_saving_stores_only_what_differs_from_the_default_and_appends_nothing(client, world: World):
    # given Mo's choices: rounds weekly, membership off, the rest as they are
    client.force_login(world.member)
    choices = {**_all_defaults(), "round": "weekly", "membership": "off"}
    before = LedgerEvent.objects.count()
    # when Mo saves them without JavaScript
    response = client.post(PAGE, choices)
    # then Mo is sent back to the page, told so, and only the two changes are stored
    assert response.status_code == 302 and response["Location"] == PAGE
    assert _stored(world.member) == {"round": "weekly", "membership": "off"}
    assert "Your email choices are saved." in client.get(PAGE).content.decode()
    # and nothing is appended to the organisation's ledger: it is about Mo, not Willow
    assert LedgerEvent.objects.count() == before
    # when Mo sets rounds back to the default
    client.post(PAGE, {**choices, "round": "immediately"})
    # then that row goes
    assert _stored(world.member) == {"membership": "off"}


def test_saving_with_htmx_answers_the_form_alone_and_says_it_is_saved(client, world: World):
    client.force_login(world.member)
    response = client.post(PAGE, {**_all_defaults(), "role": "off"}, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<form class="form stack" id="email-choices"')
    assert "<html" not in html
    assert 'role="status"><p class="message message-success">' in html
    assert _stored(world.member) == {"role": "off"}


@pytest.mark.parametrize(
    "bad",
    [{"round": "hourly"}, {"round": ""}, {"round": "off\x00"}],
    ids=["unknown choice", "no choice", "nul"],
)
def test_a_bad_choice_is_refused_clearly_and_changes_nothing(client, world: World, bad):
    # given Mo has turned membership off
    services.set_email_preferences(
        user=world.member, organisation=world.org, choices={"membership": "off"}
    )
    client.force_login(world.member)
    # when Mo sends a choice that is not one
    response = client.post(PAGE, {**_all_defaults(), "membership": "daily", **bad})
    # then the page says so beside it, and nothing changed
    assert response.status_code == 400
    assert 'class="field-errors"' in response.content.decode()
    assert _stored(world.member) == {"membership": "off"}


def test_the_page_is_for_members_of_the_organisation_only(client, world: World):
    # the outsider, and the removed member, find no such page; anonymous people sign in first
    for person in (world.outsider, world.removed):
        client.force_login(person)
        assert client.get(PAGE).status_code == 404
        assert client.post(PAGE, _all_defaults()).status_code == 404
    client.logout()
    response = client.get(PAGE)
    assert response.status_code == 302 and response["Location"].startswith(reverse("account_login"))
    assert not EmailPreference.objects.exists()


def test_the_service_refuses_unknown_kinds_and_outsiders(world: World):
    with pytest.raises(ServiceError):
        services.set_email_preferences(
            user=world.member, organisation=world.org, choices={"gossip": "off"}
        )
    with pytest.raises(ServiceError) as refused:
        services.set_email_preferences(
            user=world.outsider, organisation=world.org, choices={"round": "off"}
        )
    assert refused.value.status == 404
    assert not EmailPreference.objects.exists()


# The API ------------------------------------------------------------------------------------


def _bearer(user, scope: str = "write") -> dict[str, str]:
    _, raw = accounts.create_token(user=user, name="email tests", scope=scope)
    return {"Authorization": f"Bearer {raw}"}


def test_the_api_reads_and_changes_the_same_choices(world: World):
    client = Client()
    headers = _bearer(world.member)
    # given Mo's defaults
    got = client.get(API, headers=headers).json()
    assert got["organisation"] == "willow"
    assert {p["kind"]: p["frequency"] for p in got["preferences"]} == _all_defaults()
    assert all(p["label"] and p["description"] for p in got["preferences"])
    # when Mo turns circle news to weekly through the API
    response = client.put(
        API, json.dumps({"preferences": {"circle": "weekly"}}), content_type="application/json",
        headers=headers,
    )  # fmt: skip
    # then the answer and the page both show it, and only that is stored
    assert response.status_code == 200
    assert {p["kind"]: p["frequency"] for p in response.json()["preferences"]}["circle"] == (
        "weekly"
    )
    assert _stored(world.member) == {"circle": "weekly"}


@pytest.mark.parametrize(
    "body",
    [{"preferences": {"round": "hourly"}}, {"preferences": {"gossip": "off"}}, {"nothing": 1}],
    ids=["unknown choice", "unknown kind", "no preferences"],
)
def test_the_api_refuses_bad_input_and_changes_nothing(world: World, body):
    response = Client().put(
        API, json.dumps(body), content_type="application/json", headers=_bearer(world.member)
    )
    assert response.status_code == 422
    assert not EmailPreference.objects.exists()


def test_the_api_is_for_members_only_and_writes_need_a_write_token(world: World):
    client = Client()
    body = json.dumps({"preferences": {"round": "off"}})
    # the outsider finds no such organisation
    outsider = _bearer(world.outsider)
    assert client.get(API, headers=outsider).status_code == 404
    assert client.put(API, body, content_type="application/json", headers=outsider).status_code == (
        404
    )
    # nobody signed in is asked to
    assert client.get(API).status_code == 401
    # a read-only token reads, and may not write
    read_only = _bearer(world.member, scope="read")
    assert client.get(API, headers=read_only).status_code == 200
    assert client.put(
        API, body, content_type="application/json", headers=read_only
    ).status_code == (403)
    assert not EmailPreference.objects.exists()
