"""Soak: one server worker serving content it has never seen, for minutes, and its memory.

    python -m bench.soak                  # `make bench` and `make soak`: 60 s of warm-up, 4 minutes measured
    python -m bench.soak --quick          # `make soak-quick`: about a minute in all
    python -m bench.soak --warmup 30 --duration 120

Against the production server (granian, WSGI, one worker) on the tiny generated organisation
(bench/generate.py, SQLite in var/bench/tiny.sqlite3, as bench/run.py makes it), one client
repeats, as fast as the server answers: write a new proposal (2-40 kB of Markdown, never the same
text) through the API, present it, read its page and its API answer, read the organisation's feed
at an older position never asked for before, and read the circle's page (new after every change).
Every page is rendered afresh and lands in the caches: each in-process cache must stay within its
bound in bytes (docs/performance.md, "Memory").

The worker's resident memory (VmRSS) is read once the warm-up has filled the caches, and at the
end. Prints one line, then the details:

    soak: N requests, RSS start A MB, end B MB

The goal is an end within 1.5 times the start. Errors (any answer not 2xx or 3xx) are counted and
fail the run.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import sys
import time
from pathlib import Path
from typing import Any

from bench import run
from bench.run import ROOT, log, serving

WORDS = [
    "compost",
    "garden",
    "rota",
    "shed",
    "water",
    "tools",
    "meeting",
    "circle",
    "consent",
    "budget",
    "seeds",
    "harvest",
    "kitchen",
    "children",
    "roof",
    "solar",
    "bikes",
    "paths",
    "orchard",
    "bees",
    "chickens",
    "sauna",
    "workshop",
    "library",
    "laundry",
]


def _text(rng: random.Random, serial: int) -> str:
    """Markdown of 2-40 kB that no earlier request sent."""
    target = rng.randint(2_000, 40_000)
    parts = [f"# Proposal {serial}\n"]
    size = 0
    while size < target:
        words = " ".join(rng.choice(WORDS) for _ in range(rng.randint(8, 30)))
        line = rng.choice(
            [f"{words}.\n\n", f"- **{words}**\n", f"1. _{words}_\n", f"> {words}\n\n"]
        )
        parts.append(line)
        size += len(line)
    parts.append(f"\nSerial {serial}-{rng.random()}.\n")
    return "".join(parts)


def worker_rss_kb(pgid: int) -> dict[str, int]:
    """VmRSS (and RssAnon) in kB of each server worker: the processes of the server's group
    other than its leader."""
    found: dict[str, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            pid = int(stat.parent.name)
            if int(fields[2]) != pgid or pid == pgid:
                continue
            status = (stat.parent / "status").read_text()
        except (OSError, IndexError, ValueError):
            continue
        values = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
        found[str(pid)] = int(values["VmRSS"].split()[0])
        found[f"{pid}-anon"] = int(values.get("RssAnon", "0 kB").split()[0])
    return found


class Client:
    def __init__(self, port: int, cookie: str, token: str) -> None:
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.cookie, self.token = cookie, token
        self.requests = 0
        self.errors: dict[str, int] = {}

    def call(self, method: str, path: str, body: Any = None, *, api: bool = False) -> Any:
        headers = {"X-Forwarded-Proto": "https"}
        if api:
            headers["Authorization"] = f"Bearer {self.token}"
            headers["Content-Type"] = "application/json"
        else:
            headers["Cookie"] = self.cookie
        data = json.dumps(body).encode() if body is not None else None
        try:
            self.connection.request(method, path, body=data, headers=headers)
            response = self.connection.getresponse()
        except (http.client.HTTPException, OSError):
            # The server closed the kept-alive connection: open another and send it again.
            self.connection.close()
            self.connection.request(method, path, body=data, headers=headers)
            response = self.connection.getresponse()
        content = response.read()
        self.requests += 1
        if response.status >= 400:
            key = f"{method} {path.split('?')[0]} {response.status}"
            self.errors[key] = self.errors.get(key, 0) + 1
            return None
        if api and content:
            return json.loads(content)
        return content


def soak(args: argparse.Namespace) -> int:
    run.configure_environment("tiny")
    os.environ.pop("REDIS_URL", None)  # one worker, the in-memory cache: the case to bound
    sys.path.insert(0, str(ROOT))
    meta = run.prepare_database("tiny")
    cookie, _ = run.credentials(meta)
    from django.db import connection

    from circlewise.accounts.models import PersonalAccessToken, hash_token
    from circlewise.circles.models import CircleMembership

    # A circle of the viewer's, to propose in, and a token that may write.
    membership = (
        CircleMembership.objects.current()
        .filter(user_id=meta["viewer_id"], circle__organisation__slug=meta["org"])
        .select_related("circle__organisation")
        .order_by("circle__pk")
        .first()
    )
    assert membership is not None, "the generated viewer is in no circle"
    circle = membership.circle
    token = PersonalAccessToken.generate()
    PersonalAccessToken.objects.create(
        user_id=meta["viewer_id"], name="soak", token_hash=hash_token(token), hint=token[:8],
        scope=PersonalAccessToken.Scope.WRITE,
    )  # fmt: skip
    org, circle_id, circle_slug = meta["org"], circle.pk, circle.slug
    head = int(circle.organisation.ledger_sequence)
    connection.close()

    rng = random.Random(20_261_206)
    with serving("granian-wsgi", workers=1, threads=2) as (port, pgid):
        client = Client(port, cookie, token)
        serial = 0

        def round_of_requests() -> None:
            nonlocal serial
            serial += 1
            created = client.call(
                "POST",
                f"/api/v1/circles/{circle_id}/proposals",
                {
                    "title": f"Soak proposal {serial}",
                    "driver": f"Driver {serial}: {rng.choice(WORDS)}",
                    "text": _text(rng, serial),
                    "is_policy": False,
                },
                api=True,
            )
            if not created:
                return
            pid = created["id"]
            client.call("POST", f"/api/v1/proposals/{pid}/present", {}, api=True)
            client.call("GET", f"/o/{org}/proposals/{pid}/")
            client.call("GET", f"/api/v1/proposals/{pid}", api=True)
            client.call("GET", f"/o/{org}/feed/?before={rng.randint(2, head + 3 * serial)}")
            client.call("GET", f"/o/{org}/c/{circle_slug}/")

        log(f"soak: warming up for {args.warmup} s")
        until = time.monotonic() + args.warmup
        while time.monotonic() < until:
            round_of_requests()
        start = worker_rss_kb(pgid)
        counted = client.requests
        log(f"soak: measuring for {args.duration} s")
        until = time.monotonic() + args.duration
        samples: list[int] = []
        next_sample = time.monotonic()
        while time.monotonic() < until:
            round_of_requests()
            if time.monotonic() >= next_sample:
                samples.append(sum(v for k, v in worker_rss_kb(pgid).items() if "-" not in k))
                next_sample += max(1.0, args.duration / 20)
        end = worker_rss_kb(pgid)
        measured = client.requests - counted

    def mb(values: dict[str, int], anon: bool = False) -> float:
        return sum(v for k, v in values.items() if k.endswith("-anon") == anon) / 1024

    a, b = mb(start), mb(end)
    print(
        f"soak: {measured} requests, RSS start {a:.0f} MB, end {b:.0f} MB",
        flush=True,
    )
    log(
        f"  after {client.requests - measured} warm-up requests ({args.warmup} s), "
        f"{args.duration} s measured; anonymous memory {mb(start, True):.0f} -> "
        f"{mb(end, True):.0f} MB; RSS along the way (MB): "
        + ", ".join(f"{s / 1024:.0f}" for s in samples)
    )
    log(f"  end / start: {b / a:.2f} (goal: at most 1.50)")
    if client.errors:
        log(f"  errors: {client.errors}")
        return 1
    return 0


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="20 s of warm-up, 40 s measured")
    parser.add_argument("--warmup", type=int, help="seconds of warm-up (default 60)")
    parser.add_argument("--duration", type=int, help="seconds measured (default 240)")
    args = parser.parse_args()
    if args.warmup is None:
        args.warmup = 20 if args.quick else 60
    if args.duration is None:
        args.duration = 40 if args.quick else 240
    raise SystemExit(soak(args))


if __name__ == "__main__":
    main()
