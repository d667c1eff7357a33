"""Joining an organisation through an invitation link: single use, expiring, bound to one
organisation, and the four situations a visitor can be in."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from circlewise.accounts import services as account_services
from circlewise.accounts.models import User
from circlewise.circles import services
from circlewise.circles.models import Invitation, OrgMembership
from circlewise.core.errors import ServiceError
from circlewise.core.models import LedgerEvent
from tests.conftest import World

NEW_PASSWORD = "moss grows on the north side"


def _invite(
    world: World, email: str = "new@example.org", **kwargs: object
) -> tuple[Invitation, str]:
    return services.invite(organisation=world.org, email=email, actor=world.admin, **kwargs)  # type: ignore[arg-type]


def _url(raw: str) -> str:
    return reverse("accept_invitation", args=[raw])


def _signup(name: str = "Nia New", **overrides: str) -> dict[str, str]:
    data = {
        "name": name,
        "pronouns": "she/her",
        "timezone": "Europe/Berlin",
        "password1": NEW_PASSWORD,
        "password2": NEW_PASSWORD,
    }
    data.update(overrides)
    return data


def _is_member(user: User, world_org: object) -> bool:
    return OrgMembership.objects.current().filter(organisation=world_org, user=user).exists()


def test_unknown_token_is_not_found(client: Client, world: World) -> None:
    # when
    response = client.get(_url("no-such-token"))
    # then
    assert response.status_code == 404
    assert "not valid" in response.content.decode()


def test_used_invitation_is_gone(client: Client, world: World) -> None:
    # given
    _invitation, raw = _invite(world)
    client.post(_url(raw), _signup())
    client.logout()
    # when
    response = client.get(_url(raw))
    # then
    assert response.status_code == 410
    assert "already been used" in response.content.decode()


def test_expired_invitation_is_gone(client: Client, world: World) -> None:
    # given
    invitation, raw = _invite(world)
    Invitation.objects.filter(pk=invitation.pk).update(
        expires_at=timezone.now() - dt.timedelta(minutes=1)
    )
    # when
    get = client.get(_url(raw))
    post = client.post(_url(raw), _signup())
    # then
    assert get.status_code == 410
    assert "expired" in get.content.decode()
    assert post.status_code == 410
    assert not User.objects.filter(email="new@example.org").exists()


def test_withdrawn_invitation_is_gone(client: Client, world: World) -> None:
    # given
    invitation, raw = _invite(world)
    services.revoke_invitation(invitation=invitation, actor=world.admin)
    # when
    response = client.post(_url(raw), _signup())
    # then
    assert response.status_code == 410
    assert "withdrawn" in response.content.decode()
    assert not User.objects.filter(email="new@example.org").exists()


def test_new_person_sees_a_form_to_create_their_account(client: Client, world: World) -> None:
    # given
    _invitation, raw = _invite(world)
    # when
    response = client.get(_url(raw))
    # then
    html = response.content.decode()
    assert response.status_code == 200
    assert "new@example.org" in html
    assert 'name="password2"' in html
    assert '<option value="Europe/Berlin">' in html
    assert "no-store" in response["Cache-Control"]


def test_new_person_creates_an_account_and_joins_that_organisation_only(
    client: Client, world: World
) -> None:
    # given an invitation to Willow
    _invitation, raw = _invite(world)
    # when
    response = client.post(_url(raw), _signup())
    # then the account exists, is signed in, and is a member of Willow and nothing else
    user = User.objects.get(email="new@example.org")
    assert (user.name, user.pronouns, user.timezone) == ("Nia New", "she/her", "Europe/Berlin")
    assert user.check_password(NEW_PASSWORD)
    assert response.status_code == 302
    assert response["Location"] == reverse("circles:org_home", args=[world.org.slug])
    assert int(client.session["_auth_user_id"]) == user.pk
    assert _is_member(user, world.org)
    assert not _is_member(user, world.other_org)
    assert list(OrgMembership.objects.filter(user=user).values_list("organisation", flat=True)) == [
        world.org.pk
    ]
    assert LedgerEvent.objects.filter(
        organisation=world.org, verb="organisation.member_joined", actor=user
    ).exists()


def test_invitation_as_admin_makes_an_admin(client: Client, world: World) -> None:
    # given
    _invitation, raw = _invite(world, make_admin=True)
    # when
    client.post(_url(raw), _signup())
    # then
    user = User.objects.get(email="new@example.org")
    assert OrgMembership.objects.current().get(organisation=world.org, user=user).is_admin


def test_mismatched_passwords_create_nothing(client: Client, world: World) -> None:
    # given
    _invitation, raw = _invite(world)
    # when
    response = client.post(_url(raw), _signup(password2="something else entirely"))
    # then
    assert response.status_code == 200
    assert "not the same" in response.content.decode()
    assert not User.objects.filter(email="new@example.org").exists()


def test_weak_password_is_refused_by_the_validators(client: Client, world: World) -> None:
    # given
    _invitation, raw = _invite(world)
    # when
    response = client.post(_url(raw), _signup(password1="12345678", password2="12345678"))
    # then
    assert response.status_code == 200
    assert 'aria-invalid="true"' in response.content.decode()
    assert not User.objects.filter(email="new@example.org").exists()


def test_unknown_time_zone_is_refused(client: Client, world: World) -> None:
    # given
    _invitation, raw = _invite(world)
    # when
    response = client.post(_url(raw), _signup(timezone="Mars/Olympus_Mons"))
    # then
    assert response.status_code == 200
    assert not User.objects.filter(email="new@example.org").exists()


def test_existing_account_is_asked_to_sign_in_first(client: Client, world: World) -> None:
    # given Mo's account exists but Mo is in no organisation Elsewhere invites to
    _invitation, raw = services.invite(
        organisation=world.other_org, email="mo@example.org", actor=world.outsider
    )
    # when
    response = client.get(_url(raw))
    # then
    html = response.content.decode()
    assert response.status_code == 200
    assert f"{reverse('account_login')}?next=/invitations/{raw}/" in html
    assert 'name="password2"' not in html
    # and posting the account form anyway creates nothing
    client.post(_url(raw), _signup())
    assert User.objects.filter(email="mo@example.org").count() == 1
    assert not _is_member(world.member, world.other_org)
    # and signing in comes back to the invitation
    signed_in = client.post(
        f"{reverse('account_login')}?next={_url(raw)}",
        {"login": "mo@example.org", "password": "correct horse battery"},
    )
    assert signed_in["Location"] == _url(raw)


def test_signed_in_invitee_joins_with_one_button(client: Client, world: World) -> None:
    # given
    _invitation, raw = services.invite(
        organisation=world.other_org, email="mo@example.org", actor=world.outsider
    )
    client.force_login(world.member)
    # when
    page = client.get(_url(raw))
    response = client.post(_url(raw))
    # then
    assert page.status_code == 200
    assert 'method="post"' in page.content.decode()
    assert response.status_code == 302
    assert response["Location"] == reverse("circles:org_home", args=[world.other_org.slug])
    assert _is_member(world.member, world.other_org)


def test_someone_else_signed_in_cannot_use_the_invitation(client: Client, world: World) -> None:
    # given an invitation for a new address, opened by the outsider
    _invitation, raw = _invite(world)
    client.force_login(world.outsider)
    # when
    page = client.get(_url(raw))
    response = client.post(_url(raw), _signup())
    # then the outsider is told and offered to sign out; nothing changes
    html = page.content.decode()
    assert "new@example.org" in html
    assert reverse("account_logout") in html
    assert response.status_code == 200
    assert not _is_member(world.outsider, world.org)
    assert not User.objects.filter(email="new@example.org").exists()
    assert (
        Invitation.objects.get(token_hash__isnull=False, email="new@example.org").accepted_at
        is None
    )


def test_an_invitation_works_only_once(client: Client, world: World) -> None:
    # given
    _invitation, raw = _invite(world)
    client.post(_url(raw), _signup())
    client.logout()
    # when someone tries the same link again with another name
    second = client.post(_url(raw), _signup(name="Someone Else"))
    # then
    assert second.status_code == 410
    assert User.objects.filter(email="new@example.org").count() == 1
    assert User.objects.get(email="new@example.org").name == "Nia New"


def test_service_refuses_an_expired_invitation_and_leaves_no_account(world: World) -> None:
    # given
    invitation, raw = _invite(world)
    Invitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now())
    # when
    with pytest.raises(ServiceError) as error:
        account_services.create_account_from_invitation(
            raw_token=raw, name="Nia", pronouns="", timezone="UTC", password=NEW_PASSWORD
        )
    # then
    assert error.value.status == 410
    assert not User.objects.filter(email="new@example.org").exists()


def test_service_refuses_a_weak_password(world: World) -> None:
    # given
    _invitation, raw = _invite(world)
    # when
    with pytest.raises(ServiceError) as error:
        account_services.create_account_from_invitation(
            raw_token=raw, name="Nia", pronouns="", timezone="UTC", password="password"
        )
    # then
    assert error.value.field == "password1"
    assert not User.objects.filter(email="new@example.org").exists()
    assert Invitation.objects.get(email="new@example.org").accepted_at is None


def test_token_of_one_organisation_cannot_join_another(world: World) -> None:
    # given an invitation to Elsewhere for Mo, a Willow member
    _invitation, raw = services.invite(
        organisation=world.other_org, email="mo@example.org", actor=world.outsider
    )
    # when
    membership = services.accept_invitation(raw_token=raw, user=world.member)
    # then the membership is of Elsewhere, and Mo's Willow membership is untouched
    assert membership.organisation_id == world.other_org.pk
    assert OrgMembership.objects.filter(user=world.member).count() == 2
