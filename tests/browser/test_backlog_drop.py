"""Dropping a backlog item goes through a page that says what goes and asks why: axe-core finds
nothing serious on it, on a desktop and on a phone, and an empty reason is refused beside the
field. (Nothing is dropped here: the demo's item stays for the other tests.)"""

import re

import pytest
from playwright.sync_api import expect

from .conftest import DESKTOP, PHONE, axe_violations, describe_violations, screenshot

pytestmark = pytest.mark.browser

TOPIC = "Compost for the common house garden"


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1280x800", "390x844"])
def test_the_facilitator_reaches_the_drop_page_and_a_missing_reason_is_refused(
    axe_source, open_page, site, viewport
):
    # given kai, who facilitates Land & Gardens, on its backlog
    page = open_page("kai", viewport=viewport)
    page.goto(site.circle_url("Land & Gardens", "backlog/"))
    screenshot(page, f"backlog-{viewport['width']}")
    assert not axe_violations(page, axe_source)

    # when he follows the item's Drop link
    page.get_by_role("link", name=re.compile(rf"Drop.*{TOPIC}")).click()
    page.wait_for_load_state()

    # then the page names the item and asks why, and axe-core finds nothing serious
    expect(page.get_by_role("heading", level=2)).to_contain_text(TOPIC)
    reason = page.get_by_label(re.compile("Why drop it"))
    expect(reason).to_be_visible()
    violations = axe_violations(page, axe_source)
    screenshot(page, f"backlog-drop-{viewport['width']}")
    assert not violations, describe_violations(violations)

    # and without a reason, it is refused beside the field and the item stays
    page.get_by_role("button", name="Drop it").click()
    page.wait_for_load_state()
    expect(page.get_by_role("alert")).to_contain_text("Give a reason for dropping the item.")
    screenshot(page, f"backlog-drop-refused-{viewport['width']}")
    page.goto(site.circle_url("Land & Gardens", "backlog/"))
    expect(page.get_by_role("link", name=re.compile(rf"Drop.*{TOPIC}"))).to_be_visible()
