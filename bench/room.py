"""The live room under load: how long a change takes to reach every screen of a meeting.

    python -m bench.room                          # `make bench`: every case below
    python -m bench.room --cases 200 --changes 5  # `make bench-quick`

Production server processes (granian, ASGI, one worker each) on a fresh SQLite file, with the
in-memory channel layer on one process or Redis on two. Each meeting is of one circle, opened,
everyone present, a round going round; real WebSocket clients (websockets) connect with sessions
of their own, split across the processes. Each meeting's facilitator then moves its round on
(records the current speaker's turn as complete) `--changes` times, all meetings at once. For
each change, the time from sending it to each screen receiving the room's new version is one
sample; a screen that has not received it within 30 s has lost it. Cases:

    200        one meeting of 200, one process
    20x15      20 meetings of 15 at once, one process
    200-redis  one meeting of 200 on two processes with Redis (REDIS_URL, or 127.0.0.1:6379)

Each case is followed by its ceiling: the same clients on a bare Channels consumer
(bench/ceiling.py) that hands a message of the room's size to its group and sends it on untouched.
Prints one line per case:

    room 200 in one room, one process: N clients, p50 A ms, p99 B ms, lost L
    room ceiling, 200 in one room, one process: N clients, p50 A ms, p99 B ms, lost L

The goals (issue 13): p99 under 100 ms for the 200 on one process and under 50 ms on two with
Redis, nothing lost.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]

PREPARE = """
import json
from importlib import import_module
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.core.management import call_command
from django.utils import timezone
import datetime as dt
call_command("migrate", verbosity=0)
from circlewise.accounts.models import User
from circlewise.circles import services as circles
from circlewise.meetings import services as meetings, services_room as room
from circlewise.notifications.services import emails_paused
ROOMS, N = {rooms}, {people}
engine = import_module(settings.SESSION_ENGINE)
def session(user):
    s = engine.SessionStore()
    s[SESSION_KEY] = str(user.pk)
    s[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
    s[HASH_SESSION_KEY] = user.get_session_auth_hash()
    s.create()
    return s.session_key
found = []
with emails_paused():
    founder = User.objects.create_user(email="f@bench.example", password=None, name="Facilitator")
    org = circles.create_organisation(name="Bench", slug="bench", founder=founder)
    for r in range(ROOMS):
        people = [
            User.objects.create_user(email=f"p{{r}}-{{i}}@bench.example", password=None, name=f"P {{r}}-{{i}}")
            for i in range(N - 1)
        ]
        for p in people:
            circles.add_org_member(organisation=org, user=p, actor=founder)
        circle = circles.create_circle(organisation=org, actor=founder, name=f"Room {{r}}", aim="A room.")
        for p in [founder, *people]:
            if not circle.memberships.current().filter(user=p).exists():
                circles.add_member(circle=circle, user=p, actor=founder)
        meeting = meetings.plan_meeting(circle=circle, actor=founder, starts_at=timezone.now() + dt.timedelta(hours=1))
        room.open_room(meeting=meeting, actor=founder)
        for p in people:
            room.join_room(meeting=meeting, user=p)
        room.start_round(meeting=meeting, actor=founder, kind="open")
        found.append({{"meeting": meeting.pk, "sessions": [session(u) for u in [founder, *people]]}})
print(json.dumps({{"cookie": settings.SESSION_COOKIE_NAME, "rooms": found}}))
"""


CASES = {
    "200": (1, 200, 1, "200 in one room, one process"),
    "20x15": (20, 15, 1, "20 rooms of 15, one process"),
    "200-redis": (1, 200, 2, "200 in one room, two processes with Redis"),
}
REDIS_DEFAULT = "redis://127.0.0.1:6379/12"


def prepare(db: Path, rooms: int, people: int) -> dict[str, Any]:
    env = {**os.environ, "SQLITE_PATH": str(db)}
    for name in ("CIRCLEWISE_TESTING", "DATABASE_URL", "REDIS_URL"):
        env.pop(name, None)
    script = PREPARE.format(rooms=rooms, people=people)
    done = subprocess.run(
        [sys.executable, "manage.py", "shell", "--no-imports", "-c", script],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=900, check=False,
    )  # fmt: skip
    if done.returncode != 0:
        raise SystemExit(done.stderr)
    return json.loads(done.stdout.strip().splitlines()[-1])


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def serve(db: Path, app: str, redis: str | None, log: Path) -> tuple[int, subprocess.Popen[bytes]]:
    env = {**os.environ, "SQLITE_PATH": str(db), "PYTHONUNBUFFERED": "1"}
    for name in ("CIRCLEWISE_TESTING", "DATABASE_URL", "REDIS_URL"):
        env.pop(name, None)
    if redis:
        env["REDIS_URL"] = redis
    port = free_port()
    granian = Path(sys.executable).parent / "granian"
    server = subprocess.Popen(
        [str(granian), "--interface", "asgi", "--host", "127.0.0.1", "--port", str(port),
         "--workers", "1", app],
        cwd=ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    return port, server


async def _connect(url: str, headers: dict[str, str], origin: str) -> Any:
    from websockets.asyncio.client import connect

    for _attempt in range(150):
        try:
            return await connect(url, additional_headers=headers, origin=origin, max_queue=None)  # type: ignore[arg-type]
        except OSError:
            await asyncio.sleep(0.2)
    raise SystemExit(f"room: could not connect to {url}")


async def measure(
    ports: list[int], meta: dict[str, Any], changes: int, *, ceiling_size: int = 0
) -> tuple[list[float], int, int, list[int]]:
    """Connect every screen (split across `ports`), move each room on `changes` times, all rooms
    at once; the samples (ms), the screens that missed a change, the screens, the message sizes.
    With `ceiling_size`, the screens are the bare consumer's (bench/ceiling.py)."""
    rooms: list[list[Any]] = []
    n = 0
    for r, room in enumerate(meta["rooms"]):
        sockets = []
        for key in room["sessions"]:
            port = ports[n % len(ports)]
            n += 1
            origin = f"http://127.0.0.1:{port}"
            if ceiling_size:
                url, headers = f"ws://127.0.0.1:{port}/ws/ceiling/{r}/", {}
            else:
                url = f"ws://127.0.0.1:{port}/ws/meetings/{room['meeting']}/"
                headers = {"Cookie": f"{meta['cookie']}={key}"}
            sockets.append(await _connect(url, headers, origin))
        rooms.append(sockets)
    everyone = [s for sockets in rooms for s in sockets]
    versions = [0] * len(everyone)
    seen: list[dict[int, float]] = [{} for _ in everyone]
    sizes: list[int] = []

    async def listen(i: int, socket: Any) -> None:
        async for raw in socket:
            message = json.loads(raw)
            if "version" in message:
                sizes.append(len(raw))
                versions[i] = max(versions[i], message["version"])
                seen[i].setdefault(message["version"], time.perf_counter())

    listeners = [asyncio.create_task(listen(i, s)) for i, s in enumerate(everyone)]
    await asyncio.sleep(2)  # everyone has the room as it is
    samples: list[float] = []
    lost = 0
    first = 0
    spans = []
    for sockets in rooms:
        spans.append(range(first, first + len(sockets)))
        first += len(sockets)
    for _change in range(changes):
        targets = [max(versions[i] for i in span) + 1 for span in spans]
        sent = time.perf_counter()
        for sockets, target in zip(rooms, targets, strict=True):
            ask = (
                {"version": target, "size": ceiling_size}
                if ceiling_size
                else {"action": "complete"}
            )
            await sockets[0].send(json.dumps(ask))
        deadline = sent + 30
        while time.perf_counter() < deadline and any(
            min(versions[i] for i in span) < target
            for span, target in zip(spans, targets, strict=True)
        ):
            await asyncio.sleep(0.002)
        for span, target in zip(spans, targets, strict=True):
            for i in span:
                got = [t for v, t in seen[i].items() if v >= target]
                if got:
                    samples.append((min(got) - sent) * 1000)
                else:
                    lost += 1
        # A screen may send a few actions a second (consumers.BURST, PER_SECOND): pace them.
        await asyncio.sleep(0.6)
    for task in listeners:
        task.cancel()
    for s in everyone:
        await s.close()
    return samples, lost, len(everyone), sizes


def line(label: str, samples: list[float], lost: int, clients: int) -> str:
    if not samples:
        return f"room {label}: {clients} clients, nothing received ({lost} lost)"
    p50 = statistics.median(samples)
    p99 = statistics.quantiles(samples, n=100)[98] if len(samples) >= 100 else max(samples)
    return f"room {label}: {clients} clients, p50 {p50:.1f} ms, p99 {p99:.1f} ms, lost {lost}"


def redis_url() -> str | None:
    """Redis for the two-process case, if one answers."""
    url = os.environ.get("REDIS_URL") or REDIS_DEFAULT
    where = urlsplit(url)
    try:
        with socket.create_connection((where.hostname or "127.0.0.1", where.port or 6379), 2):
            return url
    except OSError:
        return None


def run_case(name: str, changes: int, tmp: Path) -> None:
    rooms, people, processes, label = CASES[name]
    redis = None
    if processes > 1:
        redis = redis_url()
        if redis is None:
            print(f"room {label}: skipped (no Redis answers: set REDIS_URL)")
            return
    db = tmp / f"{name}.sqlite3"
    print(f"preparing {label}…", file=sys.stderr)
    meta = prepare(db, rooms, people)
    size = 0
    for app, prefix in (
        ("config.asgi:application", ""),
        ("bench.ceiling:application", "ceiling, "),
    ):
        servers = [serve(db, app, redis, tmp / f"{name}-{i}.log") for i in range(processes)]
        try:
            samples, lost, clients, sizes = asyncio.run(
                measure([port for port, _ in servers], meta, changes, ceiling_size=size)
            )
        except BaseException:
            for i in range(processes):  # what the servers said, to see why
                log = (tmp / f"{name}-{i}.log").read_text(errors="replace")
                print(f"--- server {i} of {label}:\n{log[-3000:]}", file=sys.stderr)
            raise
        finally:
            for _port, server in servers:
                server.terminate()
                server.wait(timeout=10)
        size = int(statistics.median(sizes)) if sizes else 1000
        print(line(prefix + label, samples, lost, clients), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--cases", default=",".join(CASES), help="which cases, comma-separated")
    parser.add_argument("--changes", type=int, default=10)
    args = parser.parse_args()
    try:
        import websockets  # noqa: F401
    except ImportError:
        raise SystemExit("bench.room needs the dev dependencies: make .venv/.synced") from None
    cases = [c.strip() for c in args.cases.split(",") if c.strip()]
    unknown = [c for c in cases if c not in CASES]
    if unknown:
        raise SystemExit(f"bench.room: no such case {unknown}; the cases: {', '.join(CASES)}")
    with tempfile.TemporaryDirectory(prefix="circlewise-room-bench-") as tmp:
        for name in cases:
            run_case(name, args.changes, Path(tmp))


if __name__ == "__main__":
    main()
