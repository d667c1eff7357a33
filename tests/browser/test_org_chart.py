"""The org chart: circles drawn as circles, each one a link, with a list view that says the same."""

import re

import pytest
from playwright.sync_api import expect

from .conftest import ORG, PHONE, screenshot

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
