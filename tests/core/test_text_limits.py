"""Every text a person writes has a limit no real use reaches, refused above it with a sentence
that names the field, on the page, in the API and in the services, and nothing is saved.

The limits (circlewise.core.inputs): a proposal's text 100,000 characters, every other text of
several lines 20,000, one-line fields their column's length.
"""

from __future__ import annotations

import json

import pytest
from django.apps import apps
from django.db import models
from django.urls import reverse

from circlewise.circles import services as circles
from circlewise.core import fields
from circlewise.core.errors import ServiceError
from circlewise.core.inputs import PROPOSAL_TEXT_LIMIT, TEXT_LIMIT
from circlewise.core.models import LedgerEvent
from circlewise.decisions import services as decisions
from circlewise.decisions.models import Proposal

from ..api.conftest import token_for

# Columns that hold what the software writes, not a person: hashes, codes, choices, addresses.
MACHINE_WRITTEN = {
    ("accounts", "User", "email"),
    ("accounts", "User", "password"),
    ("accounts", "User", "timezone"),
    ("accounts", "PersonalAccessToken", "token_hash"),
    ("accounts", "PersonalAccessToken", "hint"),
    ("accounts", "CalendarFeed", "nonce"),
    ("circles", "Organisation", "slug"),
    ("circles", "Organisation", "ledger_head"),
    ("circles", "Organisation", "general_head"),
    ("circles", "Circle", "ledger_head"),
    ("circles", "Invitation", "email"),
    ("circles", "Invitation", "token_hash"),
    ("circles", "Circle", "slug"),
    ("decisions", "Decision", "ledger_hash"),
}


def test_every_text_a_person_writes_has_a_limit_that_is_checked():
    # given every text column of the apps people write in
    unbounded = []
    for label in ("accounts", "circles", "decisions"):
        for model in apps.get_app_config(label).get_models():
            for field in model._meta.get_fields():
                if not isinstance(field, models.CharField | models.TextField) or field.choices:
                    continue
                if (label, model.__name__, field.name) in MACHINE_WRITTEN:
                    continue
                # then each is one of the checked fields, with a limit
                checked = isinstance(field, fields.CharField | fields.TextField)
                if not checked or not field.max_length:
                    unbounded.append(f"{label}.{model.__name__}.{field.name}")
    assert not unbounded, "texts without a checked limit: " + ", ".join(unbounded)


def _events(world) -> int:
    return LedgerEvent.objects.filter(organisation=world.org).count()


def test_a_proposal_over_its_limit_is_refused_by_the_service_and_nothing_is_saved(world):
    before = _events(world)
    # when a proposal of 2.4 MB is written through the service, as the page and API call it
    with pytest.raises(ServiceError) as refused:
        decisions.create_proposal(
            circle=world.garden, author=world.circle_member, title="Everything",
            driver="A long one.", text="x" * 2_400_000,
        )  # fmt: skip
    # then the refusal names the field and the limit, and nothing is saved
    assert refused.value.field == "text"
    assert "at most 100,000" in refused.value.text
    assert "2,400,000 characters" in refused.value.text
    assert not Proposal.objects.filter(circle=world.garden).exists()
    assert _events(world) == before


def test_each_longer_text_is_refused_above_its_limit_and_taken_at_it(world):
    # A circle's aim, a backlog item's details, a role's responsibilities: TEXT_LIMIT each.
    def circle(aim: str):
        return circles.create_circle(
            organisation=world.org, actor=world.admin, name="Bees", aim=aim, parent=world.general
        )

    def item(description: str):
        return decisions.add_backlog_item(
            circle=world.garden, actor=world.circle_member, topic="Shed", description=description
        )

    def role(text: str):
        return circles.create_role(
            circle=world.garden, actor=world.admin, name="Keeper", responsibilities=text
        )

    for make, field in ((circle, "aim"), (item, "description"), (role, "responsibilities")):
        before = _events(world)
        with pytest.raises(ServiceError) as refused:
            make("y" * (TEXT_LIMIT + 1))
        assert refused.value.field == field
        assert _events(world) == before
        assert make("y" * TEXT_LIMIT).pk


def test_a_proposal_at_its_limit_is_taken(world):
    proposal = decisions.create_proposal(
        circle=world.garden, author=world.circle_member, title="Long", driver="Needed.",
        text="z" * PROPOSAL_TEXT_LIMIT,
    )  # fmt: skip
    assert len(proposal.current_version.text) == PROPOSAL_TEXT_LIMIT


def test_a_nul_character_is_refused_by_the_service_whatever_called_it(world):
    with pytest.raises(ServiceError) as refused:
        decisions.add_backlog_item(circle=world.garden, actor=world.circle_member, topic="Sh\x00ed")
    assert refused.value.field == "topic"
    assert "U+0000" in refused.value.text


def test_the_page_refuses_a_proposal_over_its_limit_beside_the_field(client, world):
    client.force_login(world.circle_member)
    before = _events(world)
    # when the proposal form is sent with a text over the limit
    response = client.post(
        reverse("decisions:proposal_create", args=["willow", "garden"]),
        {"title": "Everything", "driver": "A long one.", "text": "x" * (PROPOSAL_TEXT_LIMIT + 1)},
    )
    # then the form says so beside the field, and nothing is saved
    assert response.status_code == 400
    html = response.content.decode()
    assert "at most 100000 characters" in html
    assert f'maxlength="{PROPOSAL_TEXT_LIMIT}"' in html  # the browser knows the limit too
    assert _events(world) == before


def test_the_api_refuses_a_proposal_over_its_limit_naming_the_field(client, world):
    before = _events(world)
    # when the 2.4 MB proposal of the report is sent through the API
    response = client.post(
        f"/api/v1/circles/{world.garden.pk}/proposals",
        json.dumps({"title": "Everything", "driver": "A long one.", "text": "x" * 2_400_000}),
        content_type="application/json",
        headers={"Authorization": f"Bearer {token_for(world.circle_member)}"},
    )
    # then it answers 422, naming the field and the limit, and nothing is saved
    assert response.status_code == 422
    (error,) = response.json()["errors"]
    assert error["field"] == "text"
    assert "100000" in error["message"]
    assert _events(world) == before
