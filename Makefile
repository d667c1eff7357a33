# Circlewise. `make demo` serves the demo organisation; `make test` runs the test suite.
# `make help` lists every command.
SHELL := /bin/bash
PORT ?= 8000
MAIL_PORT ?= 8025
HOST ?= 127.0.0.1
# The newest Python 3.12+ on this machine; `make PYTHON=/path/to/python3.13 ...` to choose.
PYTHON ?= $(shell for p in python3.14 python3.13 python3.12 python3; do \
	if command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(sys.version_info < (3, 12))' >/dev/null 2>&1; then \
	command -v $$p; break; fi; done)
# uv is installed into .tools with pip on first use, so nothing else is needed and every machine
# runs the same uv. To use your own: `make UV=uv ...`.
UV ?= .tools/bin/uv
export UV_PYTHON_DOWNLOADS := never
VENV := .venv/bin
MANAGE := $(VENV)/python manage.py

.PHONY: help demo serve test test-quick test-pg lint format typecheck check-deploy check-migrations \
	worker worker-check bench bench-quick soak soak-quick messages clean

help:
	@echo "make demo              install, migrate, load the demo organisation, serve http://$(HOST):$(PORT)"
	@echo "make test              the test suite on SQLite"
	@echo "make test-quick        the suite without the browser tests and the slow sweeps (a minute or less)"
	@echo "make test-pg           the test suite on PostgreSQL (DATABASE_URL)"
	@echo "make lint              ruff check and ruff format --check"
	@echo "make format            ruff format and ruff check --fix"
	@echo "make typecheck         mypy (strict) on circlewise and config"
	@echo "make check-deploy      Django's deployment checks under production settings"
	@echo "make check-migrations  fail if a model change has no migration"
	@echo "make worker            the background task worker and the scheduler of periodic tasks"
	@echo "make bench             load benchmarks, cold pages, the mixed load, the meeting room, then the memory soak (bench-quick: smaller)"
	@echo "make soak              one worker serving new content for 5 minutes: its memory (soak-quick: 1 minute)"
	@echo "make messages          update and compile the plain-words catalog in locale/ (needs gettext)"
	@echo "make clean             remove .venv, .tools and var/ (the demo database too)"

.tools/bin/uv:
	@test -n "$(PYTHON)" || { echo "Circlewise needs Python 3.12 or newer (python3.12, python3.13 or python3)."; exit 1; }
	@$(PYTHON) -m venv .tools || { rm -rf .tools; echo "Could not create a virtual environment with $(PYTHON)."; \
		echo "On Debian or Ubuntu: apt-get install python3-venv (or python3.X-venv for your version)."; exit 1; }
	.tools/bin/python -m pip install --quiet --disable-pip-version-check "uv>=0.9"

.venv/.synced: uv.lock pyproject.toml | $(filter .tools/bin/uv,$(UV))
	$(UV) sync --frozen --python "$(PYTHON)"
	@touch $@

# The demo serves the site with the worker and the scheduler beside it (reminders, deadlines,
# digests, retried deliveries) and the receiver of replies by email on MAIL_PORT; all stop when
# the server stops.
demo: .venv/.synced
	$(MANAGE) migrate --noinput
	$(MANAGE) load_demo
	@export DEBUG=$${DEBUG:-0} SITE_URL=$${SITE_URL:-http://$(HOST):$(PORT)}; trap 'kill $$(jobs -p) 2>/dev/null; wait' EXIT; \
		$(MANAGE) db_worker --no-reload & \
		$(MANAGE) crontask --no-heartbeat & \
		$(MANAGE) receive_mail --host $(HOST) --port $(MAIL_PORT) & \
		$(VENV)/granian --interface asginl --host $(HOST) --port $(PORT) --workers 1 config.asgi:application

serve: demo

# The suite runs in parallel, one test process per core (pytest-xdist; the browser tests stay
# together in one of them). `make test PARALLEL=` runs it in a single process.
PARALLEL ?= -n auto --dist loadgroup
# Every test process imports Django and the test modules afresh: with PYTHONDONTWRITEBYTECODE
# set (some shells and containers set it) that is compiling them all, 10 s of CPU a process.
# The tests keep their bytecode under var/pycache instead, beside nothing in the source tree.
TEST_ENV := CIRCLEWISE_TESTING=1 PYTHONDONTWRITEBYTECODE= PYTHONPYCACHEPREFIX=$(CURDIR)/var/pycache
# The quick subset leaves out the browser tests and the few exhaustive sweeps marked `slow`
# (the permission matrix, the private canary, the consent process's properties: see
# tests/conftest.py), which `make test` runs. The API's property tests are all slow, and their
# module alone costs each test process seconds to collect (Schemathesis builds a test for every
# operation then): it is not even collected.
QUICK := -m "not browser and not slow" --ignore=tests/api/test_api_properties.py

test: .venv/.synced
	$(TEST_ENV) $(VENV)/pytest $(PARALLEL) $(PYTEST_ARGS)

test-quick: .venv/.synced
	$(TEST_ENV) $(VENV)/pytest $(PARALLEL) $(QUICK) $(PYTEST_ARGS)

test-pg: .venv/.synced
	$(TEST_ENV) DATABASE_URL=$${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/circlewise} $(VENV)/pytest $(PARALLEL) $(PYTEST_ARGS)

lint: .venv/.synced
	$(VENV)/ruff check .
	$(VENV)/ruff format --check .

format: .venv/.synced
	$(VENV)/ruff format .
	$(VENV)/ruff check --fix .

typecheck: .venv/.synced
	$(VENV)/mypy circlewise config

check-deploy: .venv/.synced
	CIRCLEWISE_PRODUCTION=1 SECRET_KEY=$$(head -c 48 /dev/urandom | base64 | tr -d '\n') ALLOWED_HOSTS=circlewise.example.org \
		$(MANAGE) check --deploy --fail-level WARNING

check-migrations: .venv/.synced
	$(MANAGE) makemigrations --check --dry-run

# The plain-words catalog (core/plainwords.py): new strings are added untranslated, then the ones
# that use the jargon get their plain words in locale/en_X-plain/LC_MESSAGES/django.po
# (tests/core/test_plain_words.py says which). Needs GNU gettext: apt-get install gettext.
messages: .venv/.synced
	@command -v msgfmt >/dev/null || { echo "make messages needs GNU gettext: apt-get install gettext"; exit 1; }
	$(MANAGE) makemessages -l en_X-plain --no-obsolete --no-location \
		-i ".venv/*" -i "var/*" -i "tests/*" -i "bench/*" -i ".tools/*"
	$(MANAGE) compilemessages -l en_X-plain

# The worker runs queued tasks; the scheduler beside it enqueues the periodic ones at their times
# (docs/decisions/0006-periodic-work.md). When either stops, the other is stopped too.
worker: .venv/.synced
	@trap 'kill $$(jobs -p) 2>/dev/null; wait' EXIT; \
		$(MANAGE) crontask --no-heartbeat & \
		$(MANAGE) db_worker & \
		wait -n

# The worker starts against a freshly migrated database, runs what is queued and exits.
worker-check: .venv/.synced
	@tmp=$$(mktemp -d) && trap 'rm -rf "$$tmp"' EXIT && \
		SQLITE_PATH=$$tmp/worker.sqlite3 $(MANAGE) migrate --noinput -v 0 && \
		SQLITE_PATH=$$tmp/worker.sqlite3 $(MANAGE) db_worker --batch --no-startup-delay

bench: .venv/.synced
	$(VENV)/python -m bench.run --size full
	$(VENV)/python -m bench.cold --size full
	$(VENV)/python -m bench.mixed --size full
	$(VENV)/python -m bench.digest --size full
	$(VENV)/python -m bench.room
	$(VENV)/python -m bench.soak

soak: .venv/.synced
	$(VENV)/python -m bench.soak

soak-quick: .venv/.synced
	$(VENV)/python -m bench.soak --quick

bench-quick: .venv/.synced
	$(VENV)/python -m bench.run --size quick
	$(VENV)/python -m bench.cold --size quick --repeat 15
	$(VENV)/python -m bench.room --cases 200 --changes 5
	$(VENV)/python -m bench.mixed --size quick --duration 10 --warmup 3 --ceiling-seconds 5
	$(VENV)/python -m bench.digest --size quick

clean:
	rm -rf .venv .tools var
