"""One meeting served by two app processes with Redis between them, as in production: a screen
on each process sees every change made through the other, and killing a process with `kill -9` in
the middle of a round loses nothing: the screen that reconnects is sent the room as it was, no
turn is lost or taken twice, and the round goes on.

Real processes (granian serving config.asgi, on one SQLite file with the demo loaded, Redis as
the channel layer and the cache), real WebSocket clients over TCP (websockets) with the sessions
of a real sign-in. Skips without Redis at 127.0.0.1:6379."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from websockets.asyncio.client import ClientConnection, connect

BASE_DIR = Path(__file__).resolve().parents[2]
REDIS_URL = "redis://127.0.0.1:6379/13"
PASSWORD = "circlewise-demo"


def _redis_up() -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(REDIS_URL, socket_timeout=1).ping())
    except redis.RedisError:
        return False


pytestmark = pytest.mark.skipif(not _redis_up(), reason=f"no Redis at {REDIS_URL}")


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _env(db_path: Path) -> dict[str, str]:
    env = dict(os.environ)
    for name in ("CIRCLEWISE_TESTING", "CIRCLEWISE_PRODUCTION", "DATABASE_URL", "ALLOWED_HOSTS"):
        env.pop(name, None)
    env.update(SQLITE_PATH=str(db_path), REDIS_URL=REDIS_URL, PYTHONUNBUFFERED="1")
    return env


class Server:
    """One app process on its own port, which can be killed and started again."""

    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.env, self.log, self.port = env, log, _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        granian = Path(sys.executable).parent / "granian"
        with open(self.log, "a") as log:
            self.process = subprocess.Popen(
                [str(granian), "--interface", "asgi", "--host", "127.0.0.1",
                 "--port", str(self.port), "--workers", "1", "config.asgi:application"],
                cwd=BASE_DIR, env=self.env, stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True,
            )  # fmt: skip
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with (
                contextlib.suppress(OSError),
                urllib.request.urlopen(f"{self.url}/accounts/login/", timeout=2) as answer,
            ):
                if answer.status == 200:
                    return
            time.sleep(0.2)
        raise AssertionError(f"the server did not start:\n{self.log.read_text()}")

    def kill(self) -> None:
        """kill -9: no chance to finish anything."""
        assert self.process is not None
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(timeout=10)


@pytest.fixture
def two_servers() -> Iterator[tuple[Path, Server, Server]]:
    import redis

    redis.Redis.from_url(REDIS_URL).flushdb()
    with tempfile.TemporaryDirectory(prefix="circlewise-room-") as tmp:
        db_path = Path(tmp) / "db.sqlite3"
        env = _env(db_path)
        prepare = "from django.core.management import call_command as c; c('migrate', verbosity=0); c('load_demo')"
        done = subprocess.run(
            [sys.executable, "manage.py", "shell", "--no-imports", "-c", prepare],
            cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=300,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
        servers = (Server(env, Path(tmp) / "a.log"), Server(env, Path(tmp) / "b.log"))
        try:
            for server in servers:
                server.start()
            yield db_path, *servers
        finally:
            for server in servers:
                server.stop()
            redis.Redis.from_url(REDIS_URL).flushdb()


def _sign_in(server: Server, local: str) -> str:
    """The Cookie header of a real sign-in through the sign-in form."""
    with requests.Session() as browser:
        page = browser.get(f"{server.url}/accounts/login/", timeout=10).text
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        assert token is not None
        answer = browser.post(
            f"{server.url}/accounts/login/",
            data={"login": f"{local}@riverbend.example", "password": PASSWORD,
                  "csrfmiddlewaretoken": token.group(1)},
            headers={"Referer": f"{server.url}/accounts/login/"}, timeout=10,
        )  # fmt: skip
        assert answer.ok and "/accounts/login/" not in answer.url, answer.url
        return "; ".join(f"{c.name}={c.value}" for c in browser.cookies)


async def _until(
    socket: ClientConnection, check: Callable[[dict[str, Any]], bool]
) -> dict[str, Any]:
    """The first message that passes `check`, within 10 seconds."""
    async with asyncio.timeout(10):
        while True:
            message = json.loads(await socket.recv())
            if check(message):
                return message


async def _open(server: Server, meeting: int, cookie: str) -> ClientConnection:
    deadline = time.monotonic() + 30
    while True:
        try:
            return await connect(
                f"ws://127.0.0.1:{server.port}/ws/meetings/{meeting}/",
                additional_headers={"Cookie": cookie}, origin=server.url,  # type: ignore[arg-type]
            )  # fmt: skip
        except OSError:
            if time.monotonic() > deadline:
                raise
            await asyncio.sleep(0.3)


def test_two_processes_serve_one_meeting_and_a_killed_one_loses_nothing(two_servers):
    db_path, a, b = two_servers
    with contextlib.closing(sqlite3.connect(db_path)) as db:
        meeting = db.execute(
            "SELECT m.id FROM meetings_meeting m JOIN circles_circle c ON c.id = m.circle_id "
            "WHERE c.slug = 'community-life' AND m.status = 'planned' ORDER BY m.starts_at LIMIT 1"
        ).fetchone()[0]
        zoe_id = db.execute("SELECT id FROM accounts_user WHERE email LIKE 'zoe@%'").fetchone()[0]
    wren_cookie, zoe_cookie = _sign_in(a, "wren"), _sign_in(b, "zoe")

    async def scenario() -> None:
        wren = await _open(a, meeting, wren_cookie)  # Wren's screen on process A
        zoe = await _open(b, meeting, zoe_cookie)  # Zoe's on process B
        await _until(wren, lambda m: "html" in m)
        await _until(zoe, lambda m: "html" in m)
        # Wren opens the meeting and starts a round with Zoe, through A; Zoe sees both, on B
        await wren.send(json.dumps({"action": "open"}))
        await _until(zoe, lambda m: "2 present" in m.get("html", ""))
        await wren.send(
            json.dumps({"action": "start_round", "kind": "check_in", "first": str(zoe_id)})
        )
        await _until(zoe, lambda m: m.get("my_turn") is True)
        # process B is killed in the middle of Zoe's turn, and started again
        b.kill()
        b.start()
        zoe = await _open(b, meeting, zoe_cookie)
        again = await _until(zoe, lambda m: "html" in m)
        assert again["my_turn"] is True and again["announce"] == "Your turn."
        # a room stays quiet for longer than a Redis read may take (5 s): both screens stay
        await asyncio.sleep(6.5)
        # Zoe ends her turn on B; it is Wren's turn, on A
        await zoe.send(json.dumps({"action": "complete", "speaker": str(zoe_id)}))
        await _until(wren, lambda m: m.get("my_turn") is True)
        # a second tap of Zoe's, sent late, does nothing
        await zoe.send(json.dumps({"action": "complete", "speaker": str(zoe_id)}))
        refused = await _until(zoe, lambda m: "error" in m)
        assert "moved on" in refused["error"]
        # process A is killed right after Wren's turn is acknowledged
        await wren.send(json.dumps({"action": "complete", "passed": "1"}))
        await _until(zoe, lambda m: "has ended" in m.get("html", ""))
        a.kill()
        a.start()
        wren = await _open(a, meeting, wren_cookie)
        back = await _until(wren, lambda m: "html" in m)
        assert "has ended" in back["html"]
        await wren.close()
        await zoe.close()

    asyncio.run(scenario())
    # then the database holds each turn once, in order: Zoe's spoken, Wren's passed
    with contextlib.closing(sqlite3.connect(db_path)) as db:
        turns = db.execute(
            "SELECT t.user_id, t.passed, t.ended_at IS NOT NULL FROM meetings_turn t "
            "JOIN meetings_round r ON r.id = t.round_id WHERE r.meeting_id = ? ORDER BY t.id",
            (meeting,),
        ).fetchall()
    assert turns[0] == (zoe_id, 0, 1) and len(turns) == 2 and turns[1][1:] == (1, 1)
