"""A mixed load: many people, each on their own pages, while the organisation keeps changing.

    python -m bench.mixed --size full                 # part of `make bench`: 1,000 people, 30 s
    python -m bench.mixed --size quick --duration 10  # part of `make bench-quick`
    python -m bench.mixed --size full --people 1000 --writes 5 --duration 30

`bench.run` measures each page as one viewer asking for one URL, so every request after the first
is served from the cache. People do not meet that: each sees their own pages, and every change to
the organisation (an answer, a question) moves its ledger version, after which every page of it
is rendered afresh. Here, against the production server (granian, WSGI, one worker per core) on
the organisation `bench.run` generated:

- `--people` distinct members (1,000 by default), each signed in with a session of their own,
  ask in turn for their organisation's home, the page of a circle they are in, the assembly's
  proposal in its consent round and its decision record; 32 connections (`--connections`) share
  the rotation, each taking the next person's next page as soon as its last answer is in;
- meanwhile `--writes` changes per second (5 by default) arrive at a steady rate through the API:
  clarifying questions asked, in turn, on proposals in several circles (made and presented before
  the clock starts), each one a ledger event of the organisation.

Before it, the bare view (`/-/ping/`) under the same server with `bench.run`'s load (h2load, 32
connections) is the ceiling. Prints one line, then the details:

    mixed: R req/s, p99 B ms, hit rate H%, S% of ceiling

R counts page requests only (not the writes); the hit rate is the share of page requests served
whole from the cache (the server counts them: `bench/counted_wsgi.py`). The load comes from a
Python client (asyncio, in its own process, on the same cores), which costs the server some CPU:
the share of the ceiling is if anything understated. Goals: at least 10% of the ceiling, p99
under 100 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import shutil
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from bench import run
from bench.run import ROOT, SERVERS, log, percentile, serving

COUNTS_DIR = ROOT / "var" / "bench" / "counts"
WRITER_CIRCLES = 8


def sessions_for(meta: dict[str, Any], people: int) -> list[tuple[str, str]]:
    """`people` members of the organisation, each in a circle: (session cookie, circle slug)."""
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.utils.crypto import get_random_string

    from circlewise.accounts.models import User
    from circlewise.circles.models import CircleMembership

    circle_of: dict[int, str] = {}
    rows = (
        CircleMembership.objects.current()
        .filter(circle__organisation__slug=meta["org"], circle__archived_at__isnull=True)
        .exclude(circle__visibility="private")
        .order_by("user_id", "circle_id")
        .values_list("user_id", "circle__slug")
    )
    for user_id, slug in rows:
        circle_of.setdefault(user_id, slug)
        if len(circle_of) >= people:
            break
    store = import_module(settings.SESSION_ENGINE).SessionStore
    found = []
    for user in User.objects.filter(pk__in=circle_of).order_by("pk"):
        session = store()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = "circlewise.accounts.backends.ModelBackend"
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.save()
        cookie = (
            f"{settings.SESSION_COOKIE_NAME}={session.session_key}; "
            f"{settings.CSRF_COOKIE_NAME}={get_random_string(32)}"
        )
        found.append((cookie, circle_of[user.pk]))
    return found


def writers_for(meta: dict[str, Any]) -> list[tuple[str, int]]:
    """Write tokens of members of `WRITER_CIRCLES` circles: (token, circle id)."""
    from circlewise.accounts.models import PersonalAccessToken, hash_token
    from circlewise.circles.models import Circle, CircleMembership

    circles = list(
        Circle.objects.filter(organisation__slug=meta["org"], archived_at__isnull=True)
        .exclude(visibility="private")
        .order_by("pk")[:WRITER_CIRCLES]
    )
    found = []
    for circle in circles:
        membership = CircleMembership.objects.current().filter(circle=circle).first()
        if membership is None:
            continue
        raw = PersonalAccessToken.generate()
        PersonalAccessToken.objects.create(
            user_id=membership.user_id, name="mixed", token_hash=hash_token(raw), hint=raw[:8],
            scope=PersonalAccessToken.Scope.WRITE,
        )  # fmt: skip
        found.append((raw, circle.pk))
    return found


def api(port: int, token: str, path: str, body: dict[str, Any]) -> tuple[int, Any]:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}{path}",
        data=json.dumps(body).encode(),
        method="POST",
        headers={
            "X-Forwarded-Proto": "https",
            "Authorization": f"Bearer {token}",
            "Content-Type": "application/json",
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return int(response.status), json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        return int(error.code), None
    except OSError:  # timed out or refused: counted as an error, never the end of the run
        return 0, None


class Writer(threading.Thread):
    """Clarifying questions at a steady rate, in turn on one proposal per writer circle."""

    def __init__(self, port: int, writers: list[tuple[str, int]], rate: float) -> None:
        super().__init__(daemon=True)
        self.port, self.rate = port, rate
        self.targets: list[tuple[str, int]] = []
        for serial, (token, circle_id) in enumerate(writers):
            status, made = api(port, token, f"/api/v1/circles/{circle_id}/proposals", {
                "title": f"Mixed load {serial}", "driver": "Questions arrive while people read.",
                "text": "A proposal that people ask about.", "is_policy": False,
            })  # fmt: skip
            if status != 201:
                raise SystemExit(f"mixed: could not make a proposal (HTTP {status})")
            status, _ = api(port, token, f"/api/v1/proposals/{made['id']}/present", {})
            if status != 200:
                raise SystemExit(f"mixed: could not present a proposal (HTTP {status})")
            self.targets.append((token, made["id"]))
        self.stop = threading.Event()
        self.done = 0
        self.errors: dict[int, int] = {}
        self.latencies: list[float] = []

    def run(self) -> None:
        serial, start = 0, time.monotonic()
        while not self.stop.is_set():
            token, proposal = self.targets[serial % len(self.targets)]
            began = time.monotonic()
            status, _ = api(self.port, token, f"/api/v1/proposals/{proposal}/questions", {
                "text": f"Question {serial}: what does it change for us?",
            })  # fmt: skip
            self.latencies.append((time.monotonic() - began) * 1000)
            if status == 201:
                self.done += 1
            else:
                self.errors[status] = self.errors.get(status, 0) + 1
            serial += 1
            # A steady rate: the next write is due at start + serial / rate, however long this took.
            self.stop.wait(max(0.0, start + serial / self.rate - time.monotonic()))


async def _get(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, path: str, cookie: str
) -> int:
    writer.write(
        f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Forwarded-Proto: https\r\n"
        f"Cookie: {cookie}\r\n\r\n".encode()
    )
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    length = 0
    for row in head.split(b"\r\n"):
        if row[:15].lower() == b"content-length:":
            length = int(row[15:])
    if length:
        await reader.readexactly(length)
    return status


async def _load(
    port: int, rotation: list[tuple[str, str]], connections: int, seconds: float, measured: float
) -> dict[str, Any]:
    """`connections` kept-alive connections taking the rotation's next request in turn; the
    latencies of the last `measured` seconds."""
    position = 0
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    started = time.monotonic()
    measure_from = started + seconds - measured
    end = started + seconds

    async def connection() -> None:
        nonlocal position
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        while (now := time.monotonic()) < end:
            path, cookie = rotation[position % len(rotation)]
            position += 1
            status = await _get(reader, writer, path, cookie)
            if now >= measure_from:
                latencies.append((time.monotonic() - now) * 1000)
                statuses[status] = statuses.get(status, 0) + 1
        writer.close()

    await asyncio.gather(*(connection() for _ in range(connections)))
    return {"latencies": sorted(latencies), "statuses": statuses}


def load_process(
    port: int, rotation: list[tuple[str, str]], args: argparse.Namespace, out: Path
) -> None:
    data = asyncio.run(
        _load(port, rotation, args.connections, args.warmup + args.duration, args.duration)
    )
    out.write_text(json.dumps(data))


def read_counts() -> dict[str, int]:
    total = {"pages": 0, "rendered": 0, "fragments": 0, "fragments_rendered": 0}
    for path in COUNTS_DIR.glob("*.json"):
        with contextlib.suppress(OSError, ValueError):
            for k, v in json.loads(path.read_text()).items():
                total[k] += v
    return total


def fresh_copy() -> None:
    """On SQLite, the load writes to a copy of the generated organisation, made afresh each run:
    the organisation that `bench.run` measures stays as it was generated."""
    from django.db import connection

    if "SQLITE_PATH" not in os.environ or connection.vendor != "sqlite":
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    connection.close()
    source = Path(os.environ["SQLITE_PATH"])
    copy = source.with_name(f"{source.stem}-mixed.sqlite3")
    for suffix in ("-wal", "-shm"):
        Path(f"{copy}{suffix}").unlink(missing_ok=True)
    shutil.copyfile(source, copy)
    os.environ["SQLITE_PATH"] = str(copy)  # for the server's processes
    connection.settings_dict["NAME"] = str(copy)


def rotation_for(meta: dict[str, Any], people: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Every person's four pages, in four rounds through everyone: in each round person j asks
    for their page (j + round) mod 4, so that any stretch of the load mixes the four kinds of page
    evenly, and one person's requests come a round apart, as from someone reading."""
    org = meta["org"]
    rotation = []
    for turn in range(4):
        for j, (cookie, circle) in enumerate(people):
            pages = (
                f"/o/{org}/",
                f"/o/{org}/c/{circle}/",
                f"/o/{org}/proposals/{meta['consent_proposal_id']}/",
                f"/o/{org}/decisions/{meta['decision_id']}/",
            )
            rotation.append((pages[(j + turn) % 4], cookie))
    return rotation


def mixed(args: argparse.Namespace) -> dict[str, Any]:
    run.configure_environment(args.size)
    sys.path.insert(0, str(ROOT))
    os.environ["BENCH_COUNTS_DIR"] = str(COUNTS_DIR)
    meta = run.prepare_database(args.size)
    fresh_copy()
    people = sessions_for(meta, args.people)
    writers = writers_for(meta)
    rotation = rotation_for(meta, people)
    from django.db import connection

    connection.close()
    SERVERS["granian-counted"] = [
        args.app if part == "config.wsgi:application" else part for part in SERVERS["granian-wsgi"]
    ]
    shutil.rmtree(COUNTS_DIR, ignore_errors=True)
    ns = argparse.Namespace(threads=2, connections=32, warmup=2)
    with serving("granian-counted", workers=args.workers, threads=1) as (port, pgid):
        for path, cookie in rotation[:: max(1, len(rotation) // 8)][:8]:
            status, _ = run.fetch(port, path, {"X-Forwarded-Proto": "https", "Cookie": cookie})
            if status != 200:
                raise SystemExit(f"mixed: {path} answers HTTP {status}")
        bare = run.h2load(
            port,
            run.Page("bare view", "/-/ping/", "none"),
            {"X-Forwarded-Proto": "https"},
            ns,
            args.ceiling_seconds,
        )
        ceiling = bare["requests"] / bare["seconds"]
        log(f"   ceiling (bare view, h2load -c32): {ceiling:.0f} req/s")
        from bench.soak import worker_rss_kb

        writer = Writer(port, writers, args.writes)
        rss_start = worker_rss_kb(pgid)
        out = COUNTS_DIR.parent / "mixed-load.json"
        import multiprocessing

        client = multiprocessing.get_context("spawn").Process(
            target=load_process, args=(port, rotation, args, out)
        )
        writer.start()
        client.start()
        time.sleep(args.warmup)
        counts_before = read_counts()
        writes_before = writer.done
        client.join()
        time.sleep(0.6)  # the workers write their counts twice a second
        counts_after = read_counts()
        writer.stop.set()
        writer.join()
        rss_end = worker_rss_kb(pgid)
    data = json.loads(out.read_text())
    latencies = data["latencies"]
    requests = len(latencies)
    pages = counts_after["pages"] - counts_before["pages"]
    rendered = counts_after["rendered"] - counts_before["rendered"]
    hits = max(0, pages - rendered)
    fragments = counts_after["fragments"] - counts_before["fragments"]
    fragments_rendered = counts_after["fragments_rendered"] - counts_before["fragments_rendered"]
    rps = requests / args.duration
    p99 = percentile(latencies, 0.99)
    result = {
        "rps": rps,
        "p50": percentile(latencies, 0.50),
        "p99": p99,
        "max": latencies[-1] if latencies else 0.0,
        "hit_rate": 100 * hits / requests if requests else 0.0,
        "fragment_hit_rate": 100 * (1 - fragments_rendered / fragments) if fragments else 0.0,
        "share": 100 * rps / ceiling if ceiling else 0.0,
        "ceiling": ceiling,
        "statuses": data["statuses"],
        "writes_per_second": (writer.done - writes_before) / args.duration,
        "write_errors": writer.errors,
        "write_p99": percentile(sorted(writer.latencies), 0.99),
        "rss_mb": {
            "start": sum(v for k, v in rss_start.items() if "-" not in k) / 1024,
            "end": sum(v for k, v in rss_end.items() if "-" not in k) / 1024,
        },
        "people": len(people),
    }
    return result


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--size", choices=["full", "quick", "tiny"], default="quick")
    parser.add_argument("--people", type=int, default=1000)
    parser.add_argument("--writes", type=float, default=5.0, help="changes per second")
    parser.add_argument("--duration", type=int, default=30, help="seconds measured")
    parser.add_argument("--warmup", type=int, default=5, help="seconds of load before measuring")
    parser.add_argument("--ceiling-seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    parser.add_argument(
        "--app",
        default="bench.counted_wsgi:application",
        help="the WSGI application granian serves (it must count pages as bench.counted_wsgi does)",
    )
    args = parser.parse_args()
    r = mixed(args)
    run.RESULTS.mkdir(parents=True, exist_ok=True)
    path = run.RESULTS / f"{time.strftime('%Y%m%d-%H%M%S')}-{args.size}-mixed.json"
    record = {
        "command": " ".join(["python -m bench.mixed", *sys.argv[1:]]),
        "when": time.strftime("%Y-%m-%d %H:%M:%S %Z"),
        **r,
    }
    path.write_text(json.dumps(record, indent=2) + "\n")
    log(
        f"mixed: {r['rps']:.0f} req/s, p99 {r['p99']:.1f} ms, hit rate {r['hit_rate']:.0f}%, "
        f"{r['share']:.0f}% of ceiling"
    )
    log(
        f"  {r['people']} people, 4 pages each in rotation, {args.connections} connections, "
        f"{args.duration} s after {args.warmup} s; p50 {r['p50']:.1f} ms, max {r['max']:.0f} ms; "
        f"statuses {r['statuses']}; shared bodies from the cache {r['fragment_hit_rate']:.0f}%; "
        f"ceiling {r['ceiling']:.0f} req/s; "
        f"{r['writes_per_second']:.1f} writes/s (p99 {r['write_p99']:.0f} ms"
        + (f", errors {r['write_errors']}" if r["write_errors"] else "")
        + f"); workers' RSS {r['rss_mb']['start']:.0f} -> {r['rss_mb']['end']:.0f} MB "
        f"({path.relative_to(ROOT)})"
    )


if __name__ == "__main__":
    main()
