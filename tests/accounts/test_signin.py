"""Signing in, out and resetting a password, through django-allauth with Circlewise's templates."""

from __future__ import annotations

import re

from django.test import Client
from django.urls import reverse

from tests import factories as f
from tests.conftest import World

PASSWORD = "correct horse battery"


def _session_key(client: Client) -> str | None:
    cookie = client.cookies.get("sessionid")
    return cookie.value if cookie else None


def test_sign_in_with_the_right_password_signs_in(client: Client, world: World) -> None:
    # given
    login_url = reverse("account_login")
    # when
    response = client.post(login_url, {"login": "mo@example.org", "password": PASSWORD})
    # then
    assert response.status_code == 302
    assert int(client.session["_auth_user_id"]) == world.member.pk


def test_sign_in_rotates_the_session_key(client: Client, world: World) -> None:
    # given an anonymous session that already exists
    session = client.session
    session["seen"] = True
    session.save()
    client.cookies["sessionid"] = session.session_key or ""
    before = _session_key(client)
    # when
    client.post(reverse("account_login"), {"login": "mo@example.org", "password": PASSWORD})
    # then
    after = _session_key(client)
    assert before and after and before != after
    assert int(client.session["_auth_user_id"]) == world.member.pk


def test_sign_in_with_a_wrong_password_shows_an_error(client: Client, world: World) -> None:
    # when
    response = client.post(
        reverse("account_login"), {"login": "mo@example.org", "password": "not my password"}
    )
    # then
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
    html = response.content.decode()
    assert 'class="errors" role="alert"' in html
    assert "not correct" in html


def test_sign_in_page_uses_the_circlewise_layout(client: Client, db: None) -> None:
    # when
    response = client.get(reverse("account_login"))
    # then
    html = response.content.decode()
    assert response.status_code == 200
    assert 'class="skip-link"' in html
    assert '<header class="page-header">' in html
    assert 'class="form stack"' in html
    assert reverse("account_reset_password") in html


def test_deactivated_account_cannot_sign_in(client: Client, world: World) -> None:
    # given Dee's account is deactivated (see the world fixture)
    # when
    response = client.post(
        reverse("account_login"), {"login": "dee@example.org", "password": PASSWORD}
    )
    # then Dee is told, and is not signed in
    assert response.status_code == 302
    assert response["Location"] == reverse("account_inactive")
    assert "deactivated" in client.get(response["Location"]).content.decode()
    assert "_auth_user_id" not in client.session
    assert client.get(reverse("home")).status_code == 302


def test_sign_out_asks_on_get_and_signs_out_on_post(client: Client, world: World) -> None:
    # given
    client.force_login(world.member)
    # when
    confirm = client.get(reverse("account_logout"))
    # then the GET only asks
    assert confirm.status_code == 200
    assert "_auth_user_id" in client.session
    assert 'method="post"' in confirm.content.decode()
    # when
    response = client.post(reverse("account_logout"))
    # then
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session


def test_sign_up_is_closed(client: Client, db: None) -> None:
    # when
    response = client.post(
        reverse("account_signup"),
        {
            "email": "new@example.org",
            "password1": "a long new passphrase",
            "password2": "a long new passphrase",
        },
    )
    # then
    assert "invitation" in response.content.decode()
    assert not f.User.objects.filter(email="new@example.org").exists()


def test_password_reset_mails_a_link_that_sets_a_new_password(
    client: Client, world: World, mailoutbox: list
) -> None:
    # given
    new_password = "a completely new passphrase"
    # when Mo asks for a reset
    response = client.post(reverse("account_reset_password"), {"email": "mo@example.org"})
    # then one email goes to Mo with a link
    assert response.status_code == 302
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == ["mo@example.org"]
    match = re.search(r"https?://[^/\s]+(/accounts/password/reset/key/\S+)", mailoutbox[0].body)
    assert match is not None
    # when Mo follows the link and sets a new password
    form_page = client.get(match.group(1), follow=True)
    assert form_page.status_code == 200
    assert "password1" in form_page.content.decode()
    set_url = form_page.redirect_chain[-1][0] if form_page.redirect_chain else match.group(1)
    done = client.post(set_url, {"password1": new_password, "password2": new_password})
    assert done.status_code == 302
    # then the new password signs in, the old one does not
    client.logout()
    old = client.post(reverse("account_login"), {"login": "mo@example.org", "password": PASSWORD})
    assert old.status_code == 200 and "_auth_user_id" not in client.session
    client.post(reverse("account_login"), {"login": "mo@example.org", "password": new_password})
    assert int(client.session["_auth_user_id"]) == world.member.pk


def test_password_reset_for_an_unknown_address_sends_nothing(
    client: Client, world: World, mailoutbox: list
) -> None:
    # when
    response = client.post(reverse("account_reset_password"), {"email": "nobody@example.org"})
    # then the page does not tell whether the address exists
    assert response.status_code == 302
    assert not [m for m in mailoutbox if "nobody@example.org" in m.to and "reset/key" in m.body]


def test_password_change_page_needs_sign_in(client: Client, world: World) -> None:
    # when
    anonymous = client.get(reverse("account_change_password"))
    client.force_login(world.member)
    signed_in = client.get(reverse("account_change_password"))
    # then
    assert anonymous.status_code == 302
    assert signed_in.status_code == 200
    assert "oldpassword" in signed_in.content.decode()
