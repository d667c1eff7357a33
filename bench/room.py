"""The live room under load: how long a change takes to reach every screen of a meeting.

    python -m bench.room                     # `make bench`: 200 participants, one process
    python -m bench.room --people 50 --changes 5

One production server process (granian, ASGI, one worker, the in-memory channel layer) on a fresh
SQLite file: a circle of N members in one meeting, opened, everyone present, a round going round.
N real WebSocket clients (websockets) connect with sessions of their own; the facilitator's
client then moves the round on (records the current speaker's turn as complete) `--changes`
times, one after another. For each change, the time from sending it to each screen receiving the
room's new version is one sample; a screen that has not received it within 30 s has lost it.
Prints:

    room 200 in one room, one process: N clients, p50 A ms, p99 B ms, lost L

The goal (issue 13): p99 under 100 ms, nothing lost.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

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
N = {people}
with emails_paused():
    founder = User.objects.create_user(email="f@bench.example", password="x", name="Facilitator")
    org = circles.create_organisation(name="Bench", slug="bench", founder=founder)
    people = [
        User.objects.create_user(email=f"p{{i}}@bench.example", password="x", name=f"P {{i}}")
        for i in range(N - 1)
    ]
    for p in people:
        circles.add_org_member(organisation=org, user=p, actor=founder)
    circle = circles.create_circle(organisation=org, actor=founder, name="Room", aim="A big room.")
    for p in [founder, *people]:
        if not circle.memberships.current().filter(user=p).exists():
            circles.add_member(circle=circle, user=p, actor=founder)
    meeting = meetings.plan_meeting(circle=circle, actor=founder, starts_at=timezone.now() + dt.timedelta(hours=1))
    room.open_room(meeting=meeting, actor=founder)
    for p in people:
        room.join_room(meeting=meeting, user=p)
    room.start_round(meeting=meeting, actor=founder, kind="open")
engine = import_module(settings.SESSION_ENGINE)
def session(user):
    s = engine.SessionStore()
    s[SESSION_KEY] = str(user.pk)
    s[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
    s[HASH_SESSION_KEY] = user.get_session_auth_hash()
    s.create()
    return s.session_key
print(json.dumps({{"meeting": meeting.pk, "cookie": settings.SESSION_COOKIE_NAME,
    "sessions": [session(u) for u in [founder, *people]]}}))
"""


def prepare(db: Path, people: int) -> dict[str, Any]:
    env = {**os.environ, "SQLITE_PATH": str(db)}
    for name in ("CIRCLEWISE_TESTING", "DATABASE_URL", "REDIS_URL"):
        env.pop(name, None)
    done = subprocess.run(
        [sys.executable, "manage.py", "shell", "--no-imports", "-c", PREPARE.format(people=people)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    if done.returncode != 0:
        raise SystemExit(done.stderr)
    return json.loads(done.stdout.strip().splitlines()[-1])


def serve(db: Path, port: int, log: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "SQLITE_PATH": str(db), "PYTHONUNBUFFERED": "1"}
    for name in ("CIRCLEWISE_TESTING", "DATABASE_URL", "REDIS_URL"):
        env.pop(name, None)
    granian = Path(sys.executable).parent / "granian"
    return subprocess.Popen(
        [str(granian), "--interface", "asgi", "--host", "127.0.0.1", "--port", str(port),
         "--workers", "1", "config.asgi:application"],
        cwd=ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip


async def measure(port: int, meta: dict[str, Any], changes: int) -> tuple[list[float], int, int]:
    from websockets.asyncio.client import connect

    url = f"ws://127.0.0.1:{port}/ws/meetings/{meta['meeting']}/"
    origin = f"http://127.0.0.1:{port}"
    cookie = meta["cookie"]
    sockets = []
    for key in meta["sessions"]:
        for _attempt in range(100):
            try:
                sockets.append(
                    await connect(url, additional_headers={"Cookie": f"{cookie}={key}"},
                                  origin=origin, max_queue=None)  # type: ignore[arg-type]
                )  # fmt: skip
                break
            except OSError:
                await asyncio.sleep(0.2)
    versions = [0] * len(sockets)
    seen: list[dict[int, float]] = [{} for _ in sockets]

    async def listen(i: int, socket: Any) -> None:
        async for raw in socket:
            message = json.loads(raw)
            if "version" in message:
                versions[i] = max(versions[i], message["version"])
                seen[i].setdefault(message["version"], time.perf_counter())

    listeners = [asyncio.create_task(listen(i, s)) for i, s in enumerate(sockets)]
    await asyncio.sleep(2)  # everyone has the room as it is
    samples: list[float] = []
    lost = 0
    facilitator = sockets[0]
    for _change in range(changes):
        target = max(versions) + 1
        sent = time.perf_counter()
        await facilitator.send(json.dumps({"action": "complete"}))
        deadline = sent + 30
        while time.perf_counter() < deadline and min(versions) < target:
            await asyncio.sleep(0.005)
        for i in range(len(sockets)):
            got = [t for v, t in seen[i].items() if v >= target]
            if got:
                samples.append((min(got) - sent) * 1000)
            else:
                lost += 1
        await asyncio.sleep(0.2)
    for task in listeners:
        task.cancel()
    for socket in sockets:
        await socket.close()
    return samples, lost, len(sockets)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--people", type=int, default=200)
    parser.add_argument("--changes", type=int, default=10)
    args = parser.parse_args()
    try:
        import websockets  # noqa: F401
    except ImportError:
        raise SystemExit("bench.room needs the dev dependencies: make .venv/.synced") from None
    with tempfile.TemporaryDirectory(prefix="circlewise-room-bench-") as tmp:
        db = Path(tmp) / "db.sqlite3"
        print(f"preparing a room of {args.people}…", file=sys.stderr)
        meta = prepare(db, args.people)
        import socket as sockets

        with sockets.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        server = serve(db, port, Path(tmp) / "server.log")
        try:
            samples, lost, clients = asyncio.run(measure(port, meta, args.changes))
        finally:
            server.terminate()
            server.wait(timeout=10)
    if not samples:
        raise SystemExit(f"room: no screen received a change ({lost} lost)")
    p50 = statistics.median(samples)
    p99 = statistics.quantiles(samples, n=100)[98] if len(samples) >= 100 else max(samples)
    print(
        f"room {args.people} in one room, one process: {clients} clients, "
        f"p50 {p50:.1f} ms, p99 {p99:.1f} ms, lost {lost}"
    )


if __name__ == "__main__":
    main()
