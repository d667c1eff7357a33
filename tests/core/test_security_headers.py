"""Every page carries the security headers, whoever asks for it."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

from django.test import Client
from django.urls import reverse


def _assert_security_headers(response) -> None:
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp
    assert "script-src 'self'" in csp
    assert "object-src 'none'" in csp
    assert "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_the_sign_in_page_carries_the_security_headers(db, client: Client):
    # given nobody signed in
    # when they open the sign-in page
    response = client.get(reverse("account_login"))
    # then the page is served with every security header
    assert response.status_code == 200
    _assert_security_headers(response)


def test_a_members_page_carries_the_security_headers(world, client: Client):
    # given a member of Willow, signed in
    client.force_login(world.member)
    # when they open the page where they change their password
    response = client.get(reverse("account_change_password"))
    # then the page is served with every security header
    assert response.status_code == 200
    _assert_security_headers(response)


def test_an_outsiders_refusal_carries_the_security_headers(world, client: Client):
    # given a member of another organisation, signed in
    client.force_login(world.outsider)
    # when they open Willow's home page
    response = client.get(reverse("circles:org_home", kwargs={"org": world.org.slug}))
    # then they are not shown it, and the refusal carries the headers too
    assert response.status_code == 404
    _assert_security_headers(response)


def test_production_settings_pass_the_deploy_checks():
    # given the production switches and nothing else from the developer's environment
    root = Path(__file__).resolve().parents[2]
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("CIRCLEWISE_", "DJANGO_", "SECURE_", "DEBUG"))
    }
    env |= {
        "CIRCLEWISE_PRODUCTION": "1",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "circlewise.example.org",
    }
    # when Django's deployment checks run, warnings counting as failures
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    # then they pass without a single warning
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout
