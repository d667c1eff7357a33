from __future__ import annotations

import uuid
import zoneinfo

import pytest
from django.core.cache import cache as django_cache
from django.utils import timezone, translation

from circlewise.circles import services
from circlewise.core import cache

from .. import factories as f


@pytest.fixture(autouse=True)
def fresh_people_version():
    # Only this module's keys are touched: the cache may be a Redis shared with other tests.
    django_cache.delete(cache.PEOPLE_VERSION_KEY)


def fresh(name: str) -> str:
    """A fragment name no earlier run has used, so that a shared cache holds nothing for it."""
    return f"{name}-{uuid.uuid4().hex}"


class Renderer:
    """Counts how often the fragment is really rendered."""

    def __init__(self, text: str = "<p>Garden</p>") -> None:
        self.text = text
        self.calls = 0

    def __call__(self) -> str:
        self.calls += 1
        return self.text


def test_a_fragment_is_rendered_once_per_version():
    # given a fragment rendered at version 7
    render = Renderer()
    name = fresh("circle-body:1")
    first = cache.fragment(name, version=7, render=render)
    # when it is asked for again at the same version
    second = cache.fragment(name, version=7, render=render)
    # then it comes from the cache, as safe HTML
    assert render.calls == 1
    assert first == second == "<p>Garden</p>"
    assert hasattr(second, "__html__")


def test_a_change_in_the_ledger_renders_the_fragment_again(db):
    # given a circle page body cached at the organisation's ledger sequence
    org = f.make_org()
    admin = f.admin_of(org)
    circle = f.make_circle(org, "Garden")
    render = Renderer()
    name = fresh(f"circle-body:{circle.pk}")
    cache.fragment(name, version=org.ledger_sequence, render=render)
    # when anything changes in the organisation
    services.update_circle(circle=circle, actor=admin, aim="Grow more beans.")
    org.refresh_from_db()
    render.text = "<p>Grow more beans.</p>"
    html = cache.fragment(name, version=org.ledger_sequence, render=render)
    # then the new version is rendered, never the stale one
    assert render.calls == 2
    assert html == "<p>Grow more beans.</p>"


def test_viewers_with_different_rights_get_different_fragments():
    # given a fragment rendered for someone who may edit
    editor, reader = Renderer("<a>Edit</a>"), Renderer("<p>read only</p>")
    name = fresh("circle-body:1")
    cache.fragment(name, version=3, vary=(True,), render=editor)
    # when someone who may not edit asks for it
    html = cache.fragment(name, version=3, vary=(False,), render=reader)
    # then they get their own rendering
    assert html == "<p>read only</p>"
    assert editor.calls == reader.calls == 1


def test_the_time_zone_and_language_are_part_of_the_key():
    # given a fragment rendered in London
    render = Renderer()
    name = fresh("feed:1")
    with timezone.override(zoneinfo.ZoneInfo("Europe/London")):
        cache.fragment(name, version=1, render=render)
    # when it is asked for in Tokyo, and in another language
    with timezone.override(zoneinfo.ZoneInfo("Asia/Tokyo")):
        cache.fragment(name, version=1, render=render)
    with translation.override("de"):
        cache.fragment(name, version=1, render=render)
    # then each was rendered for its reader
    assert render.calls == 3


def test_a_profile_change_renders_fragments_that_name_people_again():
    # given a fragment that names people
    render = Renderer("<li>Ada</li>")
    name = fresh("members:1")
    cache.fragment(name, version=5, render=render)
    # when someone's name changes (which the ledger does not record)
    cache.people_changed()
    render.text = "<li>Ada Lovelace</li>"
    html = cache.fragment(name, version=5, render=render)
    # then the fragment is rendered again
    assert html == "<li>Ada Lovelace</li>"
    assert render.calls == 2


def test_an_evicted_people_version_never_falls_back_to_an_old_value():
    # given a people version that has moved on
    before = cache.people_version()
    cache.people_changed()
    moved = cache.people_version()
    # when the cache loses it
    django_cache.delete(cache.PEOPLE_VERSION_KEY)
    # then the restarted version is above every earlier one
    assert moved > before
    assert cache.people_version() > moved


def test_a_value_is_computed_once_per_version():
    # given a value computed at version 10
    calls = []

    def compute() -> frozenset[int]:
        calls.append(1)
        return frozenset({4, 5})

    # when it is asked for twice at version 10 and once at version 11
    name = fresh("private-children:1")
    first = cache.value(name, version=10, compute=compute)
    again = cache.value(name, version=10, compute=compute)
    cache.value(name, version=11, compute=compute)
    # then it was computed once per version
    assert first == again == frozenset({4, 5})
    assert len(calls) == 2
