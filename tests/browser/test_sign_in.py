"""Signing in and out in a real browser."""

import re

import pytest
from playwright.sync_api import expect

from .conftest import DESKTOP, ORG, PHONE, screenshot, sign_in

pytestmark = pytest.mark.browser


def test_signing_in_leads_to_the_organisation(open_page, site):
    # given someone who is not signed in
    page = open_page()

    # when they sign in with the right password
    sign_in(page, site, "kai")

    # then they are signed in and reach their organisation (someone in one goes straight there)
    assert "/accounts/login/" not in page.url
    if not re.search(rf"/o/{ORG}/$", page.url):
        page.get_by_role("link", name=re.compile("Riverbend Ecovillage")).first.click()
    expect(page).to_have_url(re.compile(rf"/o/{ORG}/$"))
    expect(page).to_have_title(re.compile("Riverbend Ecovillage"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Kai")


def test_a_wrong_password_shows_an_error_and_does_not_sign_in(open_page, site):
    # given someone who is not signed in
    page = open_page()

    # when they sign in with a wrong password
    sign_in(page, site, "kai", password="not-the-password")

    # then they stay on the sign-in page and are told why
    expect(page).to_have_url(re.compile(r"/accounts/login/"))
    expect(page.get_by_text(re.compile(r"not correct|incorrect|wrong", re.I)).first).to_be_visible()
    screenshot(page, "sign-in-wrong-password")
    page.goto(f"{site.url}/")
    expect(page).to_have_url(re.compile(r"/accounts/login/"))


def test_signing_out_ends_the_session(open_page, site):
    # given someone signed in (through the form: signing out ends the session for good)
    page = open_page()
    sign_in(page, site, "zoe")
    assert "/accounts/login/" not in page.url

    # when they sign out
    sign_out = page.get_by_role("button", name=re.compile(r"sign out|log out", re.I))
    if not sign_out.is_visible():  # it may sit in a menu: open it first
        page.locator("details", has=sign_out).locator("summary").click()
    sign_out.click()
    page.wait_for_load_state()

    # then they are on the sign-in page, and pages that need a person ask them to sign in again
    expect(page).to_have_url(re.compile(r"/accounts/login/"))
    page.goto(f"{site.url}/")
    expect(page).to_have_url(re.compile(r"/accounts/login/"))
    expect(page.get_by_role("button", name=re.compile(r"sign in|log in", re.I))).to_be_visible()


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1280x800", "390x844"])
def test_the_sign_in_form_has_room_on_a_desktop_and_a_phone(open_page, site, viewport):
    # given someone who is not signed in, on a desktop or a phone
    page = open_page(viewport=viewport)

    # when they open the sign-in page
    page.goto(f"{site.url}/accounts/login/")

    # then the fields are wide enough to read what is typed (no squeezed column)
    for label in (re.compile(r"e-?mail", re.I), re.compile(r"^password", re.I)):
        box = page.get_by_label(label).bounding_box()
        assert box and box["width"] >= 280, f"{label.pattern} is {box and box['width']} px wide"
