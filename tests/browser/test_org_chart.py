"""The org chart: circles drawn as circles, each one a link, with a list view that says the same."""

import contextlib
import re
import sqlite3

import pytest
from playwright.sync_api import expect

from .conftest import ORG, PHONE, axe_violations, describe_violations, email, screenshot

pytestmark = pytest.mark.browser

OPEN_CIRCLES = [
    "Mission Circle",
    "General Circle",
    "Land & Gardens",
    "Buildings & Energy",
    "Community Life",
    "Solar Roof Project",
]


def the_chart(page):
    # The chart is the SVG in <main> that holds links (the icons are SVGs too, without links).
    chart = page.locator("main svg:has(a)")
    expect(chart).to_have_count(1)
    return chart


def circle_link(chart, name):
    return chart.get_by_role("link", name=re.compile(re.escape(name))).first


def loose(text):
    """A pattern for `text` as shown, with names between isolate marks (U+2068 ... U+2069)."""
    return re.compile("[\u2068\u2069]*".join(re.escape(ch) for ch in text))


def hrefs(links):
    return links.evaluate_all(
        "(els) => els.map((a) => a.getAttribute('href') || a.getAttribute('xlink:href'))"
    )


def test_the_chart_draws_every_circle_as_a_focusable_link(open_page, site):
    # given a member of the organisation
    page = open_page("kai")

    # when they open the org chart
    page.goto(site.org_url("chart/"))

    # then every open circle is a named link inside the SVG that takes the keyboard focus
    chart = the_chart(page)
    for name in OPEN_CIRCLES:
        link = circle_link(chart, name)
        link.focus()
        expect(link).to_be_focused()
        assert link.get_attribute("tabindex") != "-1"
    targets = hrefs(chart.get_by_role("link"))
    assert len(targets) >= len(OPEN_CIRCLES)
    assert all(href and f"/o/{ORG}/c/" in href for href in targets), targets
    screenshot(page, "chart-desktop")


def test_a_private_circle_is_not_in_the_chart_of_someone_outside_it(open_page, site):
    # given zoe, who is not in the private Finance circle
    page = open_page("zoe")

    # when she opens the chart
    page.goto(site.org_url("chart/"))

    # then the open circles are drawn and Finance is not named anywhere on the page
    expect(circle_link(the_chart(page), "Community Life")).to_be_attached()
    expect(page.locator("main")).not_to_contain_text("Finance")


def test_clicking_a_circle_in_the_chart_opens_its_page(open_page, site):
    # given the chart on a phone
    page = open_page("kai", viewport=PHONE)
    page.goto(site.org_url("chart/"))
    screenshot(page, "chart-phone")

    # when someone taps Land & Gardens
    circle_link(the_chart(page), "Land & Gardens").click()

    # then its page opens
    expect(page).to_have_url(re.compile(re.escape(site.circle_url("Land & Gardens")) + "$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Land & Gardens")


def test_the_circle_list_is_the_charts_equivalent(open_page, site):
    # given the chart as kai sees it
    page = open_page("kai")
    page.goto(site.org_url("chart/"))
    chart_targets = set(hrefs(the_chart(page).get_by_role("link")))
    assert chart_targets

    # when kai follows the chart's link to the list view
    page.locator("main").locator(f'a[href$="/o/{ORG}/circles/"]').first.click()

    # then the list links to every circle the chart shows, by name
    expect(page).to_have_url(re.compile(re.escape(site.org_url("circles/")) + "$"))
    list_targets = set(hrefs(page.locator("main a")))
    assert chart_targets <= list_targets, (
        f"in the chart, not the list: {chart_targets - list_targets}"
    )
    for name in OPEN_CIRCLES:
        expect(
            page.locator("main").get_by_role("link", name=re.compile(re.escape(name))).first
        ).to_be_visible()


def test_a_broken_double_link_is_warned_before_and_shown_after_on_the_chart(
    open_page, site, axe_source
):
    # given ada, an admin, about to take Elif (Community Life's leader) out of the General Circle
    with contextlib.closing(sqlite3.connect(site.db_path)) as db:
        (elif_id,) = db.execute(
            "SELECT id FROM accounts_user WHERE email = ?", (email("elif"),)
        ).fetchone()
    page = open_page("ada")
    page.goto(site.circle_url("General Circle", f"members/{elif_id}/end/"))

    # then, before she confirms, the page says which link that breaks and who must act
    warning = page.get_by_role("note").filter(has_text="This breaks a double link")
    expect(warning).to_be_visible()
    expect(warning).to_contain_text(
        loose(
            "Elif Demir is the leader of Community Life: removing them from General Circle "
            "breaks the double link between Community Life and General Circle; General Circle "
            "will need to choose a new leader."
        )
    )

    # when she confirms
    page.get_by_role("button", name=re.compile("Take .* out")).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("General Circle")

    # then the chart draws Community Life's link as broken, and its link's name says so
    page.goto(site.org_url("chart/"))
    link = circle_link(the_chart(page), "Community Life")
    expect(link).to_have_accessible_name(
        loose(
            "The link to General Circle is broken: the leader, Elif Demir, is not a member of "
            "General Circle."
        )
    )
    expect(link.locator("circle.c-break")).to_have_count(1)
    expect(link.locator("line.c-broken")).to_have_count(1)
    expect(page.locator("main .legend")).to_contain_text("the double link is broken")
    screenshot(page, "chart-broken-link")
    violations = axe_violations(page, axe_source)
    assert not violations, describe_violations(violations)

    # and the list says the same beside the circle
    page.goto(site.org_url("circles/"))
    item = page.locator(".tree-item").filter(
        has=page.get_by_role("link", name="Community Life", exact=True)
    )
    expect(item).to_contain_text("link broken")
    expect(item).to_contain_text(loose("The link to General Circle is broken: the leader, Elif"))
    screenshot(page, "list-broken-link")
    violations = axe_violations(page, axe_source)
    assert not violations, describe_violations(violations)
