"""The person's own profile: name, pronouns, time zone. Personal, so it touches no ledger."""

from __future__ import annotations

import datetime as dt

from django.test import Client
from django.urls import reverse

from circlewise.accounts import services
from circlewise.core.models import LedgerEvent
from tests.conftest import World


def test_profile_needs_sign_in(client: Client, db: None) -> None:
    # when
    response = client.get(reverse("profile"))
    # then
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_profile_shows_the_persons_own_details(client: Client, world: World) -> None:
    # given
    client.force_login(world.member)
    # when
    response = client.get(reverse("profile"))
    # then
    html = response.content.decode()
    assert response.status_code == 200
    assert 'value="Mo Member"' in html
    assert "mo@example.org" in html
    assert reverse("account_change_password") in html
    assert reverse("tokens") in html


def test_saving_the_profile_changes_only_that_person_and_no_ledger(
    client: Client, world: World
) -> None:
    # given
    client.force_login(world.member)
    events_before = LedgerEvent.objects.count()
    # when
    response = client.post(
        reverse("profile"), {"name": "Mo Moss", "pronouns": "they/them", "timezone": "Asia/Tokyo"}
    )
    # then
    assert response.status_code == 302
    world.member.refresh_from_db()
    world.admin.refresh_from_db()
    assert (world.member.name, world.member.pronouns, world.member.timezone) == (
        "Mo Moss",
        "they/them",
        "Asia/Tokyo",
    )
    assert world.admin.name == "Ada Admin"
    assert LedgerEvent.objects.count() == events_before


def test_an_unknown_time_zone_is_refused(client: Client, world: World) -> None:
    # given
    client.force_login(world.member)
    # when
    response = client.post(
        reverse("profile"), {"name": "Mo", "pronouns": "", "timezone": "Europe/Atlantis"}
    )
    # then
    assert response.status_code == 200
    assert 'aria-invalid="true"' in response.content.decode()
    world.member.refresh_from_db()
    assert world.member.timezone == "UTC"


def test_an_empty_name_is_refused(client: Client, world: World) -> None:
    # given
    client.force_login(world.member)
    # when
    response = client.post(reverse("profile"), {"name": "  ", "pronouns": "", "timezone": "UTC"})
    # then
    assert response.status_code == 200
    world.member.refresh_from_db()
    assert world.member.name == "Mo Member"


def test_times_are_shown_in_the_chosen_time_zone(client: Client, world: World) -> None:
    # given Mo lives in Tokyo (UTC+9) and has a token created at 12:00 UTC
    token, _raw = services.create_token(user=world.member, name="Clock", scope="read")
    token.created_at = dt.datetime(2026, 1, 5, 12, 0, tzinfo=dt.UTC)
    token.save(update_fields=["created_at"])
    world.member.timezone = "Asia/Tokyo"
    world.member.save(update_fields=["timezone"])
    client.force_login(world.member)
    # when
    response = client.get(reverse("tokens"))
    # then
    assert "5 Jan 2026, 21:00" in response.content.decode()
