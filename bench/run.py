"""Load benchmarks: a generated organisation, the production server, h2load on loopback.

    python -m bench.run --size quick          # `make bench-quick`: under 5 minutes
    python -m bench.run --size full           # `make bench`: 5,000 people, 1,000,000 events
    python -m bench.run --size quick --servers granian-wsgi,granian-asgi   # compare servers

Every page is measured with the same load (32 connections from 2 client threads by default, on the
same cores as the server, as on a small host) after a short warm-up, beside a bare Django view under the same server:
that view is the ceiling, and each page's throughput is reported as a share of it. One line per
page, `NAME: R req/s, p50 A ms, p99 B ms, S% of ceiling`; p95 and error counts go to the details
table and to bench/results/.

The load comes from h2load (Debian's nghttp2-client) in HTTP/1.1 mode, which logs every request:
the percentiles are computed here from all of them, and the slowest connection's share of the
requests shows whether the server starves some connections. `--client wrk` uses wrk instead; its
latency figures are checked against Little's law, because under this load wrk has reported mean
latencies that 32 connections could not have had (docs/performance.md).

The database is SQLite at var/bench/<size>.sqlite3, generated on the first run and reused after;
with DATABASE_URL set, that PostgreSQL database is used instead (it must be empty or hold an
organisation generated earlier at the same size).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import platform
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from importlib import import_module
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
LUA = ROOT / "bench" / "report.lua"
BIN = Path(sys.executable).parent
SECRET = "bench-only-secret-key-not-for-production-0123456789abcdefghijklmnopqrstuvwxyz"

# The production server first: it is what `make bench` measures unless told otherwise.
SERVERS: dict[str, list[str]] = {
    "granian-wsgi": [
        str(BIN / "granian"), "--interface", "wsgi", "--workers", "{workers}",
        "--blocking-threads", "{threads}", "--log-level", "warning", "config.wsgi:application",
    ],
    "granian-asgi": [
        str(BIN / "granian"), "--interface", "asgi", "--workers", "{workers}",
        "--log-level", "warning", "config.asgi:application",
    ],
    "uvicorn": [
        sys.executable, "-m", "uvicorn", "--workers", "{workers}", "--no-access-log",
        "--log-level", "warning", "config.asgi:application",
    ],
    "daphne": [sys.executable, "-m", "daphne", "-v", "0", "config.asgi:application"],
}  # fmt: skip
DEFAULT_SERVER = "granian-wsgi"
# Seconds of load for the whole quick run (warm-ups included), so that `make bench-quick` stays
# under five minutes with generation, migration and server start-up.
QUICK_BUDGET_SECONDS = 210
# `--priority -10` runs the server and the client at a higher priority (root only), so that other work on
# a shared machine disturbs the figures less. Linux shares the CPU between sessions first
# (autogroups) and only then by nice value, so the priority is set on each one's autogroup.
PRIORITY: list[str] = []


def boost(pid: int) -> None:
    if PRIORITY:
        with contextlib.suppress(OSError):
            Path(f"/proc/{pid}/autogroup").write_text(PRIORITY[-1])


@dataclass
class Page:
    name: str
    path: str
    auth: str  # "none", "session" or "token"


@dataclass
class Result:
    server: str
    page: Page
    rps: float = 0.0
    p50: float = 0.0
    p90: float = 0.0
    p95: float = 0.0
    p99: float = 0.0
    mean: float = 0.0
    bytes_per_response: float = 0.0
    errors: dict[str, int] = field(default_factory=dict)
    skipped: str = ""
    share: float = 0.0
    cpu_ms: float = 0.0  # server CPU per request: steady even when other work shares the cores
    max: float = 0.0
    # Requests per second of the slowest and of the average connection: a server that starves
    # some connections shows a slowest connection far below the average.
    conn_min_rps: float = 0.0
    conn_mean_rps: float = 0.0
    # Little's law: with one request in flight per connection, mean latency x throughput cannot
    # exceed the number of connections. Above 1.05, the client's latencies are not to be trusted.
    busy: float = 0.0


def log(message: str) -> None:
    print(message, flush=True)


def configure_environment(size: str) -> None:
    """Production settings, as a real deployment would have them, on a database of our own."""
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    os.environ["CIRCLEWISE_PRODUCTION"] = "1"
    os.environ["DEBUG"] = "0"
    os.environ["SECRET_KEY"] = SECRET
    os.environ["ALLOWED_HOSTS"] = "127.0.0.1,localhost"
    os.environ["LOG_LEVEL"] = "ERROR"
    os.environ.pop("CIRCLEWISE_TESTING", None)
    if not os.environ.get("DATABASE_URL"):
        os.environ["SQLITE_PATH"] = str(ROOT / "var" / "bench" / f"{size}.sqlite3")


def prepare_database(size_name: str) -> dict[str, Any]:
    """Migrate, then generate the organisation unless the database already holds it."""
    import django

    from bench import generate

    size = generate.SIZES[size_name]
    sqlite_path = Path(os.environ["SQLITE_PATH"]) if "SQLITE_PATH" in os.environ else None
    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0, interactive=False)
    meta = generate.existing(size)
    if meta == {} and sqlite_path is not None:
        log(f"{sqlite_path} holds another generation: starting it again")
        connection.close()
        for suffix in ("", "-wal", "-shm"):
            Path(f"{sqlite_path}{suffix}").unlink(missing_ok=True)
        call_command("migrate", verbosity=0, interactive=False)
        meta = None
    if meta == {}:
        raise SystemExit(
            "The database holds an organisation generated at another size. The ledger refuses "
            "DELETE: drop and recreate the database, then run again."
        )
    if meta is None:
        log(f"Generating the {size_name} organisation ({size})")
        meta = generate.generate(size, log=log)
    else:
        log(f"Reusing the {size_name} organisation generated earlier ({meta['seconds']} s to make)")
    call_command("collectstatic", verbosity=0, interactive=False)
    return meta


def credentials(meta: dict[str, Any]) -> tuple[str, str]:
    """A signed-in session and an API token for the viewer, made directly in the database."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.utils.crypto import get_random_string

    from circlewise.accounts.models import PersonalAccessToken, User, hash_token

    viewer = User.objects.get(pk=meta["viewer_id"])
    session = import_module(settings.SESSION_ENGINE).SessionStore()
    session[SESSION_KEY] = str(viewer.pk)
    session[BACKEND_SESSION_KEY] = "circlewise.accounts.backends.ModelBackend"
    session[HASH_SESSION_KEY] = viewer.get_session_auth_hash()
    session.save()
    # A browser that has seen one page also sends the CSRF cookie: so does the benchmark.
    csrf_secret = get_random_string(32)
    cookie = (
        f"{settings.SESSION_COOKIE_NAME}={session.session_key}; "
        f"{settings.CSRF_COOKIE_NAME}={csrf_secret}"
    )
    raw = PersonalAccessToken.generate()
    PersonalAccessToken.objects.create(
        user=viewer, name="benchmark", token_hash=hash_token(raw), hint=raw[:8]
    )
    return cookie, raw


def api_list_pages(meta: dict[str, Any]) -> list[Page]:
    """Every GET collection endpoint of the API whose path the generated organisation can fill."""
    from circlewise.api import api
    from circlewise.circles.models import Circle

    circle = Circle.objects.get(organisation__slug=meta["org"], slug=meta["big_circle"])
    values = {
        "slug": meta["org"],
        "org": meta["org"],
        "organisation": meta["org"],
        "circle_id": str(circle.pk),
        "circle": circle.slug,
    }
    # Read from the routers, not the OpenAPI schema: a listing must not fail on a schema detail.
    pages = []
    for bound in api._get_bound_routers():
        for path, path_view in bound.path_operations.items():
            full = "/".join(p.strip("/") for p in (bound.prefix, path) if p.strip("/"))
            if full.endswith("}"):
                continue
            for operation in path_view.operations:
                if "GET" not in operation.methods:
                    continue
                try:
                    filled = (
                        "/api/v1/" + full.format(**values) + ("/" if path.endswith("/") else "")
                    )
                except KeyError:
                    continue
                name = operation.operation_id or operation.view_func.__name__
                if not (name.startswith("list") or name.endswith("Feed")):
                    continue  # one object, not a list
                pages.append(Page(f"api {name}", filled, "token"))
    return pages


def pages_for(meta: dict[str, Any]) -> list[Page]:
    org, circle = meta["org"], meta["big_circle"]
    return [
        Page("bare view", "/-/ping/", "none"),
        Page("circle page", f"/o/{org}/c/{circle}/", "session"),
        Page("org chart", f"/o/{org}/chart/", "session"),
        Page("org feed", f"/o/{org}/feed/", "session"),
        Page("circle feed", f"/o/{org}/c/{circle}/feed/", "session"),
        Page("circle list", f"/o/{org}/circles/", "session"),
        Page("terms", f"/o/{org}/terms/", "session"),
        # The consent process of the 100-member assembly (the viewer is one of its members):
        # its proposal in a consent round, its decided proposal's record, and the register.
        Page("proposal page", f"/o/{org}/proposals/{meta['consent_proposal_id']}/", "session"),
        Page("decision page", f"/o/{org}/decisions/{meta['decision_id']}/", "session"),
        Page("policy register", f"/o/{org}/policies/", "session"),
        *api_list_pages(meta),
    ]


def group_cpu_seconds(pgid: int) -> float:
    """User and system CPU time of every process in the server's process group."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        # After the command: state ppid pgrp ... utime (14th field) stime (15th)
        if int(fields[2]) == pgid:
            total += int(fields[11]) + int(fields[12])
    return total / ticks


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def server_available(name: str) -> bool:
    if name.startswith("granian"):
        return (BIN / "granian").exists()
    module = name
    return (
        subprocess.run(
            [sys.executable, "-c", f"import {module}"], capture_output=True, check=False
        ).returncode
        == 0
    )


@contextlib.contextmanager
def serving(name: str, *, workers: int, threads: int) -> Iterator[tuple[int, int]]:
    port = free_port()
    command = [part.format(workers=workers, threads=threads) for part in SERVERS[name]]
    if name.startswith("granian"):
        command[1:1] = ["--host", "127.0.0.1", "--port", str(port)]
    elif name == "uvicorn":
        command[3:3] = ["--host", "127.0.0.1", "--port", str(port)]
    elif name == "daphne":
        command[3:3] = ["-b", "127.0.0.1", "-p", str(port)]
    log(f"\n== {name}: {' '.join(Path(c).name if c.startswith('/') else c for c in command)}")
    process = subprocess.Popen(PRIORITY + command, cwd=ROOT, start_new_session=True)
    boost(process.pid)
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                raise SystemExit(f"{name} exited with {process.returncode} before serving")
            try:
                status, _ = fetch(port, "/-/ping/", {"X-Forwarded-Proto": "https"})
                if status == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise SystemExit(f"{name} did not answer on port {port} within 60 s")
            time.sleep(0.2)
        yield port, process.pid
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def headers_for(page: Page, cookie: str, token: str) -> dict[str, str]:
    # The server sits behind a TLS-terminating proxy in production: say so, as the proxy would.
    headers = {"X-Forwarded-Proto": "https"}
    if page.auth == "session":
        headers["Cookie"] = cookie
    elif page.auth == "token":
        headers["Authorization"] = f"Bearer {token}"
    return headers


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


def fetch(port: int, path: str, headers: dict[str, str]) -> tuple[int, bytes]:
    opener = urllib.request.build_opener(NoRedirect)
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", headers=headers)
    try:
        with opener.open(request, timeout=30) as response:
            return int(response.status), response.read()
    except urllib.error.HTTPError as error:
        return int(error.code), error.read()


def run_client(command: list[str], port: int, page: Page, headers: dict[str, str]) -> str:
    """Run a load generator on `page` with `headers` (at the benchmark's priority); its output."""
    command = [*command]
    for key, value in headers.items():
        command += ["-H", f"{key}: {value}"]
    command.append(f"http://127.0.0.1:{port}{page.path}")
    process = subprocess.Popen(
        PRIORITY + command, stdout=subprocess.PIPE, text=True, start_new_session=True
    )
    boost(process.pid)
    out, _ = process.communicate()
    if process.returncode:
        raise SystemExit(f"{command[0]} failed ({process.returncode}): {' '.join(command)}\n{out}")
    return out


def wrk(
    port: int, page: Page, headers: dict[str, str], args: argparse.Namespace, seconds: int
) -> dict[str, Any]:
    command = [
        "wrk",
        f"-t{args.threads}",
        f"-c{args.connections}",
        f"-d{seconds}s",
        "--timeout",
        "10s",
    ]
    command += ["-s", str(LUA)]
    out = run_client(command, port, page, headers)
    line = next(line for line in out.splitlines() if line.startswith("BENCH-JSON "))
    data: dict[str, Any] = json.loads(line.removeprefix("BENCH-JSON "))
    return {
        "requests": data["requests"],
        "seconds": data["duration_us"] / 1e6,
        "bytes": data["bytes"],
        "errors": data["errors"],
        "mean": data["mean"] / 1000,
        "max": data["max"] / 1000,
        **{k: data[k] / 1000 for k in ("p50", "p90", "p95", "p99")},
    }


def percentile(ordered: list[float], fraction: float) -> float:
    """The nearest-rank percentile of an ordered list."""
    if not ordered:
        return 0.0
    return ordered[min(len(ordered) - 1, max(0, math.ceil(fraction * len(ordered)) - 1))]


H2LOAD_RPS = re.compile(r"^req/s\s*:\s*([\d.]+)\s+([\d.]+)\s+([\d.]+)", re.MULTILINE)
H2LOAD_REQUESTS = re.compile(
    r"^requests: (\d+) total, \d+ started, (\d+) done, (\d+) succeeded, (\d+) failed, "
    r"(\d+) errored, (\d+) timeout",
    re.MULTILINE,
)
H2LOAD_STATUS = re.compile(r"^status codes: (\d+) 2xx, (\d+) 3xx, (\d+) 4xx, (\d+) 5xx", re.M)
H2LOAD_TRAFFIC = re.compile(r"^traffic: .*?\((\d+)\) total", re.MULTILINE)


def h2load(
    port: int, page: Page, headers: dict[str, str], args: argparse.Namespace, seconds: int
) -> dict[str, Any]:
    """One h2load run over HTTP/1.1 after its own warm-up on the same connections; latencies
    from its per-request log."""
    with tempfile.NamedTemporaryFile(prefix="h2load-", suffix=".log") as log_file:
        command = [
            "h2load", "--h1", f"-t{args.threads}", f"-c{args.connections}", f"-D{seconds}",
            f"--log-file={log_file.name}",
        ]  # fmt: skip
        if args.warmup:
            command.append(f"--warm-up-time={args.warmup}")
        out = run_client(command, port, page, headers)
        latencies = sorted(
            int(row.split("\t")[2]) / 1000 for row in Path(log_file.name).read_text().splitlines()
        )
    counts = H2LOAD_REQUESTS.search(out)
    status = H2LOAD_STATUS.search(out)
    rps = H2LOAD_RPS.search(out)
    traffic = H2LOAD_TRAFFIC.search(out)
    if not (counts and status and rps and traffic):
        raise SystemExit(f"could not read h2load's summary:\n{out}")
    done = int(counts[2])
    return {
        "requests": done,
        "seconds": float(seconds),
        "bytes": int(traffic[1]),
        "errors": {
            "failed": int(counts[4]),
            "errored": int(counts[5]),
            "timeout": int(counts[6]),
            "status": int(status[3]) + int(status[4]) + int(status[2]),
        },
        "mean": sum(latencies) / len(latencies) if latencies else 0.0,
        "max": latencies[-1] if latencies else 0.0,
        "conn_min_rps": float(rps[1]),
        "conn_mean_rps": float(rps[3]),
        **{f"p{n}": percentile(latencies, n / 100) for n in (50, 90, 95, 99)},
    }


CLIENTS = {"h2load": h2load, "wrk": wrk}


def measure(
    server: str, port: int, pgid: int, page: Page, cookie: str, token: str, args: argparse.Namespace
) -> Result:
    result = Result(server, page)
    headers = headers_for(page, cookie, token)
    status, body = fetch(port, page.path, headers)
    if status != 200:
        result.skipped = f"HTTP {status}"
        log(f"   {page.name}: {page.path} answers HTTP {status}: not measured")
        return result
    client = CLIENTS[args.client]
    if args.client == "wrk" and args.warmup:  # h2load warms up within its own run
        wrk(port, page, headers, args, args.warmup)
    cpu_before = group_cpu_seconds(pgid)
    data = client(port, page, headers, args, args.duration)
    requests = max(1, data["requests"])
    if args.client == "h2load":
        # h2load's warm-up runs inside the same process: count the server's CPU for the
        # measured part only by scaling the whole run's CPU to the measured requests' share.
        cpu_seconds = group_cpu_seconds(pgid) - cpu_before
        total = args.duration + args.warmup
        result.cpu_ms = 1000 * cpu_seconds * (args.duration / total) / requests
    else:
        result.cpu_ms = 1000 * (group_cpu_seconds(pgid) - cpu_before) / requests
    result.rps = data["requests"] / data["seconds"]
    result.p50, result.p90, result.p95, result.p99 = (data[k] for k in ("p50", "p90", "p95", "p99"))
    result.mean, result.max = data["mean"], data["max"]
    result.conn_min_rps = data.get("conn_min_rps", 0.0)
    result.conn_mean_rps = data.get("conn_mean_rps", 0.0)
    result.busy = result.mean / 1000 * result.rps / args.connections
    result.bytes_per_response = data["bytes"] / requests
    result.errors = {k: v for k, v in data["errors"].items() if v}
    slowest = (
        f", slowest connection {result.conn_min_rps:.0f} req/s (mean {result.conn_mean_rps:.0f})"
        if result.conn_mean_rps
        else ""
    )
    log(
        f"   {page.name}: {result.rps:.0f} req/s, p50 {result.p50:.1f} ms, p95 {result.p95:.1f} ms, "
        f"p99 {result.p99:.1f} ms, max {result.max:.0f} ms, {result.cpu_ms:.2f} ms CPU, "
        f"{len(body)} bytes{slowest}"
        + (f", ERRORS {result.errors}" if result.errors else "")
        + (
            f", INCONSISTENT: mean latency x throughput is {result.busy:.2f} x the connections"
            if result.busy > 1.05
            else ""
        )
    )
    return result


def line(result: Result, prefix: str) -> str:
    name = f"{prefix}{result.page.name}"
    if result.skipped:
        return f"{name}: not measured ({result.skipped})"
    return (
        f"{name}: {result.rps:.0f} req/s, p50 {result.p50:.1f} ms, p99 {result.p99:.1f} ms, "
        f"{result.share:.0f}% of ceiling"
    )


def machine() -> dict[str, Any]:
    cpu = ""
    with contextlib.suppress(OSError):
        for row in Path("/proc/cpuinfo").read_text().splitlines():
            if row.startswith("model name"):
                cpu = row.split(":", 1)[1].strip()
                break
    from django.db import connection

    versions = {}
    for tool, flag in (("h2load", "--version"), ("wrk", "-v")):
        if shutil.which(tool):
            done = subprocess.run([tool, flag], capture_output=True, text=True, check=False)
            versions[tool] = (done.stdout or done.stderr).split("\n")[0].strip()
    return {
        "cpus": os.cpu_count(),
        "cpu": cpu,
        "memory_gib": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30),
        "python": platform.python_version(),
        "database": connection.vendor
        + (f" {connection.Database.sqlite_version}" if connection.vendor == "sqlite" else ""),
        **versions,
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--size", choices=["full", "quick", "tiny"], default="quick")
    parser.add_argument(
        "--servers", default=DEFAULT_SERVER, help=f"comma-separated: {', '.join(SERVERS)}"
    )
    parser.add_argument("--pages", default="", help="comma-separated page names (default: all)")
    parser.add_argument(
        "--duration",
        type=int,
        help="seconds per page (full: 30; quick: up to 10, within 210 s in all)",
    )
    parser.add_argument(
        "--warmup", type=int, help="seconds of warm-up per page (quick: 2, full: 5)"
    )
    parser.add_argument(
        "--client", choices=sorted(CLIENTS), default="h2load", help="the load generator"
    )
    parser.add_argument("--threads", type=int, default=2, help="client threads")
    parser.add_argument("--connections", type=int, default=32, help="client connections")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2, help="server processes")
    parser.add_argument(
        "--blocking-threads", type=int, default=1, help="granian WSGI threads per worker"
    )
    parser.add_argument(
        "--priority", type=int, default=0, help="nice value for the server and the client (e.g. -5)"
    )
    args = parser.parse_args()
    if args.priority:
        PRIORITY[:] = ["nice", "-n", str(args.priority)]
    if args.warmup is None:
        args.warmup = 5 if args.size == "full" else 2
    if shutil.which(args.client) is None:
        package = {"h2load": "nghttp2-client", "wrk": "wrk"}[args.client]
        raise SystemExit(
            f"{args.client} is not installed. On Debian or Ubuntu: apt-get install -y {package}"
        )
    servers = [s.strip() for s in args.servers.split(",") if s.strip()]
    for server in servers:
        if server not in SERVERS:
            raise SystemExit(f"unknown server {server!r}: choose from {', '.join(SERVERS)}")
        if not server_available(server):
            raise SystemExit(f"{server} is not installed in this environment")

    started = time.monotonic()
    configure_environment(args.size)
    sys.path.insert(0, str(ROOT))
    meta = prepare_database(args.size)
    cookie, token = credentials(meta)
    pages = pages_for(meta)
    if args.pages:
        wanted = {p.strip() for p in args.pages.split(",")}
        pages = [p for p in pages if p.name in wanted or p.name == "bare view"]
    if args.duration is None:
        if args.size == "full":
            args.duration = 30
        else:
            # The quick run keeps within its budget however many API endpoints there are.
            per_page = QUICK_BUDGET_SECONDS // max(1, len(pages)) - args.warmup
            args.duration = max(3, min(10, per_page))
    from django.db import connection

    connection.close()  # the servers have the database to themselves while measuring

    results: list[Result] = []
    for server in servers:
        with serving(server, workers=args.workers, threads=args.blocking_threads) as (port, pgid):
            for page in pages:
                results.append(measure(server, port, pgid, page, cookie, token, args))
    ceilings = {r.server: r.rps for r in results if r.page.name == "bare view" and r.rps}
    for r in results:
        r.share = 100 * r.rps / ceilings[r.server] if ceilings.get(r.server) else 0.0

    elapsed = time.monotonic() - started
    info = machine()
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    record = {
        "when": time.strftime("%Y-%m-%d %H:%M:%S %Z"),
        "command": " ".join(["python -m bench.run", *sys.argv[1:]]),
        "size": meta["size"],
        "organisation": {k: v for k, v in meta.items() if k != "size"},
        "load": (
            f"{args.client} -t{args.threads} -c{args.connections}, {args.duration} s"
            f" (after {args.warmup} s of warm-up)"
        ),
        "workers": args.workers,
        "priority": args.priority,
        "session_engine_override": os.environ.get("SESSION_ENGINE", ""),
        "load_average": round(os.getloadavg()[0], 1),
        "machine": info,
        "seconds": round(elapsed),
        "results": [
            {
                "server": r.server, "page": r.page.name, "path": r.page.path, "rps": round(r.rps, 1),
                "p50_ms": round(r.p50, 2), "p90_ms": round(r.p90, 2), "p95_ms": round(r.p95, 2),
                "p99_ms": round(r.p99, 2), "mean_ms": round(r.mean, 2), "max_ms": round(r.max, 2),
                "share": round(r.share, 1), "busy": round(r.busy, 3),
                "connection_min_rps": r.conn_min_rps, "connection_mean_rps": r.conn_mean_rps,
                "cpu_ms": round(r.cpu_ms, 3),
                "bytes": round(r.bytes_per_response), "errors": r.errors, "skipped": r.skipped,
            }
            for r in results
        ],
    }  # fmt: skip
    path = RESULTS / f"{stamp}-{args.size}.json"
    path.write_text(json.dumps(record, indent=2) + "\n")

    log(f"\nDetails ({record['load']}; {info['cpus']} CPUs, {info['cpu']}; {info['database']}):")
    log(
        f"  {'server':<14} {'page':<30} {'req/s':>7} {'p50':>7} {'p95':>7} {'p99':>7} {'max':>7}"
        f" {'CPU/req':>8} {'slowest conn':>12}  errors"
    )
    for r in results:
        if r.skipped:
            log(f"  {r.server:<14} {r.page.name:<30} {r.skipped}")
            continue
        log(
            f"  {r.server:<14} {r.page.name:<30} {r.rps:7.0f} {r.p50:7.1f} {r.p95:7.1f} {r.p99:7.1f}"
            f" {r.max:7.0f} {r.cpu_ms:6.2f}ms"
            f" {(f'{100 * r.conn_min_rps / r.conn_mean_rps:.0f}%' if r.conn_mean_rps else '-'):>12}"
            f"  {sum(r.errors.values()) or ''}"
        )
    load = os.getloadavg()[0]
    if load > (info["cpus"] or 2) * 1.5:
        log(
            f"\nWarning: load average {load:.1f} on {info['cpus']} CPUs: other work shared the cores."
        )
    log(f"\nResults: {path.relative_to(ROOT)} ({elapsed:.0f} s in all)\n")
    prefix_needed = len(servers) > 1
    for r in results:
        log(line(r, f"{r.server} " if prefix_needed else ""))
    consent_answers(args.size)


def consent_answers(size: str) -> None:
    """Concurrent consent answers through the API (bench/consent_answers.py), 32 clients, on
    SQLite and, where a server answers, on PostgreSQL."""
    members = "640" if size == "full" else "320"
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "SQLITE_PATH"}}
    databases = [("SQLite", env)]
    pg_url = os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    with socket.socket() as probe:
        probe.settimeout(1)
        if probe.connect_ex(("127.0.0.1", 5432)) == 0 or "BENCH_POSTGRES_URL" in os.environ:
            databases.append(("PostgreSQL", {**env, "DATABASE_URL": pg_url}))
        else:
            log("consent answers PostgreSQL: not measured (no server on 127.0.0.1:5432)")
    for name, database_env in databases:
        done = subprocess.run(
            [sys.executable, "-m", "bench.consent_answers", "--members", members,
             *(["--priority", PRIORITY[-1]] if PRIORITY else [])],
            cwd=ROOT, env=database_env, capture_output=True, text=True, check=False,
        )  # fmt: skip
        lines = [x for x in done.stdout.splitlines() if x.startswith("consent answers")]
        log(
            lines[-1] if lines else f"consent answers {name}: failed ({done.stderr.strip()[-300:]})"
        )


if __name__ == "__main__":
    main()
