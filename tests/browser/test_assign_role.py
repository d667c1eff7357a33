"""Filling a role through the form, and the form refusing what would break double linking."""

import re

import pytest
from playwright.sync_api import expect

from .conftest import role_row, screenshot

pytestmark = pytest.mark.browser


def choose_holder(page, name):
    holder = page.get_by_label(re.compile(r"who holds|holder|person", re.I))
    option = holder.locator("option", has_text=name).first
    holder.select_option(value=option.get_attribute("value"))


def submit(page):
    page.locator("main form").get_by_role(
        "button", name=re.compile(r"record|assign|save|fill|confirm", re.I)
    ).first.click()
    page.wait_for_load_state()


def test_an_admin_assigns_a_role_and_the_circle_page_shows_the_new_holder(open_page, site):
    # given ada, an organisation admin, on the form for Buildings & Energy's facilitator
    page = open_page("ada")
    page.goto(site.assign_url("Buildings & Energy", "Facilitator"))
    expect(page.get_by_role("heading", level=1)).to_be_visible()

    # when she gives the role to Rosa
    choose_holder(page, "Rosa Jiménez")
    submit(page)

    # then the circle page shows Rosa as facilitator, on a fresh term, and Priya no longer
    assert "/assign/" not in page.url, "the form was accepted"
    page.goto(site.circle_url("Buildings & Energy"))
    facilitator = role_row(page, "Facilitator")
    assert "Rosa Jiménez" in facilitator, facilitator
    assert "Priya Shah" not in facilitator, facilitator
    assert re.search(r"current", facilitator), facilitator
    screenshot(page, "assign-done")


def test_assigning_the_leader_as_delegate_is_refused_with_the_reason(open_page, site):
    # given ada on the form for the delegate of Land & Gardens, whose leader is Chiara
    page = open_page("ada")
    page.goto(site.assign_url("Land & Gardens", "Delegate"))

    # when she tries to make Chiara the delegate too
    choose_holder(page, "Chiara Rossi")
    submit(page)

    # then the form says why not, and Finn is still the delegate
    expect(page).to_have_url(re.compile(r"/assign/$"))
    # (the form explains the rule beforehand too: look for the refusal naming Chiara)
    refusal = page.locator("main").get_by_text(re.compile(r"Chiara Rossi is this circle.s leader"))
    expect(refusal).to_be_visible()
    screenshot(page, "assign-refused")
    page.goto(site.circle_url("Land & Gardens"))
    delegate = role_row(page, "Delegate")
    assert "Finn Murphy" in delegate and "Chiara" not in delegate, delegate


def test_a_member_who_is_not_an_admin_cannot_open_the_assign_form(open_page, site):
    # given zoe, a member of Community Life but not its leader nor an admin
    page = open_page("zoe")

    # when she opens the form for its secretary
    response = page.goto(site.assign_url("Community Life", "Secretary"))

    # then she is refused
    assert response.status == 403
