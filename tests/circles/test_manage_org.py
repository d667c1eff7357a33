"""The pages that change an organisation: its details, its members, invitations and admins."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.urls import resolve, reverse

from circlewise.circles import services
from circlewise.circles.models import Invitation, OrgMembership
from circlewise.core.models import LedgerEvent

from .. import factories as f


def events(org):
    return LedgerEvent.objects.filter(organisation=org).count()


def last_event(org):
    return LedgerEvent.objects.filter(organisation=org).order_by("-sequence").first()


def url(name, org, *args):
    return reverse(f"circles:{name}", args=[org.slug, *args])


# org_edit ----------------------------------------------------------------------------------


def test_admin_edits_the_organisation(client, world):
    # given the admin signed in
    client.force_login(world.admin)
    # when they save new vision and values
    response = client.post(
        url("org_edit", world.org),
        {"name": "Willow Village", "vision": "A green valley.", "mission": "", "values": "Care"},
    )
    # then the organisation changes, the ledger says so and they are sent back with a message
    assert response.status_code == 302
    world.org.refresh_from_db()
    assert (world.org.name, world.org.vision, world.org.values) == (
        "Willow Village",
        "A green valley.",
        "Care",
    )
    event = last_event(world.org)
    assert event.verb == "organisation.updated"
    assert event.payload["fields"] == ["name", "values", "vision"]
    page = client.get(response.url, follow=True)
    assert "saved" in page.content.decode()


def test_org_edit_form_shows_current_values_with_labels(client, world):
    # given an organisation with a vision
    services.update_organisation(organisation=world.org, actor=world.admin, vision="Trees")
    client.force_login(world.admin)
    # when the admin opens the form
    response = client.get(url("org_edit", world.org))
    # then every field is labelled and the help texts are linked
    html = response.content.decode()
    assert response.status_code == 200
    assert '<label for="id_name">' in html
    assert 'aria-describedby="id_vision_helptext"' in html
    assert "Trees</textarea>" in html


def test_org_edit_refuses_an_empty_name(client, world):
    # given the admin signed in
    client.force_login(world.admin)
    before = events(world.org)
    # when they clear the name
    response = client.post(url("org_edit", world.org), {"name": "  ", "vision": "New"})
    # then the form says why, linked to the field, and nothing changes
    html = response.content.decode()
    assert response.status_code == 400
    assert 'role="alert"' in html
    assert 'id="id_name_error"' in html
    assert 'aria-invalid="true"' in html
    world.org.refresh_from_db()
    assert world.org.name == "Willow Ecovillage"
    assert world.org.vision == ""
    assert events(world.org) == before


@pytest.mark.parametrize("method", ["get", "post"])
def test_org_edit_is_for_admins_only(client, world, method):
    # given people who are not admins of Willow
    # then a member is forbidden, an outsider does not find it, and anonymous signs in
    client.force_login(world.member)
    assert getattr(client, method)(url("org_edit", world.org), {"name": "X"}).status_code == 403
    client.force_login(world.outsider)
    assert getattr(client, method)(url("org_edit", world.org), {"name": "X"}).status_code == 404
    client.logout()
    response = getattr(client, method)(url("org_edit", world.org), {"name": "X"})
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))
    world.org.refresh_from_db()
    assert world.org.name == "Willow Ecovillage"


# org_members -------------------------------------------------------------------------------


def test_members_page_lists_current_members_with_admin_badge(client, world):
    # given a member signed in
    client.force_login(world.member)
    # when they open the members page
    response = client.get(url("org_members", world.org))
    # then they see current members, the admin marked, and no admin controls
    html = response.content.decode()
    assert response.status_code == 200
    for person in (world.admin, world.member, world.circle_member, world.facilitator):
        assert person.name in html
    assert world.removed.name not in html
    assert world.deactivated.name not in html
    assert "admin</span>" in html
    assert url("invite", world.org) not in html
    assert "Make admin" not in html


def test_members_page_gives_admins_the_invite_form_and_pending_invitations(client, world):
    # given a pending invitation
    invitation, _ = services.invite(
        organisation=world.org, email="new@example.org", actor=world.admin
    )
    client.force_login(world.admin)
    # when the admin opens the members page
    response = client.get(url("org_members", world.org))
    # then they can invite, withdraw the invitation and manage admins
    html = response.content.decode()
    assert url("invite", world.org) in html
    assert '<label for="id_email">' in html
    assert "new@example.org" in html
    assert url("revoke_invitation", world.org, invitation.pk) in html
    assert url("set_admin", world.org, world.member.pk) in html
    assert url("remove_member", world.org, world.member.pk) in html


def test_members_page_is_hidden_from_outsiders(client, world):
    client.force_login(world.outsider)
    assert client.get(url("org_members", world.org)).status_code == 404
    client.logout()
    assert client.get(url("org_members", world.org)).status_code == 302


# invite ------------------------------------------------------------------------------------


def test_admin_invites_someone_by_email_with_a_working_link(client, world, mailoutbox):
    # given the admin signed in
    client.force_login(world.admin)
    # when they invite a new person
    response = client.post(
        url("invite", world.org), {"email": "New@Example.org", "make_admin": "on"}
    )
    # then an invitation exists, the ledger records it, and the email carries a working link
    assert response.status_code == 302
    assert response.url == url("org_members", world.org)
    invitation = Invitation.objects.get(organisation=world.org, email="new@example.org")
    assert invitation.make_admin
    assert last_event(world.org).verb == "invitation.sent"
    assert len(mailoutbox) == 1
    mail = mailoutbox[0]
    assert mail.to == ["new@example.org"]
    assert "Willow Ecovillage" in mail.subject
    link = re.search(r"https?://\S+", mail.body).group(0)
    assert link.startswith(settings.SITE_URL)
    path = urlsplit(link).path
    match = resolve(path)
    assert match.url_name == "accept_invitation"
    assert services.find_invitation(match.kwargs["token"]) == invitation
    client.logout()
    assert client.get(path).status_code == 200


def test_invite_refuses_a_current_member_and_sends_nothing(client, world, mailoutbox):
    # given the admin signed in
    client.force_login(world.admin)
    before = events(world.org)
    # when they invite someone who already belongs
    response = client.post(url("invite", world.org), {"email": world.member.email})
    # then the members page shows the refusal beside the email field
    html = response.content.decode()
    assert response.status_code == 400
    assert "already a member" in html
    assert 'id="id_email_error"' in html
    assert not Invitation.objects.filter(organisation=world.org).exists()
    assert mailoutbox == []
    assert events(world.org) == before


def test_invite_refuses_a_malformed_address(client, world, mailoutbox):
    client.force_login(world.admin)
    before = events(world.org)
    response = client.post(url("invite", world.org), {"email": "not an address"})
    assert response.status_code == 400
    assert 'id="id_email_error"' in response.content.decode()
    assert events(world.org) == before
    assert mailoutbox == []


def test_invite_sent_twice_invites_once(client, world, mailoutbox):
    # given the admin signed in and one form
    client.force_login(world.admin)
    token = "a" * 32
    data = {"email": "twice@example.org", "submission": token}
    # when the same form arrives twice
    first = client.post(url("invite", world.org), data)
    second = client.post(url("invite", world.org), data)
    # then one invitation and one email exist, and both answers go to the members page
    assert first.status_code == second.status_code == 302
    assert second.url == first.url
    assert Invitation.objects.filter(email="twice@example.org").count() == 1
    assert len(mailoutbox) == 1


def test_invite_is_for_admins_and_post_only(client, world, mailoutbox):
    client.force_login(world.member)
    assert client.post(url("invite", world.org), {"email": "x@example.org"}).status_code == 403
    client.force_login(world.outsider)
    assert client.post(url("invite", world.org), {"email": "x@example.org"}).status_code == 404
    client.force_login(world.admin)
    assert client.get(url("invite", world.org)).status_code == 405
    client.logout()
    assert client.post(url("invite", world.org), {"email": "x@example.org"}).status_code == 302
    assert not Invitation.objects.exists()
    assert mailoutbox == []


# revoke_invitation -------------------------------------------------------------------------


def test_admin_withdraws_an_invitation(client, world):
    invitation, _raw = services.invite(
        organisation=world.org, email="new@example.org", actor=world.admin
    )
    client.force_login(world.admin)
    response = client.post(url("revoke_invitation", world.org, invitation.pk))
    assert response.status_code == 302
    invitation.refresh_from_db()
    assert invitation.revoked_at is not None
    assert last_event(world.org).verb == "invitation.revoked"


def test_withdrawing_a_used_invitation_is_refused(client, world):
    # given an invitation that was accepted
    invitation, raw = services.invite(
        organisation=world.org, email="new@example.org", actor=world.admin
    )
    services.accept_invitation(raw_token=raw, user=f.make_user("New", email="new@example.org"))
    client.force_login(world.admin)
    before = events(world.org)
    # when the admin tries to withdraw it
    response = client.post(url("revoke_invitation", world.org, invitation.pk))
    # then the page says it was used (with the service's status), and nothing changes
    assert response.status_code in (400, 409)
    assert "already been used" in response.content.decode()
    invitation.refresh_from_db()
    assert invitation.revoked_at is None
    assert events(world.org) == before


def test_revoking_is_for_admins_of_that_organisation(client, world):
    invitation, _ = services.invite(
        organisation=world.org, email="new@example.org", actor=world.admin
    )
    client.force_login(world.member)
    assert client.post(url("revoke_invitation", world.org, invitation.pk)).status_code == 403
    client.force_login(world.outsider)
    assert client.post(url("revoke_invitation", world.org, invitation.pk)).status_code == 404
    # another organisation's admin cannot reach it through their own address either
    assert client.post(url("revoke_invitation", world.other_org, invitation.pk)).status_code == 404
    client.force_login(world.admin)
    assert client.get(url("revoke_invitation", world.org, invitation.pk)).status_code == 405
    invitation.refresh_from_db()
    assert invitation.revoked_at is None


# set_admin ---------------------------------------------------------------------------------


def test_admin_makes_and_unmakes_an_admin(client, world):
    client.force_login(world.admin)
    response = client.post(url("set_admin", world.org, world.member.pk), {"is_admin": "1"})
    assert response.status_code == 302
    membership = OrgMembership.objects.current().get(organisation=world.org, user=world.member)
    assert membership.is_admin
    assert last_event(world.org).verb == "organisation.admin_changed"
    assert last_event(world.org).payload["is_admin"] is True
    client.post(url("set_admin", world.org, world.member.pk), {"is_admin": "0"})
    membership.refresh_from_db()
    assert not membership.is_admin
    assert last_event(world.org).payload["is_admin"] is False


def test_making_an_admin_twice_changes_once(client, world):
    client.force_login(world.admin)
    client.post(url("set_admin", world.org, world.member.pk), {"is_admin": "1"})
    before = events(world.org)
    response = client.post(url("set_admin", world.org, world.member.pk), {"is_admin": "1"})
    assert response.status_code == 302
    assert events(world.org) == before


def test_the_last_admin_cannot_step_down(client, world):
    client.force_login(world.admin)
    before = events(world.org)
    response = client.post(url("set_admin", world.org, world.admin.pk), {"is_admin": "0"})
    assert response.status_code == 400
    assert "at least one admin" in response.content.decode()
    assert OrgMembership.objects.current().get(organisation=world.org, user=world.admin).is_admin
    assert events(world.org) == before


def test_set_admin_is_for_admins_only(client, world):
    client.force_login(world.member)
    assert (
        client.post(url("set_admin", world.org, world.member.pk), {"is_admin": "1"}).status_code
        == 403
    )
    client.force_login(world.outsider)
    assert (
        client.post(url("set_admin", world.org, world.member.pk), {"is_admin": "1"}).status_code
        == 404
    )
    client.force_login(world.admin)
    assert client.get(url("set_admin", world.org, world.member.pk)).status_code == 405
    # someone who never belonged is not found
    assert (
        client.post(url("set_admin", world.org, world.outsider.pk), {"is_admin": "1"}).status_code
        == 404
    )
    client.logout()
    assert (
        client.post(url("set_admin", world.org, world.member.pk), {"is_admin": "1"}).status_code
        == 302
    )
    assert (
        not OrgMembership.objects.current().get(organisation=world.org, user=world.member).is_admin
    )


# remove_member -----------------------------------------------------------------------------


def test_removing_a_member_asks_first_and_names_the_consequences(client, world):
    client.force_login(world.admin)
    response = client.get(url("remove_member", world.org, world.circle_member.pk))
    html = response.content.decode()
    assert response.status_code == 200
    assert world.circle_member.name in html
    # (Care, private, is counted, not named: the admin is not in it)
    assert "Garden" in html and "Care" not in html
    assert "1 private circle that you cannot see" in html
    assert (
        OrgMembership.objects.current()
        .filter(organisation=world.org, user=world.circle_member)
        .exists()
    )


def test_admin_removes_a_member(client, world):
    client.force_login(world.admin)
    response = client.post(url("remove_member", world.org, world.circle_member.pk))
    assert response.status_code == 302
    assert response.url == url("org_members", world.org)
    assert (
        not OrgMembership.objects.current()
        .filter(organisation=world.org, user=world.circle_member)
        .exists()
    )
    assert not world.garden.memberships.current().filter(user=world.circle_member).exists()
    assert last_event(world.org).verb == "organisation.member_removed"


def test_removing_the_last_admin_is_refused(client, world):
    client.force_login(world.admin)
    before = events(world.org)
    response = client.post(url("remove_member", world.org, world.admin.pk))
    assert response.status_code == 400
    assert "at least one admin" in response.content.decode()
    assert OrgMembership.objects.current().filter(organisation=world.org, user=world.admin).exists()
    assert events(world.org) == before


def test_removing_someone_already_removed_is_refused_clearly(client, world):
    client.force_login(world.admin)
    assert client.get(url("remove_member", world.org, world.removed.pk)).status_code == 404
    before = events(world.org)
    response = client.post(url("remove_member", world.org, world.removed.pk))
    assert response.status_code == 400
    assert "is not a member" in response.content.decode()
    assert events(world.org) == before


def test_remove_member_is_for_admins_only(client, world):
    client.force_login(world.member)
    assert client.get(url("remove_member", world.org, world.circle_member.pk)).status_code == 403
    assert client.post(url("remove_member", world.org, world.circle_member.pk)).status_code == 403
    client.force_login(world.outsider)
    assert client.post(url("remove_member", world.org, world.circle_member.pk)).status_code == 404
    client.logout()
    assert client.post(url("remove_member", world.org, world.circle_member.pk)).status_code == 302
    assert (
        OrgMembership.objects.current()
        .filter(organisation=world.org, user=world.circle_member)
        .exists()
    )


def test_when_the_email_cannot_be_sent_the_admin_gets_the_link(client, world, settings):
    # given a mail server that refuses connections
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": 1, "timeout": 2},
        }
    }
    client.force_login(world.admin)
    # when the admin invites someone
    response = client.post(url("invite", world.org), {"email": "new@example.org"}, follow=True)
    # then the invitation exists and the page gives the link to pass on by hand
    invitation = Invitation.objects.get(email="new@example.org")
    html = response.content.decode()
    link = re.search(re.escape(settings.SITE_URL) + r"/invitations/[^\s<]+/", html).group(0)
    assert services.find_invitation(resolve(urlsplit(link).path).kwargs["token"]) == invitation


def test_members_page_queries_do_not_grow_with_the_members(
    client, world, django_assert_max_num_queries
):
    # given many members and invitations
    for n in range(30):
        f.join(world.org, f.make_user(f"Extra {n}"))
        services.invite(organisation=world.org, email=f"extra{n}@example.org", actor=world.admin)
    client.force_login(world.admin)
    # then the members page is drawn in a handful of queries
    with django_assert_max_num_queries(12):
        response = client.get(url("org_members", world.org))
    assert response.status_code == 200
    assert "Extra 29" in response.content.decode()
