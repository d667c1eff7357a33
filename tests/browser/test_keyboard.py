"""Working by keyboard alone: the skip link, the main navigation, the primary action, each with a
focus indicator that can be seen."""

import re

import pytest
from playwright.sync_api import expect

from .conftest import PHONE, focus_is_visible, focus_ring, screenshot, tab_through

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("viewport", [None, PHONE], ids=["desktop", "phone"])
def test_tab_reaches_the_navigation_and_the_primary_action_visibly(open_page, site, viewport):
    # given ada on the form that fills a role
    page = open_page("ada", **({"viewport": viewport} if viewport else {}))
    page.goto(site.assign_url("Community Life", "Secretary"))

    # when she moves through the page with Tab alone
    stops = tab_through(page)

    # then the first stop skips to the content
    assert stops and re.search(r"skip", stops[0]["name"], re.I), f"first stop: {stops[0]}"
    # and she reaches the main navigation and the primary action
    in_nav = [s for s in stops if s["nav"] and s["tag"] == "a" and s["nav"].lower() != "account"]
    primary = [s for s in stops if s["primary"]]
    assert in_nav, f"no link in a navigation landmark was reached: {stops}"
    assert primary, f"the primary action was not reached: {stops}"
    # and every stop shows where the focus is
    unseen = [s for s in stops if not s["visible"]]
    assert not unseen, f"focused without anything visible: {unseen}"
    screenshot(page, f"keyboard-assign-{'phone' if viewport else 'desktop'}")


def test_the_skip_link_moves_the_focus_to_the_content(open_page, site):
    # given kai on the circle list
    page = open_page("kai")
    page.goto(site.org_url("circles/"))

    # when he tabs to the skip link and follows it
    page.keyboard.press("Tab")
    assert re.search(r"skip", focus_ring(page)["name"], re.I)
    page.keyboard.press("Enter")

    # then the next Tab lands inside the main content
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.querySelector('main').contains(document.activeElement)")


def test_a_circle_in_the_chart_is_reached_and_opened_with_the_keyboard(open_page, site):
    # given the chart
    page = open_page("zoe")
    page.goto(site.org_url("chart/"))
    target = site.circle_url("Community Life").removeprefix(site.url)

    # when zoe tabs to Community Life
    for _ in range(60):
        page.keyboard.press("Tab")
        if focus_ring(page)["href"] == target:
            break
    else:
        pytest.fail("Tab never reached Community Life in the chart")

    # then it shows the focus, and Enter opens the circle
    assert page.evaluate("() => document.activeElement.closest('svg') !== null")
    assert focus_is_visible(page), f"the focused circle looks the same: {focus_ring(page)}"
    screenshot(page, "keyboard-chart")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(re.escape(site.circle_url("Community Life")) + "$"))
