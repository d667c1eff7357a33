"""Plain words (core.plainwords): an organisation that sets them reads its pages without the
sociocratic jargon, through a catalog that translates exactly the strings that use it."""

from __future__ import annotations

import gettext
import re
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import translation

from circlewise.core import plainwords
from circlewise.core.models import LedgerEvent
from circlewise.decisions import services as decisions

CATALOG = Path(__file__).resolve().parents[2] / "locale" / "en_X-plain" / "LC_MESSAGES"
JARGON = re.compile(r"driver|synthes|lazy consent|lazily|lazy", re.IGNORECASE)


def _entries() -> dict[str, str]:
    """msgid -> msgstr of the singular entries of the catalog's source (.po)."""
    text = (CATALOG / "django.po").read_text(encoding="utf-8")
    found = {}
    for block in text.split("\n\n"):
        m = re.search(r'^msgid ((?:".*"\n?)+)msgstr ((?:".*"\n?)+)', block + "\n", re.M)
        if not m or "msgid_plural" in block:
            continue

        def joined(lines: str) -> str:
            raw = "".join(re.findall(r'"((?:[^"\\]|\\.)*)"', lines))
            return raw.encode().decode("unicode_escape").encode("latin-1").decode("utf-8")

        msgid = joined(m.group(1))
        if msgid:  # a fuzzy entry is a guess that is never compiled: not translated
            found[msgid] = "" if "#, fuzzy" in block else joined(m.group(2))
    return found


def test_every_string_with_jargon_has_its_plain_words_and_the_compiled_catalog_matches():
    entries = _entries()
    assert len(entries) > 1000  # the whole source's strings were extracted
    with (CATALOG / "django.mo").open("rb") as compiled:
        catalog = gettext.GNUTranslations(compiled)
    jargon = {mid: text for mid, text in entries.items() if JARGON.search(mid)}
    assert len(jargon) >= 25
    for msgid, plain in jargon.items():
        assert plain, f"no plain words for: {msgid}"
        if plain != msgid:  # the few that name the jargon on purpose translate to themselves
            assert not JARGON.search(plain), f"jargon left in: {plain}"
        assert catalog.gettext(msgid) == plain, f"django.mo is older than django.po: {msgid}"


def test_the_language_follows_the_organisation_and_the_reader(world):
    org = world.org
    assert plainwords.language_for(org) == "en"
    org.plain_words = True
    assert plainwords.language_for(org) == plainwords.PLAIN
    assert plainwords.language_for(org, "de") == "de"  # a reader of another language keeps it
    with translation.override(plainwords.PLAIN):
        assert translation.gettext("Driver") == "Why we need this"
        assert translation.gettext("Circle") == "Circle"  # everything else stays English


@pytest.fixture
def presented(world):
    proposal = decisions.create_proposal(
        circle=world.garden, author=world.circle_member, title="Seed swap",
        driver="Seeds go to waste.", text="A swap every spring.",
    )  # fmt: skip
    decisions.present(proposal=proposal, actor=world.circle_member)
    return proposal


def test_an_admin_turns_plain_words_on_and_the_pages_speak_them(client, world, presented):
    address = reverse("decisions:proposal_detail", args=[world.org.slug, presented.pk])
    client.force_login(world.circle_member)
    before = client.get(address).content.decode()
    assert "Driver: the need it answers" in before
    # when an admin turns plain words on
    client.force_login(world.admin)
    edit = reverse("circles:org_edit", args=[world.org.slug])
    saved = client.post(edit, {"name": world.org.name, "plain_words": "on"})
    assert saved.status_code == 302
    event = LedgerEvent.objects.filter(verb="organisation.updated").latest("sequence")
    assert event.payload["fields"] == ["plain_words"]
    # then the same page says it in plain words, and the steps too
    client.force_login(world.circle_member)
    after = client.get(address).content.decode()
    assert "Driver" not in after and "Why we need this" in after
    assert "Bringing it together" in after and "Synthesis" not in after
    assert '<html lang="en-x-plain">' in after
    translation.activate("en")  # the test's own thread goes on in English


def test_the_glossary_explains_the_words_and_each_step_links_to_it(client, world, presented):
    client.force_login(world.circle_member)
    page = client.get(reverse("circles:org_glossary", args=[world.org.slug])).content.decode()
    for anchor in ("driver", "step-clarify", "objection", "lazy-consent", "double-link"):
        assert f'id="{anchor}"' in page
    proposal = client.get(
        reverse("decisions:proposal_detail", args=[world.org.slug, presented.pk])
    ).content.decode()
    assert "Ask what you need to know to understand the proposal" in proposal
    assert reverse("circles:org_glossary", args=[world.org.slug]) + "#step-clarify" in proposal
