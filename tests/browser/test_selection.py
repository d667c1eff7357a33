"""A whole selection in the pages, in the private Finance circle: Jonas, its facilitator,
starts selecting the secretary (Yusuf's term ends soon); the circle consents to the term and
the qualifications; everyone nominates in secret — nobody sees another's nomination until the
last one reveals them all —; in the change round Ben changes, saying why; Jonas proposes Ines;
Ben objects, the objection is integrated in a shorter term, and everyone consents, Ines last.
Ines is then Finance's secretary on the role's page. Zoe, outside Finance, never sees it."""

import re

import pytest
from playwright.sync_api import expect

from .conftest import DESKTOP, PHONE, axe_violations, describe_violations, screenshot

pytestmark = pytest.mark.browser

CIRCLE, ROLE = "Finance", "Secretary"
PEOPLE = ("ben", "ines", "jonas", "yusuf")


def done(page, button):
    page.get_by_role("button", name=button, exact=True).click()
    page.wait_for_load_state()
    expect(page.locator(".notice-danger")).to_have_count(0)


def field(page, label):
    return page.get_by_label(re.compile("^" + re.escape(label)))


def choose(select, name):
    option = select.locator("option", has_text=name).first
    select.select_option(value=option.get_attribute("value"))


def test_a_selection_goes_from_its_start_to_the_new_holder(open_page, site, axe_source):
    role = site.circle_url(CIRCLE, f"roles/{site.roles[(site.circles[CIRCLE], ROLE)]}/")
    pages = {name: open_page(name) for name in PEOPLE}
    jonas = pages["jonas"]
    # given Jonas on the page of Finance's secretary role
    jonas.goto(role)
    jonas.get_by_role("link", name="Start a selection").click()
    field(jonas, "Qualifications").fill("Careful with numbers\nMinutes within a week")
    done(jonas, "Start the selection")
    selection = jonas.url
    assert re.search(r"/selections/\d+/$", selection), selection

    # when everyone consents to the term and the qualifications, and Jonas opens the nominations
    for name in PEOPLE:
        page = pages[name]
        page.goto(selection)
        page.get_by_role("region", name="Role, term and qualifications").get_by_label(
            re.compile("^I consent")
        ).check()
        done(page, "Give my answer")
    jonas.goto(selection)
    done(jonas, "Open the nominations")

    # and three of them nominate: nobody sees another's nomination
    nominations = {
        "ben": ("Yusuf Kaya", "Yusuf has done it well for a year."),
        "jonas": ("Ines Alves", "Ines reads every figure twice."),
        "yusuf": ("Ines Alves", "Ines should have a turn: she knows the accounts best."),
    }
    for name, (nominee, reason) in nominations.items():
        page = pages[name]
        page.goto(selection)
        choose(field(page, "I nominate"), nominee)
        field(page, "because").fill(reason)
        done(page, "Nominate")
    ines = pages["ines"]
    ines.goto(selection)
    expect(ines.get_by_text("3 of 4 have nominated.")).to_be_visible()
    for secret in ("reads every figure", "done it well", "knows the accounts"):
        assert secret not in ines.content()
    jonas.goto(selection)
    assert "done it well" not in jonas.content()  # the facilitator neither

    # when Ines nominates last, the grid is revealed to everyone
    choose(field(ines, "I nominate"), "Ben Hartley")
    field(ines, "because").fill("Ben has the time this year.")
    done(ines, "Nominate")
    expect(ines.get_by_role("region", name="Nominations")).to_contain_text("reads every figure")
    for viewport, name in ((PHONE, "phone"), (DESKTOP, "desktop")):
        ines.set_viewport_size(viewport)
        screenshot(ines, f"selection-grid-{name}")
    assert not (found := axe_violations(ines, axe_source)), describe_violations(found)

    # and in the change round Ben changes to Ines, saying why; the others keep theirs
    ben = pages["ben"]
    ben.goto(selection)
    choose(field(ben, "Having heard everyone"), "Ines Alves")
    field(ben, "Your reason").fill("Having heard about the accounts, Ines it is.")
    done(ben, "Give my answer")
    for name in ("ines", "jonas", "yusuf"):
        pages[name].goto(selection)
        done(pages[name], "Give my answer")

    # when Jonas proposes Ines, and Ben objects
    jonas.goto(selection)
    choose(field(jonas, "I propose"), "Ines Alves")
    field(jonas, "Reasons").fill("Three of us nominate Ines after the change round.")
    done(jonas, "Propose")
    ines.goto(selection)
    ines.get_by_label(re.compile("^I consent")).first.check()
    ines.get_by_role("button", name="Give the answer", exact=True).click()
    expect(ines.locator(".notice-danger")).to_contain_text("The nominee answers last")
    ben.goto(selection)
    ben.get_by_label(re.compile("^I object")).first.check()
    field(ben, "Why you object").first.fill("A year with the year-end accounts is a lot at once.")
    done(ben, "Give the answer")
    # then Jonas integrates it in a shorter term, and everyone consents, Ines last
    jonas.goto(selection)
    jonas.get_by_text("Integrate the objections").click()
    field(jonas, "The proposal, changed").fill("Ines for six months, with Yusuf's handover.")
    jonas.locator("#id_integrate-term_months").fill("6")
    done(jonas, "Ask again with this version")
    for name in ("ben", "jonas", "yusuf", "ines"):
        page = pages[name]
        page.goto(selection)
        page.get_by_label(re.compile("^I consent")).first.check()
        done(page, "Give the answer")
    expect(ines.get_by_role("region", name="Selected")).to_contain_text("Ines Alves holds")
    expect(ines.get_by_role("region", name="The proposal")).to_contain_text("for 6 months")
    for viewport, name in ((PHONE, "phone"), (DESKTOP, "desktop")):
        ines.set_viewport_size(viewport)
        screenshot(ines, f"selection-completed-{name}")

    # and she holds the role on its page; Zoe, outside Finance, finds no selection there
    ines.goto(role)
    expect(ines.get_by_role("region", name="Held by")).to_contain_text("Ines Alves")
    zoe = open_page("zoe")
    assert zoe.goto(selection).status == 404
