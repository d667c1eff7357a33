"""A consent round reaches a member by email, and she objects from it.

Its own demo server (as tests/browser/conftest.py starts one) sends its mail through a real SMTP
server on loopback (aiosmtpd), with its task worker (`manage.py db_worker`) sending the emails
queued after each change, as in production. Quinn opens a round on a proposal of the Solar Roof
Project; Priya's email has "Consent" and "Object" buttons; she follows "Object", the page has
the objection chosen but records nothing until she confirms with her reason; then Quinn sees her
objection in the round.
"""

from __future__ import annotations

import email
import email.policy
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from playwright.sync_api import expect

from .conftest import (
    BASE_DIR,
    _free_port,
    _read_demo,
    _server_env,
    _stop,
    _wait_until_up,
    screenshot,
    sign_in,
)
from .test_consent_flow import open_round

pytestmark = pytest.mark.browser

TITLE = "Gutter cleaning rota (browser consent email)"
REASON = "The gutters are above the solar panels: cleaning them needs a harness we do not have."


class Inbox:
    def __init__(self) -> None:
        self.messages: list[email.message.EmailMessage] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.messages.append(message)  # type: ignore[arg-type]
        return "250 OK"

    def wait_for(self, to: str, subject: str, timeout: float = 60) -> Any:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for m in self.messages:
                if to in str(m["To"]) and subject in str(m["Subject"]):
                    return m
            time.sleep(0.2)
        seen = [(str(m["To"]), str(m["Subject"])) for m in self.messages]
        pytest.fail(f"no email to {to} about {subject!r} within {timeout} s; seen: {seen}")


@pytest.fixture(scope="module")
def mail_site() -> Iterator[tuple[Any, Inbox]]:
    inbox = Inbox()
    smtp = Controller(inbox, hostname="127.0.0.1", port=_free_port())
    smtp.start()
    with tempfile.TemporaryDirectory(prefix="circlewise-mail-") as tmp:
        db_path = Path(tmp) / "db.sqlite3"
        port = _free_port()
        url = f"http://127.0.0.1:{port}"
        env = _server_env(db_path)
        env.update(
            EMAIL_HOST="127.0.0.1", EMAIL_PORT=str(smtp.port), SITE_URL=url,
            DEFAULT_FROM_EMAIL="Circlewise <circlewise@riverbend.example>",
        )  # fmt: skip
        prepare = (
            "from django.core.management import call_command as c; "
            "c('migrate', verbosity=0); c('load_demo')"
        )
        done = subprocess.run(
            [sys.executable, "manage.py", "shell", "--no-imports", "-c", prepare],
            cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=300,
        )  # fmt: skip
        if done.returncode != 0:
            pytest.fail(f"migrate and load_demo failed:\n{done.stdout}\n{done.stderr}")
        granian = Path(sys.executable).parent / "granian"
        log_path = Path(tmp) / "server.log"
        with open(log_path, "w") as log:
            server = subprocess.Popen(
                [str(granian), "--interface", "asgi", "--host", "127.0.0.1", "--port", str(port),
                 "--workers", "1", "config.asgi:application"],
                cwd=BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True,
            )  # fmt: skip
            worker = subprocess.Popen(
                [sys.executable, "manage.py", "db_worker", "--no-reload", "--interval", "0.2"],
                cwd=BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True,
            )  # fmt: skip
        try:
            _wait_until_up(url, server, log_path)
            yield _read_demo(url, db_path), inbox
        finally:
            _stop(worker)
            _stop(server)
            smtp.stop()


def test_a_member_objects_from_the_consent_email_and_the_facilitator_sees_it(browser, mail_site):
    site, inbox = mail_site

    def page_as(person: str) -> Any:
        context = browser.new_context()
        context.set_default_timeout(15_000)
        page = context.new_page()
        sign_in(page, site, person)
        return page

    # given Sam's proposal in the Solar Roof Project, taken to the consent round by Quinn
    sam = page_as("sam")
    sam.goto(site.circle_url("Solar Roof Project", "proposals/new/"))
    sam.get_by_label(re.compile(r"^Title")).fill(TITLE)
    sam.get_by_label(re.compile(r"^Driver")).fill("Leaves block the gutters every autumn.")
    sam.get_by_label(re.compile(r"^Proposal")).fill("We clean the gutters in November, in pairs.")
    sam.get_by_role("button", name="Save the draft").click()
    sam.get_by_role("button", name="Present to the circle").click()
    proposal_url = sam.url.split("#")[0].split("?")[0]
    quinn = page_as("quinn")
    quinn.goto(proposal_url)
    quinn.locator("#now").get_by_role("button", name="Move on to reactions").click()
    quinn.locator("#now").get_by_role("button", name="Move on to synthesis").click()
    open_round(quinn, proposal_url)

    # when Priya's email about the round arrives, with its two buttons
    mail = inbox.wait_for("priya@riverbend.example", TITLE)
    html = mail.get_body(preferencelist=("html",)).get_content()
    text = mail.get_body(preferencelist=("plain",)).get_content().replace("\r\n", "\n")
    links = dict(re.findall(r"^(Consent|Object): (\S+)$", text, re.M))
    assert set(links) == {"Consent", "Object"} and links["Object"] in html
    assert links["Object"].startswith(site.url) and "?answer=object" in links["Object"]

    # and she follows "Object": the page has it chosen, and nothing is recorded yet
    priya = page_as("priya")
    priya.goto(links["Object"])
    round_ = priya.locator("#consent-round")
    expect(round_.get_by_label("Objection", exact=True)).to_be_checked()
    screenshot(priya, "consent-email-object")
    quinn.goto(proposal_url)
    expect(quinn.locator("#consent-round")).not_to_contain_text("objected")

    # and she confirms with her reason
    round_.get_by_label("Reason", exact=True).fill(REASON)
    round_.get_by_role("button", name="Give my answer").click()
    expect(round_).to_contain_text("Your answer is recorded")

    # then Quinn sees her objection in the round
    quinn.goto(proposal_url)
    expect(quinn.locator("#consent-round")).to_contain_text("objected")
    expect(quinn.locator("#consent-round")).to_contain_text("Priya Shah")
