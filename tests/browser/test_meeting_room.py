"""A meeting of Community Life held in the live room, each person on their own device: Wren
(facilitating, desktop) opens it while Zoe waits on her phone, Tara comes in while Wren sets up a
check-in round (Wren's choices survive her screen changing), Zoe's screen says it is her turn (and
its live region tells a screen reader), she is complete, Tara passes, and it is Wren's turn, on
every screen and on the room display. Then the room takes up Zoe's proposal, which Viktor objected
to: his objection is stated back, integrated in a new version, and the consent round asked again,
each answer appearing on every screen as it is given. No page is reloaded."""

import re
import sqlite3
import time

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
    # Wren puts Zoe's proposal, which has an objection standing, on the agenda from the backlog
    wren.goto(site.org_url(f"meetings/{meeting}/"))
    wren.get_by_role(
        "button", name=re.compile("Add to the agenda.*Quiet hours after 22:00")
    ).click()
    expect(wren.locator("main")).to_contain_text("from the backlog")
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
    wren.get_by_role("button", name="I'm complete").click()
    _objection_integrated_in_the_room(open_page, room, wren, zoe, tara)


def _whose_turn(screens: dict) -> str:
    for _attempt in range(100):
        for name, screen in screens.items():
            speaker = screen.locator(".room-speaker")
            if speaker.count() and speaker.first.text_content() == "Your turn":
                return name
        time.sleep(0.1)
    raise AssertionError("no screen says it is its person's turn")


def _objection_integrated_in_the_room(open_page, room, wren, zoe, tara) -> None:
    viktor = open_page("viktor", PHONE, bypass_csp=False)
    viktor.goto(room)
    expect(wren.get_by_role("heading", name="4 present")).to_be_visible()
    # Wren moves the room on to the proposal: every screen shows it and Viktor's objection
    wren.get_by_label("Move on to").select_option(label="The agenda's items")
    items = wren.get_by_label("Item (for the agenda's items)")
    quiet_hours = items.locator("option", has_text="Quiet hours after 22:00")
    items.select_option(quiet_hours.get_attribute("value"))
    wren.get_by_role("button", name="Move on").click()
    for screen in (zoe, viktor):
        expect(screen.locator("#room-item-heading")).to_have_text("Quiet hours after 22:00")
        expect(screen.locator(".room-objections")).to_contain_text("Viktor Novak, to version 1")
    # the objection is stated back in the room's words, and integrated in a new version
    wren.get_by_label("The objection, stated back in the room's words").fill(
        "Quiet hours at 22:00 would end the monthly dance before it begins."
    )
    wren.get_by_role("button", name="State it back").click()
    expect(viktor.locator(".room-objections")).to_contain_text("Stated back by Wren Ellis")
    wren.get_by_label("The proposal, amended").fill(
        "Quiet hours begin at 22:00, and at midnight on the night of the monthly dance."
    )
    wren.get_by_label("What changed").fill("The monthly dance runs until midnight.")
    wren.get_by_label(re.compile("How it integrates .Viktor Novak.'s objection")).fill(
        "The dance night keeps its music until midnight."
    )
    wren.get_by_role("button", name="Make the new version").click()
    for screen in (zoe, viktor, tara):
        expect(screen.locator(".room-objections")).to_contain_text("Integrated in version 2")
    # the consent round is asked again, on version 2: each answer appears as it is given
    wren.get_by_role("button", name="Start the consent round on version 2").click()
    screens = {"Wren Ellis": wren, "Zoe Brennan": zoe, "Tara Singh": tara, "Viktor Novak": viktor}
    for turn in range(4):
        # whoever's screen says it is their turn answers on it
        name = _whose_turn(screens)
        screen = screens[name]
        screen.get_by_label("Consent", exact=True).check()
        screen.get_by_role("button", name="Give my answer").click()
        expect(wren.locator(".room-answers li")).to_have_count(turn + 1)
        expect(zoe.locator(".room-answers")).to_contain_text(f"{name}: Consent")
    expect(viktor.locator(".room-answers li")).to_have_count(4)
    expect(viktor.locator("main")).to_contain_text("The circle waits for everyone")
    screenshot(viktor, "room-phone-consent-again")


def test_a_whole_meeting_with_a_free_discussion_an_evaluation_and_approved_minutes(open_page, site):
    """Land & Gardens holds its next meeting: Kai facilitates on a laptop, Chiara is on her phone,
    the room display on a projector; a free discussion in which Chiara raises her hand, closed by
    a round; the evaluation; the meeting closed, its minutes approved, the trend showing it."""
    meeting = _meeting_id(site, site.circles["Land & Gardens"])
    room = site.org_url(f"meetings/{meeting}/room/")
    kai = open_page("kai", DESKTOP, bypass_csp=False)
    chiara = open_page("chiara", PHONE, bypass_csp=False)
    display = open_page("kai", DESKTOP, bypass_csp=False)
    kai.goto(room)
    kai.get_by_role("button", name="Open the meeting").click()
    chiara.goto(room)
    expect(kai.get_by_role("heading", name="2 present")).to_be_visible()
    display.goto(site.org_url(f"meetings/{meeting}/display/"))
    # a free discussion of five minutes: Chiara raises her hand, Kai sees it and gives her the floor
    kai.get_by_label("A free discussion, time-boxed to (minutes)").fill("5")
    kai.get_by_role("button", name="Open the discussion").click()
    expect(chiara.get_by_text("Free discussion, time-boxed to 5 minutes")).to_be_visible()
    chiara.get_by_role("button", name="Raise my hand").click()
    expect(chiara.get_by_role("button", name="Lower my hand")).to_be_visible()
    expect(kai.locator(".room-hands")).to_contain_text("Chiara Rossi")
    expect(display.locator(".display-next")).to_contain_text("Hands raised: Chiara Rossi")
    kai.get_by_role("button", name="Give Chiara Rossi the floor").click()
    expect(chiara.get_by_role("button", name="Raise my hand")).to_be_visible()
    # the room does not move on before a round closes the discussion: Kai is told why
    kai.get_by_label("Move on to").select_option(label="Evaluation round")
    kai.get_by_role("button", name="Move on").click()
    expect(kai.locator("[data-room-error]")).to_contain_text("closed by a round")
    kai.get_by_label("Kind of round").select_option(label="Reaction")
    kai.get_by_role("button", name="Start the round").click()
    expect(display.locator(".display-speaker")).to_have_text("Kai Nakamura")
    kai.get_by_role("button", name="End the round").click()
    kai.get_by_label("Move on to").select_option(label="Evaluation round")
    kai.get_by_role("button", name="Move on").click()
    # Chiara fills in her evaluation card from the room
    chiara.get_by_role("link", name="Fill in your evaluation card").click()
    for name in ("heard", "on_time", "clear", "respected", "served_aim"):
        chiara.locator(f'input[name="{name}"][value="4"]').check()
    chiara.get_by_role("button", name="Give my evaluation").click()
    expect(chiara.get_by_role("heading", name="How our meetings go")).to_be_visible()
    # Kai closes the meeting and approves its minutes
    kai.get_by_role("button", name="Close the meeting").click()
    expect(kai.get_by_role("heading", name="The meeting is closed")).to_be_visible()
    kai.get_by_role("link", name="The minutes").click()
    expect(kai.get_by_role("heading", name="Minutes")).to_be_visible()
    kai.get_by_role("button", name="Approve the minutes").click()
    expect(kai.get_by_text("they no longer change")).to_be_visible()
    # the circle's trend shows the meeting, with Chiara's card
    chiara.goto(site.org_url("c/land-gardens/meetings/evaluations/"))
    expect(chiara.locator("table.trend tbody tr")).to_have_count(1)
    expect(chiara.locator("table.trend tbody tr td").first).to_have_text("1")
    screenshot(kai, "room-minutes-approved")
