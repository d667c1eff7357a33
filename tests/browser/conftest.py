"""A real Chromium against a real server, for the pages.

The server is a subprocess (granian serving config.asgi) on its own temporary SQLite file with the
demo organisation loaded, in plain development mode: pytest-django's live_server is not used
because it flushes the database with DELETE, which the ledger's append-only triggers refuse.

Chromium is Debian's (/usr/bin/chromium); axe-core is read from $AXE_PATH or var/axe/axe.min.js.
Without them the browser tests skip, unless CIRCLEWISE_REQUIRE_BROWSER=1 (CI), where they fail.
Locally: `apt-get install -y chromium`, then fetch axe-core once with
`mkdir -p var/axe && cd var/axe && npm pack axe-core@4 && tar xzf axe-core-*.tgz && cp package/axe.min.js .`
and run `CIRCLEWISE_TESTING=1 .venv/bin/pytest tests/browser -q` (or `-m browser`). Screenshots
land in /tmp/shots/. People sign in as the demo's (ada, chiara, kai, zoe: see circles/demo.py);
tests that change data each use their own circle, so they do not depend on the order they run in.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

BASE_DIR = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
PASSWORD = "circlewise-demo"
ORG = "riverbend"
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
SHOTS = Path("/tmp/shots")
# Generous on purpose: a shared CI machine can be slow, and a missing element still fails.
ACTION_TIMEOUT_MS = 10_000
NAVIGATION_TIMEOUT_MS = 30_000


def email(local: str) -> str:
    return f"{local}@riverbend.example"


def _required() -> bool:
    return os.environ.get("CIRCLEWISE_REQUIRE_BROWSER", "").strip() == "1"


def _unavailable(reason: str) -> None:
    if _required():
        pytest.fail(f"{reason} (CIRCLEWISE_REQUIRE_BROWSER=1)", pytrace=False)
    pytest.skip(reason)


def pytest_itemcollected(item: pytest.Item) -> None:
    # The browser tests run first (tests/conftest.py sorts them so), together in one process:
    # while Playwright's sync API is alive it runs an event loop in this thread, and Django
    # refuses ORM calls from other tests inside one. Its fixtures are the package's, so they end
    # (the browser closed, Playwright and the demo server stopped) after the last browser test,
    # and the process goes on with the rest. In a parallel run (pytest-xdist, --dist loadgroup)
    # they are one group, marked as each is collected (before xdist reads the groups), and
    # handed out first: one process drives the browser while the others take the rest.
    if item.get_closest_marker("browser") is not None:
        item.add_marker(pytest.mark.xdist_group("browser"))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    # A failing page test shows what the server said (tracebacks of 500s land in its log).
    report = yield
    if report.failed and _server_logs and _server_logs[-1].exists():
        tail = _server_logs[-1].read_text(errors="replace").splitlines()[-60:]
        if tail:
            report.sections.append(("server log (last 60 lines)", "\n".join(tail)))
    return report


_server_logs: list[Path] = []


# The server -----------------------------------------------------------------------------------


@dataclass
class Demo:
    """What the tests need to know about the demo data, read straight from the database file."""

    url: str
    db_path: Path
    circles: dict[str, str] = field(default_factory=dict)  # name -> slug
    # (circle slug, role name) -> role id
    roles: dict[tuple[str, str], int] = field(default_factory=dict)

    def org_url(self, path: str = "") -> str:
        return f"{self.url}/o/{ORG}/{path}"

    def circle_url(self, circle_name: str, path: str = "") -> str:
        return self.org_url(f"c/{self.circles[circle_name]}/{path}")

    def assign_url(self, circle_name: str, role_name: str) -> str:
        role_id = self.roles[(self.circles[circle_name], role_name)]
        return self.circle_url(circle_name, f"roles/{role_id}/assign/")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _server_env(db_path: Path) -> dict[str, str]:
    env = dict(os.environ)
    # Plain development mode on our own SQLite file, whatever the test run itself uses.
    for name in (
        "CIRCLEWISE_TESTING",
        "CIRCLEWISE_PRODUCTION",
        "DATABASE_URL",
        "REDIS_URL",
        "ALLOWED_HOSTS",
        "EMAIL_HOST",
    ):
        env.pop(name, None)
    env.update(
        SQLITE_PATH=str(db_path),
        DJANGO_SETTINGS_MODULE="config.settings",
        PYTHONUNBUFFERED="1",
        LOG_LEVEL="WARNING",
    )
    return env


def _read_demo(url: str, db_path: Path) -> Demo:
    demo = Demo(url=url, db_path=db_path)
    with contextlib.closing(sqlite3.connect(db_path)) as db:
        demo.circles = dict(db.execute("SELECT name, slug FROM circles_circle"))
        for slug, role_name, role_id in db.execute(
            "SELECT c.slug, r.name, r.id FROM circles_role r "
            "JOIN circles_circle c ON r.circle_id = c.id"
        ):
            demo.roles[(slug, role_name)] = role_id
    return demo


@pytest.fixture(scope="package")
def site() -> Iterator[Demo]:
    """A server with the demo organisation, for the whole browser run."""
    with tempfile.TemporaryDirectory(prefix="circlewise-browser-") as tmp:
        db_path = Path(tmp) / "db.sqlite3"
        env = _server_env(db_path)
        python = sys.executable
        # One process for both: each Django start costs a second or two on a busy machine.
        prepare = (
            "from django.core.management import call_command as c; "
            "c('migrate', verbosity=0); c('load_demo')"
        )
        done = subprocess.run(
            [python, "manage.py", "shell", "--no-imports", "-c", prepare],
            cwd=BASE_DIR,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        if done.returncode != 0:
            pytest.fail(f"migrate and load_demo failed:\n{done.stdout}\n{done.stderr}")
        port = _free_port()
        granian = Path(python).parent / "granian"
        log_path = Path(tmp) / "server.log"
        _server_logs.append(log_path)
        with open(log_path, "w") as log:
            server = subprocess.Popen(
                [str(granian), "--interface", "asgi", "--host", "127.0.0.1", "--port", str(port),
                 "--workers", "1", "config.asgi:application"],
                cwd=BASE_DIR,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group, so its workers stop with it
            )  # fmt: skip
        url = f"http://127.0.0.1:{port}"
        try:
            _wait_until_up(url, server, log_path)
            yield _read_demo(url, db_path)
        finally:
            _stop(server)


def _wait_until_up(url: str, server: subprocess.Popen[bytes], log_path: Path) -> None:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"The server stopped at start:\n{log_path.read_text()}")
        try:
            with urllib.request.urlopen(f"{url}/accounts/login/", timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.2)
    _stop(server)
    pytest.fail(f"The server did not answer within 90 seconds:\n{log_path.read_text()}")


def _stop(server: subprocess.Popen[bytes]) -> None:
    if server.poll() is not None:
        return
    try:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=10)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(server.pid, signal.SIGKILL)
        server.wait(timeout=5)


# The browser ----------------------------------------------------------------------------------


@pytest.fixture(scope="package")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        _unavailable(f"Chromium is not installed at {CHROMIUM} (apt-get install -y chromium)")
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=ACTION_TIMEOUT_MS)
    playwright = sync_playwright().start()
    try:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()
    finally:
        playwright.stop()


@pytest.fixture(scope="package")
def axe_source() -> str:
    candidates = [os.environ.get("AXE_PATH", ""), str(BASE_DIR / "var" / "axe" / "axe.min.js")]
    for candidate in candidates:
        if candidate and Path(candidate).is_file():
            return Path(candidate).read_text()
    _unavailable(
        "axe-core not found at $AXE_PATH or var/axe/axe.min.js "
        "(cd var/axe && npm pack axe-core@4 && tar xzf axe-core-*.tgz && cp package/axe.min.js .)"
    )
    raise AssertionError("unreachable")


def sign_in(page: Any, site: Demo, local: str, password: str = PASSWORD) -> None:
    """Sign in through the real form, as a person would."""
    page.goto(f"{site.url}/accounts/login/")
    page.get_by_label(re.compile(r"e-?mail", re.I)).fill(email(local))
    page.get_by_label(re.compile(r"^password", re.I)).fill(password)
    page.get_by_role("button", name=re.compile(r"sign in|log in", re.I)).click()
    page.wait_for_load_state()


@pytest.fixture(scope="package")
def _signed_in_states(
    browser: Any, site: Demo, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, str]:
    return {}  # person -> storage state file, filled on first use


@pytest.fixture
def open_page(
    browser: Any,
    site: Demo,
    _signed_in_states: dict[str, str],
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Callable[..., Any]]:
    """open_page(as_="ada", viewport=DESKTOP) -> a fresh page, signed in once per person per run.

    Every page gets its own browser context, created with bypass_csp so that axe-core can be
    injected into pages whose CSP forbids inline scripts (bypass_csp=False keeps the CSP).
    """
    contexts: list[Any] = []

    def open_(
        as_: str | None = None,
        viewport: dict[str, int] = DESKTOP,
        *,
        bypass_csp: bool = True,
        color_scheme: str = "light",
    ) -> Any:
        state = None
        if as_ is not None:
            if as_ not in _signed_in_states:
                context = browser.new_context(bypass_csp=True)
                context.set_default_timeout(NAVIGATION_TIMEOUT_MS)
                page = context.new_page()
                sign_in(page, site, as_)
                if "/accounts/login/" in page.url:
                    context.close()
                    pytest.fail(f"{as_} could not sign in")
                path = tmp_path_factory.mktemp("state") / f"{as_}.json"
                context.storage_state(path=str(path))
                context.close()
                _signed_in_states[as_] = str(path)
            state = _signed_in_states[as_]
        context = browser.new_context(
            bypass_csp=bypass_csp,
            viewport=viewport,
            storage_state=state,
            color_scheme=color_scheme,
        )
        context.set_default_timeout(ACTION_TIMEOUT_MS)
        context.set_default_navigation_timeout(NAVIGATION_TIMEOUT_MS)
        contexts.append(context)
        return context.new_page()

    yield open_
    for context in contexts:
        context.close()


# Checks ----------------------------------------------------------------------------------------


def screenshot(page: Any, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def axe_violations(page: Any, axe_source: str) -> list[dict[str, Any]]:
    """axe-core's serious and critical violations on the page as it is now."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(content=axe_source)
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [v for v in result["violations"] if v.get("impact") in ("serious", "critical")]


def describe_violations(violations: list[dict[str, Any]]) -> str:
    lines = []
    for v in violations:
        lines.append(f"[{v['impact']}] {v['id']}: {v['help']} ({v['helpUrl']})")
        for node in v["nodes"][:6]:
            lines.append(f"    at {', '.join(map(str, node['target']))}")
            lines.append(f"       {node['html'][:160]}")
            summary = (node.get("failureSummary") or "").replace("\n", " ")
            if summary:
                lines.append(f"       {summary[:300]}")
        if len(v["nodes"]) > 6:
            lines.append(f"    ... and {len(v['nodes']) - 6} more")
    return "\n".join(lines)


def role_row(page: Any, role_name: str) -> str:
    """The text of a role's entry in the circle page's Roles section: its name, holder and term."""
    roles = page.get_by_role("region", name="Roles")
    row = roles.get_by_role("listitem").filter(
        has=page.get_by_role("link", name=role_name, exact=True)
    )
    count = row.count()
    assert count == 1, f"{count} entries for the role {role_name!r} under Roles"
    return str(row.inner_text())


def focus_ring(page: Any) -> dict[str, Any]:
    """What is focused now and whether it shows a focus ring (an outline or a box shadow)."""
    return page.evaluate(
        """() => {
            const el = document.activeElement;
            if (!el || el === document.body) return {tag: 'body', ring: false};
            const style = getComputedStyle(el);
            const outline = style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0;
            const shadow = style.boxShadow && style.boxShadow !== 'none';
            const nav = el.closest('nav');
            return {
                tag: el.tagName.toLowerCase(),
                name: (el.getAttribute('aria-label') || el.innerText || el.value || '')
                    .trim().slice(0, 60),
                href: el.getAttribute('href'),
                type: el.getAttribute('type'),
                svg: el.closest('svg') !== null,
                nav: nav ? (nav.getAttribute('aria-label') || 'navigation') : null,
                primary: el.classList.contains('button-primary'),
                ring: outline || Boolean(shadow),
                outline: `${style.outlineStyle} ${style.outlineWidth} ${style.outlineColor}`,
            };
        }"""
    )


NATIVE_PARTS = ("date", "time", "datetime-local", "month", "week")


def focus_is_visible(page: Any) -> bool:
    """Whether the focused element shows that it has the focus.

    An outline or a box shadow counts. Two cases the computed style cannot tell: Chromium moves
    the focus of a date or time field through its own parts (day, month, year, the calendar
    button) and draws the indicator on the part, so those count; an SVG link in the chart shows
    its ring on the shapes inside it, so there the pixels must change when it loses the focus.
    """
    now = focus_ring(page)
    if now["ring"]:
        return True
    if now["tag"] == "input" and now["type"] in NATIVE_PARTS:
        return True
    if not now["svg"]:
        return False
    element = page.evaluate_handle("() => document.activeElement")
    box = element.bounding_box()
    if not box:
        return False
    pad = 8
    clip = {
        "x": max(box["x"] - pad, 0),
        "y": max(box["y"] - pad, 0),
        "width": box["width"] + 2 * pad,
        "height": box["height"] + 2 * pad,
    }
    focused = page.screenshot(clip=clip)
    page.evaluate("(el) => el.blur()", element)
    blurred = page.screenshot(clip=clip)
    page.evaluate("(el) => el.focus()", element)
    return bool(focused != blurred)


def tab_through(page: Any, stops: int = 60) -> list[dict[str, Any]]:
    """Press Tab until the focus leaves the page (or `stops` times): what was focused at each stop,
    with "visible" telling whether the focus could be seen."""
    seen: list[dict[str, Any]] = []
    for _ in range(stops):
        page.keyboard.press("Tab")
        now = focus_ring(page)
        if now["tag"] == "body" and seen:
            break
        now["visible"] = focus_is_visible(page)
        seen.append(now)
    return seen
