"""Deactivating an account (site staff, never their own): the person is signed out everywhere,
leaves every organisation's current members, each of those organisations records it in its
ledger, and reactivation brings them back. The admin's "active" box and its list actions go
through the same service. (Their room screens closing: tests/meetings/test_room_socket.py.)"""

from __future__ import annotations

from importlib import import_module

import pytest
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse

from circlewise.accounts import services
from circlewise.accounts.models import User
from circlewise.circles.models import OrgMembership
from circlewise.core import ledger
from circlewise.core.errors import ServiceError
from circlewise.core.models import LedgerEvent
from tests import factories as f
from tests.conftest import World


@pytest.fixture
def staff(db: None) -> User:
    return f.make_user("Stef Staff", email="stef@example.org", is_staff=True)


@pytest.fixture
def superuser(db: None) -> User:
    return User.objects.create_superuser(email="root@example.org", password="x", name="Root")


def _signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _is_signed_in(client: Client) -> bool:
    return bool(client.get(reverse("profile")).wsgi_request.user.is_authenticated)


def _events(verb: str, user: User) -> list[LedgerEvent]:
    return list(LedgerEvent.objects.filter(verb=verb, payload__user=user.pk).order_by("pk"))


@pytest.mark.parametrize(
    "engine",
    ["circlewise.core.perf.sessions.db", "circlewise.core.perf.sessions.cached_db"],
)
def test_deactivating_signs_the_person_out_everywhere_and_only_them(
    world: World, staff: User, settings: object, engine: str
) -> None:
    # given Cy signed in on two devices and Mo on one, with sessions kept by the engine in use
    settings.SESSION_ENGINE = engine  # type: ignore[attr-defined]
    cy = world.circle_member
    laptop, phone, mo = _signed_in(cy), _signed_in(cy), _signed_in(world.member)
    keys = [c.session.session_key for c in (laptop, phone)]
    assert all(_is_signed_in(c) for c in (laptop, phone, mo))
    # when site staff deactivate Cy's account
    services.deactivate_account(user=cy, actor=staff)
    # then Cy is signed out of both (the cached engine has forgotten its copies too), Mo is not
    cy.refresh_from_db()
    assert not cy.is_active
    store = import_module(settings.SESSION_ENGINE).SessionStore  # type: ignore[attr-defined]
    assert not Session.objects.filter(session_key__in=keys).exists()
    assert all(not store(session_key=key).exists(key) for key in keys)
    assert not _is_signed_in(laptop) and not _is_signed_in(phone)
    assert _is_signed_in(mo)


def test_each_organisation_records_the_deactivation_and_no_longer_counts_them(
    world: World, staff: User
) -> None:
    # given Cy, a member of Willow and of Elsewhere
    cy = world.circle_member
    f.join(world.other_org, cy)
    # when site staff deactivate the account
    services.deactivate_account(user=cy, actor=staff)
    # then both organisations' ledgers say so, by whom, and the chains still hold
    events = _events("account.deactivated", cy)
    assert [e.organisation_id for e in events] == sorted([world.org.pk, world.other_org.pk])
    assert {e.actor_id for e in events} == {staff.pk}
    assert events[0].payload == {"user": cy.pk, "user_name": "Cy Circle"}
    assert all(ledger.verify_organisation(org).ok for org in (world.org, world.other_org))
    # and Cy is in neither organisation's current members, though the memberships stay
    assert not OrgMembership.objects.current().filter(user=cy).exists()
    assert OrgMembership.objects.filter(user=cy, ended_at__isnull=True).count() == 2


def test_the_sentence_names_who_deactivated_whom(world: World, staff: User) -> None:
    from circlewise.core import feed

    # given
    services.deactivate_account(user=world.circle_member, actor=staff)
    event = _events("account.deactivated", world.circle_member)[0]
    # when
    said = feed.sentence(event)
    # then
    assert said.text == (
        "Stef Staff deactivated the account of Cy Circle, who is no longer among the members "
        "of Willow Ecovillage."
    )
    assert said.url == reverse("circles:person_detail", args=["willow", world.circle_member.pk])


def test_reactivating_brings_them_back_among_the_members(world: World, staff: User) -> None:
    # given Cy's account deactivated
    cy = world.circle_member
    services.deactivate_account(user=cy, actor=staff)
    # when site staff reactivate it
    services.reactivate_account(user=cy, actor=staff)
    # then Cy may sign in again and is a current member of Willow again, which records it
    cy.refresh_from_db()
    assert cy.is_active
    assert OrgMembership.objects.current().filter(user=cy, organisation=world.org).exists()
    assert [e.organisation_id for e in _events("account.reactivated", cy)] == [world.org.pk]
    assert _is_signed_in(_signed_in(cy))


@pytest.mark.parametrize(
    ("who", "target", "says"),
    [
        ("admin", "circle_member", "Only site staff can deactivate or reactivate accounts."),
        ("circle_member", "circle_member", "You cannot deactivate or reactivate your own account."),
        ("staff", "staff", "You cannot deactivate or reactivate your own account."),
        (
            "staff",
            "superuser",
            "Only a superuser can deactivate or reactivate a superuser's account.",
        ),
    ],
)
def test_only_site_staff_may_and_never_for_their_own_account(
    world: World, staff: User, superuser: User, who: str, target: str, says: str
) -> None:
    # given (an organisation admin is no site staff)
    people = {"staff": staff, "superuser": superuser}
    actor = people.get(who) or getattr(world, who)
    person = people.get(target) or getattr(world, target)
    device = _signed_in(person)
    before = LedgerEvent.objects.count()
    # when
    with pytest.raises(ServiceError) as refused:
        services.deactivate_account(user=person, actor=actor)
    # then nothing changed: still active, still signed in, nothing recorded
    assert refused.value.text == says and refused.value.status == 403
    person.refresh_from_db()
    assert person.is_active and _is_signed_in(device)
    assert LedgerEvent.objects.count() == before


def test_a_superuser_may_deactivate_another_superuser(superuser: User) -> None:
    # given
    other = User.objects.create_superuser(email="two@example.org", password="x", name="Two")
    # when
    services.deactivate_account(user=other, actor=superuser)
    # then
    other.refresh_from_db()
    assert not other.is_active


def test_an_account_already_deactivated_or_active_is_refused(world: World, staff: User) -> None:
    # when / then
    with pytest.raises(ServiceError, match="already deactivated") as again:
        services.deactivate_account(user=world.deactivated, actor=staff)
    with pytest.raises(ServiceError, match="already active") as active:
        services.reactivate_account(user=world.member, actor=staff)
    assert again.value.status == active.value.status == 409


# The admin ------------------------------------------------------------------------------------


def _change_form(person: User, **overrides: str) -> dict[str, str]:
    """The admin's change form for `person` as it was sent, "active" unticked (left out)."""
    data = {
        "email": person.email,
        "name": person.name,
        "pronouns": person.pronouns,
        "timezone": person.timezone,
        "last_login_0": "",
        "last_login_1": "",
        "date_joined_0": "2026-01-01",
        "date_joined_1": "00:00:00",
    }
    return data | overrides


def test_unticking_active_in_the_admin_deactivates_through_the_service(
    world: World, superuser: User
) -> None:
    # given Mo signed in, and a superuser at Mo's page in the admin
    mo = world.member
    device = _signed_in(mo)
    admin = _signed_in(superuser)
    # when "active" is unticked (and the name changed at the same time)
    response = admin.post(
        reverse("admin:accounts_user_change", args=[mo.pk]), _change_form(mo, name="Mo M.")
    )
    # then the change is saved, Mo is signed out and Willow records it
    assert response.status_code == 302, response.content.decode()[:2000]
    mo.refresh_from_db()
    assert not mo.is_active and mo.name == "Mo M."
    assert not _is_signed_in(device)
    assert [e.actor_id for e in _events("account.deactivated", mo)] == [superuser.pk]


def test_ticking_active_in_the_admin_reactivates_through_the_service(
    world: World, superuser: User
) -> None:
    # given
    dee = world.deactivated
    admin = _signed_in(superuser)
    # when
    response = admin.post(
        reverse("admin:accounts_user_change", args=[dee.pk]), _change_form(dee, is_active="on")
    )
    # then
    assert response.status_code == 302
    dee.refresh_from_db()
    assert dee.is_active
    assert [e.organisation_id for e in _events("account.reactivated", dee)] == [world.org.pk]


def test_nobody_can_untick_their_own_active_box(superuser: User) -> None:
    # given
    admin = _signed_in(superuser)
    url = reverse("admin:accounts_user_change", args=[superuser.pk])
    # when the superuser opens their own page and sends it without "active"
    page = admin.get(url)
    response = admin.post(url, _change_form(superuser, is_staff="on", is_superuser="on"))
    # then the box is not there to untick, and the account stays active
    assert page.status_code == 200 and 'name="is_active"' not in page.content.decode()
    assert response.status_code == 302
    superuser.refresh_from_db()
    assert superuser.is_active


def test_the_admin_list_deactivates_and_reactivates_the_selected_accounts(
    world: World, superuser: User
) -> None:
    # given Mo and Cy selected, and the superuser's own account among them by mistake
    admin = _signed_in(superuser)
    url = reverse("admin:accounts_user_changelist")
    chosen = [world.member.pk, world.circle_member.pk, superuser.pk]
    # when they are deactivated from the list
    response = admin.post(url, {"action": "deactivate", "_selected_action": chosen}, follow=True)
    # then the two are, each through the service; the superuser's own account is refused
    said = [str(m) for m in response.context["messages"]]
    assert "You cannot deactivate or reactivate your own account." in said
    assert "2 accounts deactivated." in said
    assert set(
        User.objects.filter(pk__in=chosen, is_active=False).values_list("pk", flat=True)
    ) == {
        world.member.pk,
        world.circle_member.pk,
    }
    assert len(_events("account.deactivated", world.member)) == 1
    # when they are reactivated from the list
    admin.post(url, {"action": "reactivate", "_selected_action": chosen})
    # then
    assert User.objects.filter(pk__in=chosen, is_active=True).count() == 3
    assert len(_events("account.reactivated", world.circle_member)) == 1
