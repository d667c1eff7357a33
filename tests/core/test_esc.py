"""`esc`, the row tags' escape: what `conditional_escape` gives, for every kind of value."""

from __future__ import annotations

import pytest
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy

from circlewise.core.templatetags.circlewise import esc


@pytest.mark.parametrize(
    "value",
    [
        "Ada <b>&</b> \"quotes\" 'apostrophes'",
        "",
        mark_safe("<bdi>already safe</bdi>"),
        gettext_lazy("Circles"),
        42,
        None,
    ],
    ids=["text", "empty", "safe", "lazy", "number", "none"],
)
def test_esc_is_conditional_escape(value: object) -> None:
    assert esc(value) == conditional_escape(value)


def test_esc_escapes_markup_and_leaves_safe_text_alone() -> None:
    assert esc("<b>&") == "&lt;b&gt;&amp;"
    assert esc(mark_safe("<b>")) == "<b>"
