"""Concurrent consent answers through the API: 32 clients, one open round, every member answering.

    python -m bench.consent_answers --members 320            # SQLite (a fresh file)
    DATABASE_URL=postgres://... python -m bench.consent_answers   # PostgreSQL (a fresh database)

Each member answers once with their own write token; every tenth member sends the same answer a
second time, as a double submission would. Afterwards the database is compared with what the
server acknowledged. Before the measured round, the server is warmed as in the page benchmarks:
other people (`--warmup`, 64 by default, in a circle of their own) answer in another round, so
that each server process has loaded the code the answers run before the clock starts. Prints
one line:

    consent answers DB: N answers/s, lost L, duplicated D

"lost" counts answers the server acknowledged (2xx) that are not in the database; "duplicated"
counts members with more than one answer in the round. Both must be 0.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import queue
import sys
import threading
import time
from pathlib import Path
from typing import Any

from bench import run
from bench.run import ROOT, group_cpu_seconds, serving


def configure(database_url: str) -> str:
    """The benchmarks' production settings (`run.configure_environment`), without Redis, on a fresh
    database: a new PostgreSQL database next to the one named, or var/bench/consent.sqlite3."""
    os.environ.pop("REDIS_URL", None)
    if database_url:
        import psycopg

        base, _, name = database_url.rpartition("/")
        name = "circlewise_bench_consent"
        with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
            conn.execute(f"CREATE DATABASE {name}")
        os.environ["DATABASE_URL"] = f"{base}/{name}"
        run.configure_environment("consent")
        return "PostgreSQL"
    os.environ.pop("DATABASE_URL", None)
    run.configure_environment("consent")  # SQLITE_PATH: var/bench/consent.sqlite3
    path = Path(os.environ["SQLITE_PATH"])
    path.parent.mkdir(parents=True, exist_ok=True)
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    return "SQLite"


Round = tuple[int, list[tuple[int, str]]]


def prepare(members: int, warmup: int) -> tuple[Round, Round]:
    """An organisation with a circle of `members` people, each with a write token, and a proposal
    whose consent round is open; and a second circle of `warmup` other people with a round of its
    own. Returns each round's id with its members' (user id, token) pairs, the measured first."""
    import django

    sys.path.insert(0, str(ROOT))
    django.setup()
    from django.contrib.auth.hashers import make_password
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from circlewise.accounts.models import PersonalAccessToken, User, hash_token
    from circlewise.circles import services as circle_services
    from circlewise.circles.models import CircleMembership, OrgMembership, Role, RoleAssignment
    from circlewise.decisions import services

    call_command("migrate", verbosity=0)
    password = make_password("bench")
    people = User.objects.bulk_create(
        User(email=f"member{i}@bench.example", name=f"Member {i}", password=password)
        for i in range(members + warmup)
    )
    founder = people[0]
    org = circle_services.create_organisation(name="Bench Co-op", slug="bench", founder=founder)
    OrgMembership.objects.bulk_create(OrgMembership(organisation=org, user=p) for p in people[1:])
    today = timezone.localdate()

    def open_round(name: str, group: list[User]) -> Round:
        circle = circle_services.create_circle(
            organisation=org, actor=founder, name=name, aim="Decide together."
        )
        CircleMembership.objects.bulk_create(
            CircleMembership(circle=circle, user=p, started_on=today) for p in group
        )
        RoleAssignment.objects.create(
            role=circle.roles.get(kind=Role.Kind.FACILITATOR), holder=group[0],
            term_start=today, term_end=today.replace(year=today.year + 1),
        )  # fmt: skip
        tokens: list[tuple[int, str]] = []
        rows = []
        for person in group:
            raw = PersonalAccessToken.generate()
            rows.append(
                PersonalAccessToken(
                    user=person, name="bench", scope="write", token_hash=hash_token(raw),
                    hint=raw[:8],
                )
            )  # fmt: skip
            tokens.append((person.pk, raw))
        PersonalAccessToken.objects.bulk_create(rows)
        proposal = services.create_proposal(
            circle=circle, author=group[0], title="Bench", driver="Measure.", text="Answer quickly."
        )
        services.present(proposal=proposal, actor=group[0])
        return services.open_consent_round(proposal=proposal, actor=group[0]).pk, tokens

    measured = open_round("Everyone", people[:members])
    # The founder is the warm-up circle's last member and never answers there (main() sends only
    # the first `warmup` tokens), so the warm-up round stays open and never makes a decision.
    warming = open_round("Warm-up", [*people[members:], founder])
    connection.close()
    return measured, warming


def hammer(port: int, round_id: int, tokens: list[tuple[int, str]], clients: int) -> dict[str, Any]:
    jobs: queue.Queue[tuple[int, str, int]] = queue.Queue()
    for i, (user_id, token) in enumerate(tokens):
        jobs.put((user_id, token, 2 if i % 10 == 0 else 1))
    acknowledged: list[int] = []
    statuses: dict[int, int] = {}
    lock = threading.Lock()
    body = json.dumps({"answer": "consent"})

    def client() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        while True:
            try:
                user_id, token, times = jobs.get_nowait()
            except queue.Empty:
                break
            for _ in range(times):
                headers = {
                    "Authorization": f"Bearer {token}",
                    "Content-Type": "application/json",
                    "X-Forwarded-Proto": "https",
                }
                try:
                    conn.request("POST", f"/api/v1/rounds/{round_id}/answers", body, headers)
                    response = conn.getresponse()
                    response.read()
                    status = response.status
                except (OSError, http.client.HTTPException):
                    conn.close()
                    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
                    status = 0
                with lock:
                    statuses[status] = statuses.get(status, 0) + 1
                    if 200 <= status < 300:
                        acknowledged.append(user_id)
        conn.close()

    threads = [threading.Thread(target=client) for _ in range(clients)]
    started = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return {
        "seconds": time.monotonic() - started,
        "acknowledged": acknowledged,
        "statuses": statuses,
    }


def check(round_id: int, acknowledged: list[int]) -> tuple[int, int]:
    from django.db.models import Count

    from circlewise.decisions.models import ConsentResponse

    stored = ConsentResponse.objects.filter(round_id=round_id)
    present = set(stored.values_list("user_id", flat=True))
    lost = len(set(acknowledged) - present)
    duplicated = stored.values("user_id").annotate(n=Count("id")).filter(n__gt=1).count()
    return lost, duplicated


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--members", type=int, default=320)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument(
        "--warmup", type=int, default=64, help="people answering another round before the clock"
    )
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--threads", type=int, default=1, help="threads per server process")
    parser.add_argument(
        "--priority", type=int, default=0, help="nice value for the server and the clients (root)"
    )
    args = parser.parse_args()
    if args.priority:
        run.PRIORITY[:] = ["nice", "-n", str(args.priority)]
        run.boost(os.getpid())
    name = configure(os.environ.get("DATABASE_URL", ""))
    (round_id, tokens), (warm_round, warm_tokens) = prepare(args.members, args.warmup)
    with serving("granian-wsgi", workers=args.workers, threads=args.threads) as (port, pgid):
        if args.warmup:
            hammer(port, warm_round, warm_tokens[: args.warmup], args.clients)
        cpu_before = group_cpu_seconds(pgid)
        client_before = time.process_time()
        outcome = hammer(port, round_id, tokens, args.clients)
        server_cpu = group_cpu_seconds(pgid) - cpu_before
        client_cpu = time.process_time() - client_before
    lost, duplicated = check(round_id, outcome["acknowledged"])
    rate = len(outcome["acknowledged"]) / outcome["seconds"]
    requests = sum(outcome["statuses"].values()) or 1
    print(
        f"  statuses: {dict(sorted(outcome['statuses'].items()))} in {outcome['seconds']:.1f} s; "
        f"CPU per request: server {server_cpu / requests * 1000:.2f} ms, "
        f"clients {client_cpu / requests * 1000:.2f} ms",
        flush=True,
    )
    print(
        f"consent answers {name}: {rate:.0f} answers/s, lost {lost}, duplicated {duplicated}",
        flush=True,
    )


if __name__ == "__main__":
    main()
