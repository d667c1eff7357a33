"""Links in emails (and the API's invitation link) use the address the site is served at:
SITE_URL when it is set, else the address of the request that sent them, port included."""

from __future__ import annotations

import json
import re

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.urls import reverse

from circlewise.core.links import absolute_url

from ..api.conftest import token_for

# The demo served as `PORT=8302 make demo`: the browser reaches it at this address.
DEMO = {"SERVER_NAME": "127.0.0.1", "SERVER_PORT": "8302", "HTTP_HOST": "127.0.0.1:8302"}


def _link(body: str) -> str:
    return re.search(r"https?://\S+", body).group(0)


def test_an_invitation_email_links_to_the_port_the_site_is_served_on(
    client, world, mailoutbox, settings
):
    # given the site served on port 8302 without SITE_URL, as `PORT=8302 make demo` does
    settings.SITE_URL = ""
    client.force_login(world.admin)
    # when the admin invites someone from the members page
    client.post(reverse("circles:invite", args=["willow"]), {"email": "new@example.org"}, **DEMO)
    # then the email's link is on that address and port
    (mail,) = mailoutbox
    assert _link(mail.body).startswith("http://127.0.0.1:8302/invitations/")


def test_the_api_gives_the_invitation_link_on_the_address_it_was_called_at(client, world, settings):
    settings.SITE_URL = ""
    # when the admin invites someone through the API, called on port 8302
    response = client.post(
        "/api/v1/organisations/willow/invitations",
        json.dumps({"email": "new@example.org"}),
        content_type="application/json",
        headers={"Authorization": f"Bearer {token_for(world.admin)}"},
        **DEMO,
    )
    # then the link it answers with is on that address and port
    assert response.status_code == 201
    assert response.json()["accept_url"].startswith("http://127.0.0.1:8302/invitations/")


def test_with_site_url_set_every_link_uses_it(client, world, mailoutbox, settings):
    # given the site's address set, as in production behind a proxy
    settings.SITE_URL = "https://circles.example.org/"
    client.force_login(world.admin)
    # when the admin invites someone, the request reaching the app on an inner address
    client.post(reverse("circles:invite", args=["willow"]), {"email": "new@example.org"}, **DEMO)
    # then the link is on the site's address
    (mail,) = mailoutbox
    assert _link(mail.body).startswith("https://circles.example.org/invitations/")


def test_a_password_reset_email_links_to_the_port_the_site_is_served_on(
    client, world, mailoutbox, settings
):
    settings.SITE_URL = ""
    # when someone asks for a password reset on the site served on port 8302
    client.post(reverse("account_reset_password"), {"email": world.member.email}, **DEMO)
    # then the email's link is on that address and port
    (mail,) = mailoutbox
    assert _link(mail.body).startswith("http://127.0.0.1:8302/accounts/password/reset/key/")


def test_a_link_made_outside_a_request_without_site_url_says_what_to_set(settings):
    settings.SITE_URL = ""
    with pytest.raises(ImproperlyConfigured, match="SITE_URL"):
        absolute_url("/invitations/x/", None)
