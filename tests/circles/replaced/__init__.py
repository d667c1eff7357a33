"""The includes that the row tags replaced (circles/templatetags/circle_page.py), kept here only
as the markup the tags are checked against: no page renders them."""

from __future__ import annotations

from pathlib import Path

HERE = Path(__file__).parent


def loop(name: str, over: str, item: str, *, with_: str = "") -> str:
    """A template looping `item` over `over` with the replaced include `name` as the body, as
    `{% for item in over %}{% include "circles/includes/NAME.html" with WITH %}{% endfor %}`
    rendered it."""
    body = (HERE / f"{name}.html").read_text()
    if with_:
        body = f"{{% with {with_} %}}{body}{{% endwith %}}"
    return f"{{% for {item} in {over} %}}{body}{{% endfor %}}"
