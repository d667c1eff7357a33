"""What each product page costs when it is not in the cache, beside what it costs when it is.

    python -m bench.cold --size full               # part of `make bench`
    python -m bench.cold --size quick --repeat 15  # part of `make bench-quick`
    python -m bench.cold --size full --pages "circle page,proposal page" --repeat 60

In-process (Django's test client, the production settings of `bench.run`, signed in as the
benchmark's viewer), each page of the generated organisation (run `bench.run` first) is requested
`--repeat` times with the cache cleared before each request (**cold**: what everyone meets after
any change to the organisation, since every cached page and fragment is keyed on its ledger
version), and `--repeat` times from the cache (**cached**). The pages are interleaved, so that
other work on a shared machine slows them all alike; the figure is the median. One line per page:

    cold NAME: A ms, Q queries (cached B ms, q queries)

"Cleared" is Django's cache and the copies each process keeps in front of a shared one
(`core.cache`): every rendered page and fragment, every value derived from the ledger, the people
and navigation versions. What only depends on text that a change does not touch (the Markdown of
an unchanged text, the SQL of a prepared query, a decoded session) is kept, as it is after a
change. The cold goal is under 8 ms at full size for every product page.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from typing import Any

from bench.run import RESULTS, ROOT, configure_environment, log

COLD_GOAL_MS = 8.0


def product_pages(meta: dict[str, Any]) -> list[tuple[str, str]]:
    """The pages people meet, by name: `bench.run`'s product pages and the organisation's home
    (where `/` sends a member of one organisation)."""
    from bench.run import pages_for

    pages = [("org home", f"/o/{meta['org']}/")]
    pages += [(p.name, p.path) for p in pages_for(meta) if p.auth == "session"]
    return pages


def clear_caches() -> None:
    from django.core.cache import cache

    from circlewise.core import cache as fragments

    cache.clear()
    fragments._local.clear()


def open_generated(size: str) -> dict[str, Any]:
    """Django set up in this process on the organisation `bench.run` generated at `size` (with the
    production settings of `bench.run`, the test client's host allowed): its description."""
    configure_environment(size)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.conf import settings

    from bench import generate

    meta = generate.existing(generate.SIZES[size])
    if not meta:
        raise SystemExit(f"no {size} organisation: run `python -m bench.run --size {size}` first")
    settings.ALLOWED_HOSTS = ["testserver", *settings.ALLOWED_HOSTS]
    return meta


def signed_in_client(meta: dict[str, Any], user_id: int | None = None) -> Any:
    from django.conf import settings
    from django.test import Client
    from django.utils.crypto import get_random_string

    from circlewise.accounts.models import User

    client = Client(headers={"X-Forwarded-Proto": "https"})
    client.force_login(User.objects.get(pk=user_id or meta["viewer_id"]))
    client.cookies[settings.CSRF_COOKIE_NAME] = get_random_string(32)  # as a browser would have
    return client


def measure(
    client: Any, pages: list[tuple[str, str]], repeat: int, *, cold: bool
) -> dict[str, dict[str, float]]:
    """Median and best milliseconds and the query count of each page, interleaved."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    samples: dict[str, list[float]] = {name: [] for name, _ in pages}
    cpu: dict[str, list[float]] = {name: [] for name, _ in pages}
    queries: dict[str, int] = {}
    for name, path in pages:  # once each first: code and templates loaded, sessions decoded
        if client.get(path).status_code != 200:
            raise SystemExit(f"{name} ({path}) does not answer 200")
    for _ in range(repeat):
        for name, path in pages:
            if cold:
                clear_caches()
            started, started_cpu = time.perf_counter(), time.thread_time()
            client.get(path)
            samples[name].append(time.perf_counter() - started)
            cpu[name].append(time.thread_time() - started_cpu)
    for name, path in pages:
        if cold:
            clear_caches()
        with CaptureQueriesContext(connection) as captured:
            client.get(path)
        queries[name] = len(captured.captured_queries)
    return {
        name: {
            "median_ms": statistics.median(times) * 1000,
            "best_ms": min(times) * 1000,
            "cpu_ms": statistics.median(cpu[name]) * 1000,
            "queries": queries[name],
        }
        for name, times in samples.items()
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--size", choices=["full", "quick", "tiny"], default="quick")
    parser.add_argument("--repeat", type=int, default=40, help="requests per page and state")
    parser.add_argument("--pages", default="", help="comma-separated page names (default: all)")
    args = parser.parse_args()

    meta = open_generated(args.size)
    pages = product_pages(meta)
    if args.pages:
        wanted = {p.strip() for p in args.pages.split(",")}
        pages = [p for p in pages if p[0] in wanted]
    client = signed_in_client(meta)
    started = time.monotonic()
    cold = measure(client, pages, args.repeat, cold=True)
    cached = measure(client, pages, args.repeat, cold=False)
    RESULTS.mkdir(parents=True, exist_ok=True)
    record = {
        "when": time.strftime("%Y-%m-%d %H:%M:%S %Z"),
        "command": " ".join(["python -m bench.cold", *sys.argv[1:]]),
        "size": args.size,
        "repeat": args.repeat,
        "seconds": round(time.monotonic() - started),
        "pages": [
            {"page": name, "path": path, "cold": cold[name], "cached": cached[name]}
            for name, path in pages
        ],
    }
    path = RESULTS / f"{time.strftime('%Y%m%d-%H%M%S')}-{args.size}-cold.json"
    path.write_text(json.dumps(record, indent=2) + "\n")
    log(
        f"\nCold and cached, in-process, median of {args.repeat} interleaved requests each "
        f"({path.relative_to(ROOT)}):"
    )
    for name, _ in pages:
        c, h = cold[name], cached[name]
        mark = (
            "" if c["median_ms"] < COLD_GOAL_MS or args.size != "full" else "  (goal: under 8 ms)"
        )
        log(
            f"cold {name}: {c['median_ms']:.1f} ms (CPU {c['cpu_ms']:.1f} ms, best "
            f"{c['best_ms']:.1f} ms), {c['queries']:.0f} queries (cached {h['median_ms']:.1f} ms, "
            f"CPU {h['cpu_ms']:.1f} ms, {h['queries']:.0f} queries){mark}"
        )


if __name__ == "__main__":
    main()
