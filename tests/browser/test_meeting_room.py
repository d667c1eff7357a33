"""A meeting of Community Life held in the live room, each person on their own device: Wren
(facilitating, desktop) opens it while Zoe waits on her phone, Tara comes in while Wren sets up a
check-in round (Wren's choices survive her screen changing), Zoe's screen says it is her turn (and
its live region tells a screen reader), she is complete, Tara passes, and it is Wren's turn, on
every screen and on the room display. No page is reloaded."""

import re
import sqlite3

import pytest
from playwright.sync_api import expect

from .conftest import DESKTOP, PHONE, screenshot

pytestmark = pytest.mark.browser


def _meeting_id(site, slug: str) -> int:
    with sqlite3.connect(site.db_path) as db:
        row = db.execute(
            "SELECT m.id FROM meetings_meeting m JOIN circles_circle c ON c.id = m.circle_id "
            "WHERE c.slug = ? AND m.status = 'planned' ORDER BY m.starts_at LIMIT 1",
            (slug,),
        ).fetchone()
    return int(row[0])


def test_a_round_moves_on_every_screen_without_a_reload(open_page, site):
    meeting = _meeting_id(site, site.circles["Community Life"])
    room = site.org_url(f"meetings/{meeting}/room/")
    wren = open_page("wren", DESKTOP, bypass_csp=False)
    zoe = open_page("zoe", PHONE, bypass_csp=False)
    display = open_page("wren", DESKTOP, bypass_csp=False)
    wren.goto(room)
    zoe.goto(room)
    expect(zoe.get_by_role("heading", name="The meeting has not been opened yet")).to_be_visible()
    expect(zoe.locator("[data-room-connection]")).to_have_text("Live")
    # Wren opens the meeting: Zoe's phone follows, and she is in the room
    wren.get_by_role("button", name="Open the meeting").click()
    expect(zoe.get_by_role("heading", name="2 present")).to_be_visible()
    expect(wren.get_by_role("heading", name="2 present")).to_be_visible()
    # Wren starts the check-in round with Zoe
    wren.get_by_label("Prompt").fill("What is on your mind as we begin?")
    first = wren.get_by_label("First speaker")
    zoe_id = first.locator("option", has_text="Zoe").get_attribute("value")
    first.select_option(zoe_id)
    # Tara comes in while Wren sets the round up: Wren's screen changes under her, and keeps
    # what she chose and wrote
    tara = open_page("tara", PHONE, bypass_csp=False)
    tara.goto(room)
    expect(wren.get_by_role("heading", name="3 present")).to_be_visible()
    expect(wren.get_by_label("First speaker")).to_have_value(zoe_id)
    expect(wren.get_by_label("Prompt")).to_have_value("What is on your mind as we begin?")
    wren.get_by_role("button", name="Start the round").click()
    expect(zoe.locator(".room-speaker")).to_have_text("Your turn")
    expect(zoe.locator("[data-room-announce]")).to_have_text("Your turn.")
    expect(wren.locator("[data-room-announce]")).to_have_text(
        "Zoe Brennan is speaking. Next: Tara Singh, Wren Ellis."
    )
    display.goto(site.org_url(f"meetings/{meeting}/display/"))
    expect(display.locator(".display-speaker")).to_have_text("Zoe Brennan")
    screenshot(zoe, "room-phone-your-turn")
    screenshot(wren, "room-desktop-facilitator")
    # Zoe is complete: Tara's turn, then Wren's, on every screen
    zoe.get_by_role("button", name="I'm complete").click()
    expect(tara.locator(".room-speaker")).to_have_text("Your turn")
    expect(display.locator(".display-speaker")).to_have_text("Tara Singh")
    expect(wren.locator("[data-room-announce]")).to_have_text(
        "Tara Singh is speaking. Next: Wren Ellis."
    )
    tara.get_by_role("button", name="Pass").click()
    expect(wren.locator(".room-speaker")).to_have_text("Your turn")
    expect(display.locator(".display-speaker")).to_have_text("Wren Ellis")
    expect(zoe.locator(".room-speaker")).to_have_text(re.compile("Wren Ellis is speaking"))
    screenshot(display, "room-display")
