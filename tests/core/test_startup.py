"""A new server process loads the application before its first request (core.perf.startup)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]

# With CIRCLEWISE_FAST_PATHS=0 the fast path under test is off (circlewise.core.perf).
fast_paths_only = pytest.mark.skipif(
    not settings.CIRCLEWISE_FAST_PATHS,
    reason="tests a fast path, which CIRCLEWISE_FAST_PATHS=0 turns off",
)

# Run in a new interpreter: the test process has long since loaded everything.
PROBE = """
import json, sys
before = "circlewise.decisions.api" in sys.modules
import config.wsgi
from django.urls import URLResolver, get_resolver

def walk(resolver):
    for entry in resolver.url_patterns:
        yield entry
        if isinstance(entry, URLResolver):
            yield from walk(entry)

resolver = get_resolver()
patterns = list(walk(resolver))
print(json.dumps({
    "before": before,
    "after": "circlewise.decisions.api" in sys.modules,
    "patterns": len(patterns),
    "uncompiled": [str(p.pattern) for p in patterns if "regex" not in p.pattern.__dict__],
    "reverse_built": resolver._populated,
}))
"""


@fast_paths_only
def test_the_wsgi_entry_point_loads_views_and_urls_before_the_first_request(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "SQLITE_PATH": str(tmp_path / "startup.sqlite3"),
    }
    env.pop("DATABASE_URL", None)
    done = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    )
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert seen["before"] is False
    assert seen["after"] is True  # the API's module, imported by the URL configuration
    assert seen["patterns"] > 200
    assert seen["uncompiled"] == []
    assert seen["reverse_built"] is True
