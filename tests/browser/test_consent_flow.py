"""One proposal taken through the consent process in the pages, by the people of a small circle.

The Solar Roof Project has three members: Priya (leader), Sam (delegate and secretary) and Quinn
(facilitator, who synthesises). Sam proposes a rule, Priya objects, Sam states the objection
back, Priya confirms it, Quinn integrates it in a new version, and everyone consents: the rule
becomes a policy in the register, with its review date. Each person acts in their own browser.
"""

import datetime as dt
import re

import pytest
from playwright.sync_api import expect

from .conftest import screenshot

pytestmark = pytest.mark.browser

CIRCLE = "Solar Roof Project"
TITLE = "Panel cleaning rota (browser consent flow)"
OBJECTION = "Nobody checks the roof harness before a cleaning day, so someone could fall."
STATED_BACK = "You fear a fall because the harness is not checked before each cleaning day."
INTEGRATION = "The harness is checked by the leader the day before every cleaning day."


def give_answer(page, url, answer, reason=""):
    """Answer the open consent round on the proposal page as the person signed in."""
    page.goto(url)
    round_ = page.locator("#consent-round")
    round_.get_by_label(answer, exact=True).check()
    if reason:
        round_.get_by_label("Reason", exact=True).fill(reason)
    round_.get_by_role("button", name="Give my answer").click()


def open_round(page, url):
    page.goto(url)
    # the one next-step panel, at the top, opens it on the version the page shows
    page.locator("#now").get_by_role("button", name="Open the consent round").click()
    page.wait_for_load_state()
    expect(page.locator("#consent-round")).to_contain_text("Not answered yet")


def review_date_shown(value):
    day = dt.date.fromisoformat(value)
    return f"{day.day} {day.strftime('%b %Y')}"


def test_a_proposal_goes_through_an_objection_to_consent_and_becomes_a_policy(open_page, site):
    # given Sam, a member of the Solar Roof Project, writes a draft rule and presents it
    sam = open_page("sam")
    sam.goto(site.circle_url(CIRCLE, "proposals/new/"))
    sam.get_by_label(re.compile(r"^Title")).fill(TITLE)
    sam.get_by_label(re.compile(r"^Driver")).fill("The panels lose output when they are dirty.")
    sam.get_by_label(re.compile(r"^Proposal")).fill("We clean the panels on the first Saturday.")
    sam.get_by_label("Sets a rule (a policy)").check()
    review_on = sam.get_by_label(re.compile(r"^Review date")).input_value()
    assert review_on, "the form suggests a review date"
    sam.get_by_role("button", name="Save the draft").click()
    expect(sam.get_by_role("heading", level=1)).to_have_text(TITLE)
    proposal_url = sam.url.split("#")[0]
    assert re.search(r"/proposals/\d+/$", proposal_url), proposal_url
    sam.get_by_role("button", name="Present to the circle").click()
    expect(sam.locator("#now")).not_to_contain_text("This is your draft")

    # when Quinn, the facilitator, moves on to reactions without a question of her own, passes
    # there and moves on to the synthesis, then opens the consent round
    quinn = open_page("quinn")
    quinn.goto(proposal_url)
    now = quinn.locator("#now")
    screenshot(quinn, "next-step-clarifying-facilitator")
    now.get_by_role("button", name="Move on to reactions").click()
    expect(quinn.locator("[aria-current=step]")).to_contain_text(re.compile("react", re.I))
    quinn.locator("#react").get_by_role("button", name="Pass", exact=True).click()
    now.get_by_role("button", name="Move on to synthesis").click()
    expect(now).to_contain_text("Restate the proposal")
    open_round(quinn, proposal_url)

    # and Priya objects with a reason
    priya = open_page("priya")
    give_answer(priya, proposal_url, "Objection", OBJECTION)
    expect(priya.locator("#consent-round")).to_contain_text("Your answer is recorded")

    # and the others consent: the round closes on the objection
    give_answer(sam, proposal_url, "Consent")
    expect(sam.locator("#consent-round")).to_contain_text("Your answer is recorded")
    give_answer(quinn, proposal_url, "Consent")  # the last answer: the page reloads
    objections = quinn.get_by_role("region", name="Objections")
    objection_link = objections.get_by_role("link", name="Priya Shah's objection to version 1")
    expect(objection_link).to_be_visible()
    objection_url = site.url + objection_link.get_attribute("href")

    # and Sam states the objection back, and Priya confirms it is her objection
    sam.goto(objection_url)
    sam.get_by_label("The objection, in your own words").fill(STATED_BACK)
    sam.get_by_role("button", name="State it back", exact=True).click()
    expect(sam.locator("#stated-back")).to_contain_text(STATED_BACK)
    priya.goto(objection_url)
    priya.get_by_role("button", name="Yes, that is my objection").click()
    expect(priya.locator("#stated-back")).to_contain_text(
        "Confirmed: Priya Shah said “Yes, that is my objection”"
    )

    # and Quinn writes version 2, integrating the objection, and opens a new round
    quinn.goto(proposal_url)
    revise = quinn.locator("#revise")
    revise.get_by_label("What changed").fill("Adds a harness check before each cleaning day.")
    revise.get_by_label(re.compile(r"How this version integrates Priya Shah.s objection")).fill(
        INTEGRATION
    )
    revise.get_by_role("button", name="Save the new version").click()
    expect(quinn.get_by_text("Version 2 is written")).to_be_visible()
    expect(quinn.get_by_role("region", name="Objections")).to_contain_text(
        f"Integrated in version 2: {INTEGRATION}"
    )
    expect(quinn.locator("#now")).to_contain_text("The objections are integrated")
    screenshot(quinn, "next-step-integrated-facilitator")
    open_round(quinn, proposal_url)
    expect(quinn.locator("#consent-round")).to_contain_text("Consent round on version 2")

    # and everyone consents
    give_answer(priya, proposal_url, "Consent")
    expect(priya.locator("#consent-round")).to_contain_text("Your answer is recorded")
    give_answer(sam, proposal_url, "Consent")
    expect(sam.locator("#consent-round")).to_contain_text("Your answer is recorded")
    give_answer(quinn, proposal_url, "Consent")  # the last answer: the page reloads

    # then the proposal is decided, with a link to the decision record
    expect(quinn.locator("#now")).to_contain_text("Decided by consent")
    record = quinn.get_by_role("link", name="The decision record", exact=True)
    expect(record).to_be_visible()
    screenshot(quinn, "consent-flow-decided")
    record.click()
    expect(quinn).to_have_url(re.compile(r"/decisions/\d+/$"))
    expect(quinn.get_by_role("main")).to_contain_text(TITLE)

    # and the policy register lists the policy with its review date
    quinn.goto(site.org_url("policies/"))
    entry = quinn.get_by_role("listitem").filter(has=quinn.get_by_role("link", name=TITLE))
    expect(entry).to_have_count(1)
    expect(entry).to_contain_text(f"{CIRCLE} · review by {review_date_shown(review_on)}")
    screenshot(quinn, "consent-flow-register")
