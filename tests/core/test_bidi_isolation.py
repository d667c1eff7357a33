"""A right-to-left override in a name or title cannot reverse the text around it.

Every name and title people write (organisations, circles, roles, people, tokens, proposals,
policies, backlog items) starts with U+202E RIGHT-TO-LEFT OVERRIDE. Every page is then requested
as a member and as the admin, and each place where the override appears must be isolated: inside
`<bdi>` or an element with a `dir` attribute in the page's text, or between U+2068 FIRST STRONG
ISOLATE and U+2069 POP DIRECTIONAL ISOLATE where markup cannot go (the `<title>`, attributes, an
`<option>`, the org chart's SVG text). Fields being edited (`value`, `<textarea>`) are left as
written: the control shows the person exactly what they typed.
"""

from __future__ import annotations

import logging
from html.parser import HTMLParser
from typing import Any

from django.db.models import F, Value
from django.db.models.functions import Concat

from circlewise.accounts.models import PersonalAccessToken, User
from circlewise.circles.models import Circle, Organisation, Role
from circlewise.decisions.models import BacklogItem, Policy, ProposalVersion

from .. import permission_table as table
from ..test_permission_matrix import _clients, _request, _url, build_targets

RLO = "\u202e"
FSI, PDI = "\u2068", "\u2069"
VOID = {
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
    "track", "wbr",
}  # fmt: skip
# Attributes that hold the text itself for editing, or an address.
EDITED = {"value", "href", "action", "hx-get", "hx-post", "src"}


def isolated_by_marks(text: str, at: int) -> bool:
    """Whether `text[at]` sits between an isolate initiator and its pop."""
    depth = 0
    for ch in text[:at]:
        if ch in "\u2066\u2067\u2068":
            depth += 1
        elif ch == PDI and depth:
            depth -= 1
    return depth > 0 and PDI in text[at:]


class Checker(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, bool]] = []  # (tag, isolates)
        self.problems: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if value and RLO in value and name not in EDITED:
                self._check(value, f"<{tag} {name}>", isolating=False)
        if tag not in VOID:
            isolates = tag == "bdi" or any(name == "dir" for name, _ in attrs)
            self.stack.append((tag, isolates))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if value and RLO in value and name not in EDITED:
                self._check(value, f"<{tag} {name}>", isolating=False)

    def handle_endtag(self, tag: str) -> None:
        for i in range(len(self.stack) - 1, -1, -1):
            if self.stack[i][0] == tag:
                del self.stack[i:]
                return

    def handle_data(self, data: str) -> None:
        if RLO not in data:
            return
        tags = [t for t, _ in self.stack]
        if "textarea" in tags:
            return
        plain = any(t in tags for t in ("title", "option", "svg", "script"))
        isolating = not plain and any(iso for _, iso in self.stack)
        self._check(data, "<" + (tags[-1] if tags else "#") + ">", isolating)

    def _check(self, text: str, where: str, isolating: bool) -> None:
        if isolating:
            return
        at = text.index(RLO)
        if not isolated_by_marks(text, at):
            self.problems.append(f"{where}: {text.strip()[:60]!r}")


def override_every_name(world: Any) -> None:
    rlo = Value(RLO)
    for model, field in (
        (Organisation, "name"),
        (Circle, "name"),
        (Role, "name"),
        (User, "name"),
        (PersonalAccessToken, "name"),
        (ProposalVersion, "title"),
        (Policy, "title"),
        (BacklogItem, "topic"),
    ):
        model.objects.update(**{field: Concat(rlo, F(field))})


def test_every_name_and_title_is_isolated_on_every_page(world):
    # given the permission matrix's objects, with every name and title starting with an override
    targets = build_targets(world)
    override_every_name(world)
    clients = _clients(world)
    found = {route.key: route for route in table.found_routes()}
    problems: dict[str, list[str]] = {}
    pages = 0
    logging.getLogger("django.request").disabled = True
    try:
        # when every page is read by a member of a circle and by the admin
        for route in table.ROUTES:
            if route.is_api or route.key not in found or "GET" not in route.methods:
                continue
            for target in targets[route.target]:
                url = _url(route, found[route.key], target)
                for persona in ("circle_member", "admin"):
                    response = _request(clients[persona], "GET", url)
                    if response.status_code != 200 or response.streaming:
                        continue
                    if "html" not in response.get("Content-Type", ""):
                        continue
                    html = response.content.decode()
                    if RLO not in html:
                        continue
                    pages += 1
                    checker = Checker()
                    checker.feed(html)
                    if checker.problems:
                        problems[f"{url} as {persona}"] = checker.problems
    finally:
        logging.getLogger("django.request").disabled = False
    # then the override is isolated wherever it is shown
    assert pages > 40, pages
    report = "\n".join(f"{url}:\n  " + "\n  ".join(p[:5]) for url, p in problems.items())
    assert not problems, f"{len(problems)} pages show a name or title not isolated:\n{report}"


def test_the_checker_sees_an_override_that_is_not_isolated():
    # The check itself: a bare override is caught; <bdi>, dir and isolate marks are not.
    checker = Checker()
    checker.feed(f"<p>Budget {RLO}2027 by <bdi>{RLO}Ana</bdi></p><p dir=auto>{RLO}x</p>")
    assert len(checker.problems) == 1
    checker = Checker()
    checker.feed(f'<title>{FSI}{RLO}Care{PDI} · Circlewise</title><a aria-label="{RLO}x">')
    assert len(checker.problems) == 1
