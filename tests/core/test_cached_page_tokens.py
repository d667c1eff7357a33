"""What people write on pages kept in the cache never turns into anyone's CSRF token.

A cached page is rendered once with a marker where the token goes and served to its viewer
many times, each response with a freshly masked token. The marker is made afresh for every
rendering and never sent; the page is kept as the pieces around it (`core/perf/pages.py`). Here every
field a person can write, shown on a cached page, holds the placeholder an earlier version
replaced over the whole page, a string shaped like a marker, and a marker that was really used,
each in a link to an outside site: every cached page, read twice (the second time from the
cache), shows them exactly as written, and the token appears only where it belongs.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.middleware import csrf as django_csrf
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from circlewise.accounts import services as accounts
from circlewise.circles import services as circles
from circlewise.core.perf import pages
from circlewise.decisions import services as decisions
from circlewise.decisions.models import Decision, Objection, Policy

from .. import factories as f

OLD_PLACEHOLDER = "cw-csrf-token-placeholder-3f9c2a7e"
MARKER_SHAPED = "0123456789abcdef0123456789abcdef"
OUTSIDE = "https://evil.example/?t="


def _used_marker() -> str:
    """A marker that a rendering really used (the scheme makes a new one each time)."""
    seen: list[str] = []
    pages._split_at_token(lambda marker: seen.append(marker) or "")
    return seen[0]


@pytest.fixture
def planted(world):
    """Every field shown on a cached page holds the planted strings, in links to outside."""
    used = _used_marker()
    plants = [OLD_PLACEHOLDER, MARKER_SHAPED, used]
    link = " ".join(f"{OUTSIDE}{p}" for p in plants)  # 3 links, 130 characters
    short = f"{OUTSIDE}{OLD_PLACEHOLDER}"  # for fields of 120 characters or fewer

    def md(label: str) -> str:
        return " ".join(f"[{label}]({OUTSIDE}{p})" for p in plants)

    admin, author = world.admin, world.circle_member
    accounts.update_profile(user=author, name=short, pronouns=OLD_PLACEHOLDER, timezone="UTC")
    circle = circles.create_circle(
        organisation=world.org, actor=admin, name=short, aim=md("aim"), domain=md("domain"),
        parent=world.general,
    )  # fmt: skip
    f.add(circle, author, world.facilitator, world.member)
    f.give_role(circle, "facilitator", world.facilitator)
    role = circles.create_role(
        circle=circle, actor=admin, name=short, aim=md("role aim"), domain=md("role domain"),
        responsibilities=md("responsibilities"),
    )  # fmt: skip
    today = timezone.localdate()
    circles.assign_role(
        role=role, holder=author, actor=admin, term_start=today - dt.timedelta(days=300),
        term_end=today + dt.timedelta(days=5),
    )  # fmt: skip
    decisions.add_backlog_item(circle=circle, actor=author, topic=short, description=md("item"))

    # A proposal taken to a decision and a policy, with a question, a reaction, an amendment, an
    # objection and a concern-free consent, every text planted.
    def proposal(title: str) -> object:
        return decisions.create_proposal(
            circle=circle, author=author, title=title, driver=md("driver"), text=md("text"),
            aim=md("proposal aim"), measures=md("measures"), feedback_channel=link,
        )  # fmt: skip

    decided = proposal(link)
    decisions.present(proposal=decided, actor=author)
    decisions.ask_question(proposal=decided, member=world.member, text=md("question"))
    decisions.advance(proposal=decided, actor=world.facilitator)
    decisions.react(proposal=decided, member=world.member, text=md("reaction"))
    decisions.suggest_amendment(proposal=decided, member=world.member, text=md("amendment"))
    round_ = decisions.open_consent_round(proposal=decided, actor=world.facilitator)
    decisions.respond(round_=round_, user=world.member, answer="objection", reason=md("reason"))
    for person in (author, world.facilitator):
        decisions.respond(round_=round_, user=person, answer="consent")
    objection = Objection.objects.get(proposal=decided)
    decisions.discuss_objection(objection=objection, author=author, text=md("thread"))
    decisions.state_back(objection=objection, actor=author, text=md("stated back"))
    decisions.confirm_heard(objection=objection, objector=world.member)
    decisions.revise(
        proposal=decided, actor=world.facilitator, change_note=md("change note"),
        text=md("new text"), integrations={objection.pk: md("integration")},
    )  # fmt: skip
    round_ = decisions.open_consent_round(proposal=decided, actor=world.facilitator)
    for person in (author, world.facilitator, world.member):
        decisions.respond(round_=round_, user=person, answer="consent", reason=md("consent"))
    # and one left in its consent round, whose page offers forms (so carries tokens)
    open_one = proposal(short)
    decisions.present(proposal=open_one, actor=author)
    decisions.open_consent_round(proposal=open_one, actor=world.facilitator)
    return {
        "plants": plants,
        "circle": circle,
        "role": role,
        "decided": decided,
        "open": open_one,
        "decision": Decision.objects.get(proposal=decided),
        "policy": Policy.objects.filter(circle=circle).first(),
        "viewer": world.member,
    }


def _cached_pages(p) -> list[str]:
    org, slug = "willow", p["circle"].slug
    return [
        reverse("circles:circle_list", args=[org]),
        reverse("circles:org_chart", args=[org]),
        reverse("circles:terms", args=[org]),
        reverse("circles:org_feed", args=[org]),
        reverse("circles:circle_feed", args=[org, slug]),
        reverse("circles:circle_detail", args=[org, slug]),
        reverse("decisions:proposal_detail", args=[org, p["decided"].pk]),
        reverse("decisions:proposal_detail", args=[org, p["open"].pk]),
        reverse("decisions:decision_detail", args=[org, p["decision"].pk]),
        reverse("decisions:policy_register", args=[org]),
    ]


OUTSIDE_RE = re.compile(re.escape(OUTSIDE))


def _carried(html: str, at: int, plants: list[str]) -> str | None:
    """The plant that follows a link's start, or the start of one where a long name is
    shortened; None for anything else."""
    for plant in plants:
        if html.startswith(plant, at):
            return plant
    run = re.match(r"[A-Za-z0-9-]*", html[at:])
    cut = run.group() if run else ""
    return cut if any(plant.startswith(cut) for plant in plants) else None


TOKEN_SHAPED = re.compile(r"(?<![A-Za-z0-9])[A-Za-z0-9]{64}(?![A-Za-z0-9])")


def _unmask(token: str) -> str:
    return str(django_csrf._unmask_cipher_token(token))  # type: ignore[attr-defined]


def test_nothing_anyone_wrote_becomes_a_token_on_a_cached_page(planted):
    # given every field shown on a cached page holding the old placeholder, a marker-shaped
    # string and a marker that a rendering used, each in a link to an outside site
    p = planted
    assert p["policy"] is not None
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(p["viewer"])
    shown: set[str] = set()
    for path in _cached_pages(p):
        # when the viewer reads the page, the second time from the cache
        for reading in ("first", "cached"):
            html = browser.get(path).content.decode()
            secret = browser.cookies[django_csrf.settings.CSRF_COOKIE_NAME].value
            where = f"{path} ({reading})"
            # then the planted text is shown exactly as written: every link to outside carries
            # what was planted in it (or its start, where a long name is shortened), nothing else
            carried = [_carried(html, m.end(), p["plants"]) for m in re.finditer(OUTSIDE_RE, html)]
            assert OLD_PLACEHOLDER in carried, f"{where}: no planted text is shown"
            assert None not in carried, f"{where}: a link to outside carries something else"
            shown |= {c for c in carried if c in p["plants"]}
            # and the viewer's token appears only where it belongs (the ledger's hashes are
            # token-shaped too, but are no token of theirs)
            tokens = [t for t in TOKEN_SHAPED.findall(html) if _unmask(t) == secret]
            placed = re.findall(r'name="csrfmiddlewaretoken" value="([A-Za-z0-9]{64})"', html)
            placed += re.findall(r'"X-CSRFToken": "([A-Za-z0-9]{64})"', html)
            assert placed, f"{where}: the page carries no token"
            assert all(_unmask(t) == secret for t in placed), f"{where}: a token that fails"
            assert sorted(tokens) == sorted(placed), f"{where}: a token outside its places"
    assert shown == set(p["plants"])
