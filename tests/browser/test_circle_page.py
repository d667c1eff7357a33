"""A circle's page: its aim, its members, its roles with their terms."""

import re

import pytest
from playwright.sync_api import expect

from .conftest import PHONE, role_row, screenshot

pytestmark = pytest.mark.browser

COMMUNITY_LIFE = [
    "Elif Demir",
    "Hugo Martin",
    "Tara Singh",
    "Uma Kowalski",
    "Viktor Novak",
    "Wren Ellis",
    "Zoe Brennan",
]


@pytest.mark.parametrize("viewport", [None, PHONE], ids=["desktop", "phone"])
def test_the_circle_page_shows_aim_members_and_roles_with_terms(open_page, site, viewport):
    # given zoe, a member of Community Life
    page = open_page("zoe", **({"viewport": viewport} if viewport else {}))

    # when she opens its page
    page.goto(site.circle_url("Community Life"))

    # then she sees its name, its aim and every member
    main = page.locator("main")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Community Life")
    expect(main).to_contain_text("Help people live well together")
    for name in COMMUNITY_LIFE:
        expect(main.get_by_text(name).first).to_be_visible()

    # and each role with its holder and the state of the term, in words
    leader = role_row(page, "Leader")
    assert "Elif Demir" in leader and re.search(r"current", leader), leader
    host = role_row(page, "Welcome Host")
    assert "Zoe Brennan" in host and re.search(r"ends in 1[1-3] days", host), host
    facilitator = role_row(page, "Facilitator")
    assert "Wren Ellis" in facilitator and re.search(r"current", facilitator), facilitator
    screenshot(page, f"circle-community-life-{'phone' if viewport else 'desktop'}")


def test_an_expired_term_says_so(open_page, site):
    # given the General Circle, whose secretary's term ended 15 days ago without a new one
    page = open_page("ada")

    # when ada opens it
    page.goto(site.circle_url("General Circle"))

    # then the secretary's row says the term expired, in words
    secretary = role_row(page, "Secretary")
    assert "Hugo Martin" in secretary and re.search(r"expired 1[4-6] days ago", secretary), (
        secretary
    )


def test_someone_outside_a_private_circle_cannot_open_it(open_page, site):
    # given zoe, who is not in the private Finance circle
    page = open_page("zoe")

    # when she opens its address
    response = page.goto(site.circle_url("Finance"))

    # then it is not found, and nothing of it shows
    assert response.status == 404
    expect(page.locator("body")).not_to_contain_text("Keep the village's money")
