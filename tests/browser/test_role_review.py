"""A whole role review in the pages: Elif, who leads Community Life, starts a review of her work
from the role's page and asks Zoe and Hugo; she speaks first, Wren (facilitating) opens the
rounds, both reviewers give feedback in each; Elif summarises, the areas and the plan are written
down, everyone consents, Wren completes it; the plan is then on the role's page."""

import datetime as dt
import re

import pytest
from playwright.sync_api import expect

from .conftest import DESKTOP, PHONE, axe_violations, describe_violations, screenshot

pytestmark = pytest.mark.browser

CIRCLE, ROLE = "Community Life", "Leader"
PLAN = "A monthly note to the circle on what General decided, sent with the agenda."


def role_url(site):
    return site.circle_url(CIRCLE, f"roles/{site.roles[(site.circles[CIRCLE], ROLE)]}/")


def done(page, button):
    """Press the form's button and wait for the page it leads back to, saying it is done."""
    page.get_by_role("button", name=button, exact=True).click()
    page.wait_for_load_state()
    expect(page.locator(".notice-danger")).to_have_count(0)


def field(page, label):
    """The field whose label starts with `label` (a required field's label says so after it)."""
    return page.get_by_label(re.compile("^" + re.escape(label)))


def choose(select, name):
    option = select.locator("option", has_text=name).first
    select.select_option(value=option.get_attribute("value"))


def give(page, url, label, text, button):
    page.goto(url)
    page.get_by_role("textbox", name=re.compile("^" + re.escape(label))).fill(text)
    done(page, button)


def test_a_review_goes_from_its_start_to_the_plan_on_the_role(open_page, site, axe_source):
    # given Elif on the page of her role as Community Life's leader
    elif_ = open_page("elif")
    elif_.goto(role_url(site))
    # when she starts a review of her work, Wren facilitating, meeting in a week
    elif_.get_by_role("link", name="Review my work in this role").click()
    choose(field(elif_, "Facilitator"), "Wren Ellis")
    field(elif_, "Date").fill((dt.date.today() + dt.timedelta(days=7)).isoformat())
    done(elif_, "Start the review")
    review = elif_.url
    assert re.search(r"/reviews/\d+/$", review), review
    # and asks Zoe and Hugo, and writes her opening words
    for name in ("Zoe Brennan", "Hugo Martin"):
        choose(field(elif_, "Person"), name)
        done(elif_, "Ask")
    give(
        elif_, review, "Your opening words",
        "I link Community Life to General. I like it; I am unsure the news reaches you.",
        "Save my opening words",
    )  # fmt: skip
    people = elif_.get_by_role("region", name="Taking part")
    expect(people).to_contain_text("Zoe Brennan")
    expect(people).to_contain_text("Hugo Martin")

    # when Wren opens the first round and both reviewers answer in each
    wren = open_page("wren")
    wren.goto(review)
    done(wren, "Open the first round")
    zoe, hugo = open_page("zoe"), open_page("hugo")
    feedback = {
        "What went well": {
            zoe: "You brought the budget question back the same week, with the numbers.",
            hugo: "In General you speak for us clearly; I know what we asked for.",
        },
        "What could be better": {
            zoe: "I learn what General decided a month later. I need it at our next meeting.",
            hugo: "The reports come the evening before; I need a few days to read them.",
        },
    }
    for label, words in feedback.items():
        for page, text in words.items():
            give(page, review, label, text, "Give my feedback")
    for page in (zoe, hugo):
        expect(page.get_by_role("region", name="What could be better")).to_contain_text(
            "I learn what General decided"
        )

    # then it is Elif's step on "what needs me"
    elif_.goto(site.org_url("needs-me/"))
    expect(elif_.locator('[data-need="review_summary"]')).to_be_visible()

    # when Elif summarises, writes down the areas and proposes the plan
    give(
        elif_, review, "Your summary",
        "What works: questions come back fast. What to improve: news from General is late.",
        "Save my summary",
    )  # fmt: skip
    give(elif_, review, "Areas to improve", "News from General, in time.", "Save the areas")
    elif_.goto(review)
    field(elif_, "The plan").fill(PLAN)
    field(elif_, "Measures").fill("Ask the circle in three months.")
    until = dt.date.today() + dt.timedelta(days=120)
    field(elif_, "Runs until").fill(until.isoformat())
    done(elif_, "Propose the plan")
    # and everyone taking part consents
    for page in (zoe, hugo, elif_):
        page.goto(review)
        page.get_by_label(re.compile(r"^I consent")).check()
        done(page, "Give my answer")
    elif_.goto(review)
    expect(elif_.get_by_role("region", name="Improvement plan")).to_contain_text("consented")
    for viewport, name in ((PHONE, "phone"), (DESKTOP, "desktop")):
        elif_.set_viewport_size(viewport)
        screenshot(elif_, f"review-plan-{name}")
    assert not (found := axe_violations(elif_, axe_source)), describe_violations(found)

    # when Wren completes the review
    wren.goto(review)
    done(wren, "Complete the review")
    expect(wren.locator(".badge").first).to_contain_text("Completed")
    for viewport, name in ((PHONE, "phone"), (DESKTOP, "desktop")):
        wren.set_viewport_size(viewport)
        screenshot(wren, f"review-completed-{name}")

    # then the plan is on the role's page, for a member of the circle who took no part
    tara = open_page("tara")
    tara.goto(role_url(site))
    expect(tara.get_by_role("region", name="Improvement plan")).to_contain_text(PLAN)
    assert "I learn what General decided" not in tara.content()
