"""The daily digest run for the whole generated organisation (5,000 people at full size).

    python -m bench.digest --size full     # part of `make bench`
    python -m bench.digest --size quick    # part of `make bench-quick`

In-process, on the organisation `bench.run` generated (run that first), with the production
settings of `bench.run` and Django's in-memory mail backend (the emails are counted, not sent):
`notifications.digests.send_digests(frequency="daily")`, as the task worker runs it each morning,
where the Commons Assembly's open consent round waits for 60 of its 100 members.
Prints one line:

    digest: N people, E emails, S s, Q queries (q per person)

Goal: a fixed number of queries per person, whatever the organisation's size (no N+1), and the
whole run under 10 minutes on this machine. The digests it makes are removed afterwards, so that
the next run makes them again.
"""

from __future__ import annotations

import argparse
import json
import time
from typing import Any

from bench.cold import open_generated
from bench.run import RESULTS, log

GOAL_SECONDS = 600


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--size", choices=["full", "quick", "tiny"], default="quick")
    args = parser.parse_args()
    meta = open_generated(args.size)

    from django.conf import settings
    from django.core import mail
    from django.db import connection

    from circlewise.notifications.digests import send_digests
    from circlewise.notifications.models import Digest

    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
    settings.SITE_URL = settings.SITE_URL or "https://circlewise.example.org"
    mail.outbox = []
    Digest.objects.all().delete()
    queries = 0

    def count(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        nonlocal queries
        queries += 1
        return execute(sql, params, many, context)

    log(f"sending the daily digests of {meta['org']} …")
    started = time.perf_counter()
    with connection.execute_wrapper(count):
        run = send_digests(frequency="daily")
    seconds = time.perf_counter() - started
    emails = len(mail.outbox)
    Digest.objects.all().delete()
    per_person = queries / max(run.people, 1)
    line = (
        f"digest: {run.people} people, {emails} emails, {seconds:.1f} s, {queries} queries "
        f"({per_person:.1f} per person)"
    )
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"{time.strftime('%Y%m%d-%H%M%S')}-{args.size}-digest.json"
    out.write_text(
        json.dumps(
            {
                "size": args.size,
                "people": run.people,
                "emails": emails,
                "seconds": seconds,
                "queries": queries,
                "empty": run.empty,
                "failed": run.failed,
            },
            indent=2,
        )
    )
    print(line + ("" if seconds < GOAL_SECONDS else f"  (goal: under {GOAL_SECONDS} s)"))


if __name__ == "__main__":
    main()
