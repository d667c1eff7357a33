"""Filling a role through the form, and the form refusing what would break double linking."""

import re

import pytest
from playwright.sync_api import expect

from .conftest import role_row, screenshot

pytestmark = pytest.mark.browser


def holder_field(page):
    return page.get_by_label(re.compile(r"who holds|holder|person", re.I))


def choose_holder(page, name):
    holder = holder_field(page)
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


@pytest.mark.parametrize(
    ("holder", "refusal"),
    [
        ("Chiara Rossi", r"Chiara Rossi is this circle.s leader"),
        ("Kai Nakamura", r"Kai Nakamura is not a member of the parent circle, General Circle"),
    ],
    ids=["the-leader-as-delegate", "someone-outside-the-parent-circle"],
)
def test_an_assignment_that_breaks_double_linking_is_refused_with_the_reason(
    open_page, site, holder, refusal
):
    # given ada on the form for the delegate of Land & Gardens (Chiara leads it; Kai is in it
    # but not in its parent, the General Circle)
    page = open_page("ada")
    page.goto(site.assign_url("Land & Gardens", "Delegate"))

    # when she tries to make one of them the delegate
    choose_holder(page, holder)
    submit(page)

    # then the form says why not, in the summary and beside the field (the form states the rule
    # beforehand too, so look for the refusal naming the person), and Finn is still the delegate
    expect(page).to_have_url(re.compile(r"/assign/$"))
    expect(page.get_by_role("alert")).to_contain_text(re.compile(refusal))
    expect(holder_field(page)).to_have_accessible_description(re.compile(refusal))
    screenshot(page, f"assign-refused-{holder.split()[0].lower()}")
    page.goto(site.circle_url("Land & Gardens"))
    delegate = role_row(page, "Delegate")
    assert "Finn Murphy" in delegate and holder not in delegate, delegate


def test_a_member_who_is_not_an_admin_cannot_open_the_assign_form(open_page, site):
    # given zoe, a member of Community Life but not its leader nor an admin
    page = open_page("zoe")

    # when she opens the form for its secretary
    response = page.goto(site.assign_url("Community Life", "Secretary"))

    # then she is refused
    assert response.status == 403
