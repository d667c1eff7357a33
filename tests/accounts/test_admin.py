"""The Django admin: everything can be looked at; the ledger and the organisational records can
not be changed there (changes go through the services, which write the ledger)."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.test import Client, RequestFactory
from django.urls import reverse

from circlewise.accounts.models import PersonalAccessToken, User
from circlewise.circles import services as circle_services
from circlewise.circles.models import (
    Circle,
    CircleMembership,
    Invitation,
    Organisation,
    OrgMembership,
    Role,
    RoleAssignment,
)
from circlewise.core.models import LedgerEvent
from circlewise.decisions.models import BacklogItem, ConsentRound, Decision, Policy, Proposal
from circlewise.notifications.models import Notification
from tests import factories as f
from tests.conftest import World

READ_ONLY_MODELS = [
    LedgerEvent,
    Organisation,
    OrgMembership,
    Invitation,
    Circle,
    CircleMembership,
    Role,
    RoleAssignment,
    Notification,
    PersonalAccessToken,
    Proposal,
    ConsentRound,
    Decision,
    Policy,
    BacklogItem,
]


@pytest.fixture
def superuser(db: None) -> User:
    return User.objects.create_superuser(email="root@example.org", password="x", name="Root")


@pytest.mark.parametrize("model", READ_ONLY_MODELS, ids=lambda m: m.__name__)
def test_records_are_read_only_in_the_admin(model: type, superuser: User) -> None:
    # given
    request = RequestFactory().get("/admin/")
    request.user = superuser
    model_admin = admin.site.get_model_admin(model)
    # then even a superuser may look but not add, change or delete
    assert model_admin.has_view_permission(request)
    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request)
    assert not model_admin.has_delete_permission(request)


def test_ledger_pages_open_but_refuse_changes(
    client: Client, world: World, superuser: User
) -> None:
    # given
    client.force_login(superuser)
    event = LedgerEvent.objects.filter(organisation=world.org).first()
    assert event is not None
    # when
    listing = client.get(reverse("admin:core_ledgerevent_changelist"))
    detail = client.get(reverse("admin:core_ledgerevent_change", args=[event.pk]))
    delete = client.post(reverse("admin:core_ledgerevent_delete", args=[event.pk]), {"post": "yes"})
    add = client.get(reverse("admin:core_ledgerevent_add"))
    # then
    assert listing.status_code == 200
    assert detail.status_code == 200
    assert delete.status_code == 403
    assert add.status_code == 403
    assert LedgerEvent.objects.filter(pk=event.pk).exists()


@pytest.mark.parametrize(
    "name",
    [
        "circles_organisation",
        "circles_orgmembership",
        "circles_invitation",
        "circles_circle",
        "circles_circlemembership",
        "circles_role",
        "circles_roleassignment",
        "accounts_user",
        "accounts_personalaccesstoken",
        "notifications_notification",
        "decisions_proposal",
        "decisions_consentround",
        "decisions_decision",
        "decisions_policy",
        "decisions_backlogitem",
    ],
)
def test_admin_lists_open_for_staff(
    client: Client, world: World, superuser: User, name: str
) -> None:
    # given
    client.force_login(superuser)
    # when
    response = client.get(reverse(f"admin:{name}_changelist"))
    # then
    assert response.status_code == 200


def test_admin_is_closed_to_people_who_are_not_staff(client: Client, world: World) -> None:
    # given an organisation admin, who is not Django staff
    client.force_login(world.admin)
    # when
    response = client.get(reverse("admin:core_ledgerevent_changelist"))
    # then
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_withdrawing_an_invitation_from_the_admin_goes_through_the_service(
    client: Client, world: World, superuser: User
) -> None:
    # given
    invitation, _raw = circle_services.invite(
        organisation=world.org, email="late@example.org", actor=world.admin
    )
    client.force_login(superuser)
    # when
    client.post(
        reverse("admin:circles_invitation_changelist"),
        {"action": "withdraw", "_selected_action": [invitation.pk]},
    )
    # then
    invitation.refresh_from_db()
    assert invitation.revoked_at is not None
    assert LedgerEvent.objects.filter(organisation=world.org, verb="invitation.revoked").exists()


def test_deactivating_a_person_in_the_admin(client: Client, world: World, superuser: User) -> None:
    # given
    person = f.make_user("Pat Person", email="pat@example.org")
    client.force_login(superuser)
    url = reverse("admin:accounts_user_change", args=[person.pk])
    # when
    response = client.post(
        url,
        {
            "email": "pat@example.org",
            "name": "Pat Person",
            "pronouns": "",
            "timezone": "UTC",
            "is_staff": "",
            "is_superuser": "",
            "last_login_0": "",
            "last_login_1": "",
            "date_joined_0": "2026-01-01",
            "date_joined_1": "00:00:00",
        },
    )
    # then
    assert response.status_code == 302, response.content.decode()[:2000]
    person.refresh_from_db()
    assert not person.is_active
