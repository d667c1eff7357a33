"""Exports of the ledger as JSON lines, and checking them away from the database."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from asgiref.sync import async_to_sync
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import AsyncClient, Client
from django.urls import reverse

from circlewise.accounts import services as account_services
from circlewise.core import chain, export
from circlewise.core.models import GENESIS_HASH, LedgerEvent

from .. import factories as f

CHAIN_PY = Path(chain.__file__)


def _bearer(user, scope="read"):
    _, raw = account_services.create_token(user=user, name="export", scope=scope)
    return {"Authorization": f"Bearer {raw}"}


def _download(response) -> list[str]:
    assert response.status_code == 200, response.content[:300]
    assert response.streaming
    assert response["Content-Type"].startswith("application/jsonl")
    return b"".join(response.streaming_content).decode("utf-8").splitlines(keepends=True)


def _api_export(client: Client, user, what: str = "ledger") -> list[str]:
    return _download(
        client.get(f"/api/v1/organisations/willow/{what}/export", headers=_bearer(user))
    )


def _events(lines: list[str]) -> list[dict]:
    return [json.loads(line) for line in lines[1:]]


def _write(tmp_path: Path, lines: list[str], name: str = "export.jsonl") -> Path:
    path = tmp_path / name
    path.write_text("".join(lines), encoding="utf-8", newline="\n")
    return path


def test_an_admins_export_is_the_whole_chain_and_checks_out_offline(world, client):
    # given Willow's chain, with events in the private Care circle the admin is not in
    care_sequences = set(
        LedgerEvent.objects.filter(circle=world.care).values_list("sequence", flat=True)
    )
    assert care_sequences
    world.org.refresh_from_db()
    # when an admin exports it through the API
    lines = _api_export(client, world.admin)
    # then every event is there in order, from the genesis hash to the head
    header = json.loads(lines[0])
    assert header["export"] == "circlewise-ledger"
    assert header["scope"] == "organisation"
    assert header["up_to_sequence"] == world.org.ledger_sequence
    assert header["head"] == world.org.ledger_head
    events = _events(lines)
    assert [e["sequence"] for e in events] == list(range(1, world.org.ledger_sequence + 1))
    assert events[0]["prev_hash"] == GENESIS_HASH
    # Care's events are sealed: their place and hashes, none of their content
    sealed = {e["sequence"] for e in events if e.get("sealed")}
    assert sealed == care_sequences
    assert all(set(e) == chain.SEALED_KEYS for e in events if e.get("sealed"))
    assert "Care" not in "".join(lines)
    # and the export checks out without the database
    report = chain.verify_export(lines)
    assert report.ok, report.summary()
    assert (report.events, report.sealed) == (world.org.ledger_sequence, len(care_sequences))
    assert report.head == world.org.ledger_head


def test_an_operators_export_holds_every_event_open(world, tmp_path):
    # given Willow's chain
    world.org.refresh_from_db()
    out = tmp_path / "willow.jsonl"
    # when the people who run the server export it
    call_command("export_ledger", organisation="willow", output=str(out))
    # then nothing is sealed, and every line is the event as the database holds it
    lines = out.read_text(encoding="utf-8").splitlines(keepends=True)
    events = _events(lines)
    assert not any(e.get("sealed") for e in events)
    stored = {e.sequence: e for e in LedgerEvent.objects.filter(organisation=world.org)}
    for event in events:
        row = stored[event["sequence"]]
        assert (event["verb"], event["payload"], event["hash"]) == (row.verb, row.payload, row.hash)
        assert chain.event_hash(event) == row.computed_hash() == row.hash
    assert chain.verify_export(lines).ok


def test_a_members_export_holds_the_events_of_their_feed_and_no_others(world, client):
    # given Willow's feed as Mo (in no circle) and as Cy (in Care) see it
    feed_of = {
        persona: sorted(
            export._visible_to(getattr(world, persona), world.org).values_list(
                "sequence", flat=True
            )
        )
        for persona in ("member", "circle_member")
    }
    # when each exports what they may see, through the page and the API
    client.force_login(world.member)
    mo = _download(client.get(reverse("circles:feed_export", args=["willow"])))
    cy = _api_export(Client(), world.circle_member, what="feed")
    # then each holds their feed's events with payloads and hashes, in order
    assert [e["sequence"] for e in _events(mo)] == feed_of["member"]
    assert [e["sequence"] for e in _events(cy)] == feed_of["circle_member"]
    assert json.loads(mo[0])["scope"] == "member"
    assert "head" not in json.loads(mo[0])
    # Mo's holds nothing of Care; Cy's holds Care's events
    care = set(LedgerEvent.objects.filter(circle=world.care).values_list("sequence", flat=True))
    assert not care & {e["sequence"] for e in _events(mo)}
    assert care <= {e["sequence"] for e in _events(cy)}
    assert "Care" not in "".join(mo)
    # and each checks out: every event against its hash, links where they are consecutive
    report = chain.verify_export(mo)
    assert report.ok, report.summary()
    assert report.missing == json.loads(mo[0])["up_to_sequence"] - len(feed_of["member"])
    assert "each matches its hash" in report.summary()


@pytest.mark.parametrize(
    ("who", "what", "status"),
    [
        ("outsider", "ledger", 404),
        ("outsider", "feed", 404),
        ("removed", "feed", 404),
        ("member", "ledger", 403),
        ("circle_member", "ledger", 403),
    ],
)
def test_exports_are_refused_to_those_who_may_not_have_them(world, client, who, what, status):
    # given a person outside Willow, or a member who is not an admin
    person = getattr(world, who)
    # when they ask for an export through the API and through the page
    api = client.get(f"/api/v1/organisations/willow/{what}/export", headers=_bearer(person))
    client.force_login(person)
    name = "circles:ledger_export" if what == "ledger" else "circles:feed_export"
    page = client.get(reverse(name, args=["willow"]))
    # then both refuse, and the API says why in JSON
    assert api.status_code == status
    assert api["Content-Type"].startswith("application/json")
    assert page.status_code == status


def test_an_export_ends_at_the_head_as_it_was_when_it_began(world):
    # given an export that has begun
    world.org.refresh_from_db()
    before = world.org.ledger_sequence
    lines = export.export_lines(world.org, scope=export.WHOLE_CHAIN, viewer=world.admin)
    first = next(lines)
    # when the organisation changes while it streams
    f.make_circle(world.org, "Kitchen", parent=world.general)
    rest = list(lines)
    # then it ends where it began, and holds
    assert json.loads(first)["up_to_sequence"] == before
    assert json.loads(rest[-1])["sequence"] == before
    assert chain.verify_export([first, *rest]).ok


def test_an_export_is_streamed_in_chunks_under_asgi_too(world, client, monkeypatch):
    # given a chain longer than one chunk of the stream
    monkeypatch.setattr(export, "BYTES_PER_CHUNK", 1024)
    client.force_login(world.admin)
    url = reverse("circles:ledger_export", args=["willow"])
    over_wsgi = _download(client.get(url))
    # when the same export is asked for through Django's ASGI handler
    async_client = AsyncClient()
    async_client.force_login(world.admin)

    async def fetch():
        response = await async_client.get(url)
        chunks = [chunk async for chunk in response.streaming_content]
        return response, chunks

    response, chunks = async_to_sync(fetch)()
    # then it is streamed chunk by chunk (never read into one list first), with the same lines
    assert response.is_async
    assert len(chunks) > 1
    assert max(len(c) for c in chunks) < 2 * 1024
    body = b"".join(chunks).decode("utf-8").splitlines(keepends=True)
    assert body[1:] == over_wsgi[1:]
    assert chain.verify_export(body).ok


def _tamper(lines: list[str], how: str) -> tuple[list[str], int]:
    """The export changed in one way, and the number of the first line that no longer holds."""
    lines = list(lines)
    events = _events(lines)
    n = 5  # line 6 holds sequence 5
    if how == "payload":
        event = events[n - 1]
        event["payload"] = {**event["payload"], "name": "Forged"}
        lines[n] = chain.canonical_json(event) + "\n"
        return lines, n + 1
    if how == "payload rehashed":
        # A forger recomputes the event's own hash: the next event's link gives it away.
        event = events[n - 1]
        event["payload"] = {**event["payload"], "name": "Forged"}
        event["hash"] = chain.event_hash(event)
        lines[n] = chain.canonical_json(event) + "\n"
        return lines, n + 2
    if how == "deleted":
        del lines[n]
        return lines, n + 1
    if how == "swapped":
        lines[n], lines[n + 1] = lines[n + 1], lines[n]
        return lines, n + 1
    if how == "extra field":
        event = events[n - 1]
        event["note"] = "approved by everyone"
        lines[n] = chain.canonical_json(event) + "\n"
        return lines, n + 1
    if how == "sealed with content":
        event = events[n - 1]
        event["sealed"] = True
        lines[n] = chain.canonical_json(event) + "\n"
        return lines, n + 1
    if how == "truncated":
        return lines[:-2], len(lines) - 1
    if how == "not json":
        lines[n] = lines[n][:-5] + "\n"
        return lines, n + 1
    raise AssertionError(how)


TAMPERINGS = (
    "payload",
    "payload rehashed",
    "deleted",
    "swapped",
    "extra field",
    "sealed with content",
    "truncated",
    "not json",
)


@pytest.mark.parametrize("how", TAMPERINGS)
def test_a_tampered_export_is_named_at_its_first_bad_line(world, client, tmp_path, how):
    # given an intact export of the whole chain
    lines = _api_export(client, world.admin)
    assert chain.verify_export(lines).ok
    # when it is changed
    tampered, bad_line = _tamper(lines, how)
    path = _write(tmp_path, tampered)
    # then the check names the first line that does not hold, here and on the command line
    report = chain.verify_export(tampered)
    assert not report.ok
    assert report.bad_line == bad_line, report.summary()
    with pytest.raises(CommandError) as excinfo:
        call_command("verify_ledger", file=str(path))
    assert excinfo.value.returncode == 1
    assert f"first bad line {bad_line}" in str(excinfo.value)


def test_the_standalone_verifier_needs_nothing_but_python(world, client, tmp_path):
    # given an intact export and a tampered one
    lines = _api_export(client, world.admin)
    intact = _write(tmp_path, lines, "intact.jsonl")
    tampered_lines, bad_line = _tamper(lines, "payload")
    tampered = _write(tmp_path, tampered_lines, "tampered.jsonl")
    # and the verifier copied on its own, as the site offers it for download
    script = tmp_path / "verify_ledger_export.py"
    script.write_bytes(Client().get(reverse("ledger_verifier")).content)
    assert script.read_bytes() == CHAIN_PY.read_bytes()

    def run(path: Path) -> subprocess.CompletedProcess[str]:
        # -I -S: no site-packages (so no Django), no environment, no current directory.
        return subprocess.run(
            [sys.executable, "-I", "-S", str(script), str(path)],
            capture_output=True,
            text=True,
            cwd=tmp_path,
            check=False,
        )

    # when it checks both
    good, bad = run(intact), run(tampered)
    # then the intact one holds and the tampered one is named at its first bad line
    assert good.returncode == 0, good.stderr
    assert good.stdout.startswith("ok: willow: the whole chain")
    assert bad.returncode == 1
    assert f"line {bad_line} " in bad.stderr
    assert "content does not match its hash" in bad.stderr


def test_checking_an_export_reads_no_database(world, client, tmp_path, django_assert_num_queries):
    # given an export on disk
    path = _write(tmp_path, _api_export(client, world.admin))
    # when the command checks it
    with django_assert_num_queries(0):
        call_command("verify_ledger", file=str(path))


def test_the_verifier_refuses_what_is_not_an_export(tmp_path):
    # given a file of JSON that is not an export, and an empty one
    not_export = _write(tmp_path, ['{"hello": "world"}\n'], "other.jsonl")
    empty = _write(tmp_path, [], "empty.jsonl")
    # when each is checked
    # then each is refused at line 1
    for path in (not_export, empty):
        report = chain.verify_export_file(str(path))
        assert (report.ok, report.bad_line) == (False, 1)


def test_the_ledger_page_offers_the_export_and_the_verifier(world, client):
    # given an admin on the ledger page, and a member on the activity page
    client.force_login(world.admin)
    ledger = client.get(reverse("circles:ledger", args=["willow"])).content.decode()
    member = Client()
    member.force_login(world.member)
    activity = member.get(reverse("circles:org_feed", args=["willow"])).content.decode()
    # then each links to its own export and to the verifier
    assert reverse("circles:ledger_export", args=["willow"]) in ledger
    assert reverse("circles:feed_export", args=["willow"]) in activity
    assert reverse("circles:ledger_export", args=["willow"]) not in activity
    for page in (ledger, activity):
        assert reverse("ledger_verifier") in page
