"""The production settings, plus the benchmark's proposal pages (bench/proposal.py) and their
templates. Nothing else differs from config.settings."""

import os

from config.settings import *  # noqa: F403
from config.settings import BASE_DIR, TEMPLATES

ROOT_URLCONF = "bench.urls"
TEMPLATES[0]["DIRS"] = [*TEMPLATES[0]["DIRS"], BASE_DIR / "bench" / "templates"]

# Experiments: BENCH_SESSION_ENGINE=django.contrib.sessions.backends.cached_db python -m bench...
if os.environ.get("BENCH_SESSION_ENGINE"):
    SESSION_ENGINE = os.environ["BENCH_SESSION_ENGINE"]
