"""The shared template tags: term badges in words, avatars, circle dots, Markdown."""

from __future__ import annotations

import datetime as dt

from django.template import Context, Template

from circlewise.accounts.models import User
from circlewise.circles.models import RoleAssignment

TODAY = dt.date(2026, 6, 1)


def _assignment(days_left: int, ended: bool = False) -> RoleAssignment:
    end = TODAY + dt.timedelta(days=days_left)
    return RoleAssignment(
        term_start=end - dt.timedelta(days=365),
        term_end=end,
        ended_on=TODAY if ended else None,
    )


def _render(source: str, **context) -> str:
    return Template("{% load circlewise %}" + source).render(Context(context))


def test_a_term_badge_says_its_status_in_words_with_an_icon():
    cases = {
        200: ("badge-current", "current"),
        12: ("badge-ending", "ends in 12 days"),
        1: ("badge-ending", "ends tomorrow"),
        0: ("badge-ending", "ends today"),
        -1: ("badge-expired", "expired yesterday"),
        -3: ("badge-expired", "expired 3 days ago"),
    }
    for days, (css, words) in cases.items():
        html = _render("{% term_badge a today %}", a=_assignment(days), today=TODAY)
        assert css in html and words in html and "<svg" in html, (days, html)


def test_an_ended_term_says_when_it_ended():
    html = _render("{% term_badge a today %}", a=_assignment(50, ended=True), today=TODAY)
    assert "badge-ended" in html
    assert "ended 1 Jun 2026" in html


def test_no_assignment_is_a_vacant_badge():
    assert "vacant" in _render("{% term_badge None %}")


def test_an_avatar_shows_escaped_initials_on_a_stable_colour():
    person = User(pk=5, name="<b>Ana</b> Ruiz", email="ana@example.org")
    html = _render("{% avatar p %}", p=person)
    assert "<b>" not in html
    assert "hue-" in html
    assert html == _render("{% avatar p %}", p=person)


def test_a_circle_dot_uses_one_of_twelve_hue_classes():
    class Circle:
        hue = 359

    assert 'class="circle-dot hue-11"' in _render("{% circle_dot c %}", c=Circle())


def test_markdown_is_rendered_and_sanitised():
    html = _render("{{ text|markdown }}", text="**bold** <script>alert(1)</script>")
    assert "<strong>bold</strong>" in html
    assert "<script>" not in html
