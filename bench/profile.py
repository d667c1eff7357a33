"""Profile one page of the generated organisation in-process, signed in as the benchmark viewer.

    python -m bench.profile --size quick /o/bench/c/operations/
    python -m bench.profile --size quick --repeat 200 --sort tottime /o/bench/chart/

Prints the queries of one request (count and time), then cProfile's top functions over `--repeat`
requests after a warm-up. Uses the database `bench.run` generated (run that first).
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import time
from typing import Any

from bench.cold import clear_caches, open_generated, signed_in_client


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("path", nargs="+", help="one path to profile, or several to time (--time)")
    parser.add_argument(
        "--time", action="store_true", help="no profiler: median time per request of each path"
    )
    parser.add_argument("--size", choices=["full", "quick", "tiny"], default="quick")
    parser.add_argument("--repeat", type=int, default=50)
    parser.add_argument("--sort", default="cumulative")
    parser.add_argument("--limit", type=int, default=40)
    parser.add_argument("--queries", action="store_true", help="print every query's SQL")
    parser.add_argument(
        "--cold", action="store_true", help="clear the caches before each request (bench.cold)"
    )
    args = parser.parse_args()

    meta = open_generated(args.size)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = signed_in_client(meta)
    get = client.get
    if args.cold:

        def get(path: str) -> Any:
            clear_caches()
            return client.get(path)

    if args.time:
        import statistics

        for path in args.path:
            get(path)
        samples: dict[str, list[float]] = {p: [] for p in args.path}
        for _ in range(args.repeat):
            for path in args.path:  # interleaved, so that other work on the machine hits all alike
                started = time.perf_counter()
                get(path)
                samples[path].append(time.perf_counter() - started)
        for path, times in samples.items():
            with CaptureQueriesContext(connection) as queries:
                get(path)
            print(
                f"{statistics.median(times) * 1000:8.2f} ms median, {min(times) * 1000:8.2f} ms best, "
                f"{len(queries.captured_queries):3d} queries  {path}"
            )
        return
    args.path = args.path[0]
    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        response = get(args.path)
        first = time.perf_counter() - started
    print(
        f"HTTP {response.status_code}, {len(response.content)} bytes, first request {first * 1000:.1f} ms"
    )
    total_sql = sum(float(q["time"]) for q in queries.captured_queries)
    print(f"{len(queries.captured_queries)} queries, {total_sql * 1000:.1f} ms in the database")
    if args.queries:
        for q in queries.captured_queries:
            print(f"  {float(q['time']) * 1000:7.2f} ms  {q['sql'][:300]}")

    for _ in range(3):
        get(args.path)
    profiler = cProfile.Profile()
    started = time.perf_counter()
    profiler.enable()
    for _ in range(args.repeat):
        get(args.path)
    profiler.disable()
    each = (time.perf_counter() - started) / args.repeat
    print(f"{each * 1000:.2f} ms per request over {args.repeat} (profiled: slower than served)\n")
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats(args.sort).print_stats(args.limit)
    print(out.getvalue())


if __name__ == "__main__":
    main()
