# Circlewise. `make demo` serves the demo organisation; `make test` runs the test suite.
SHELL := /bin/bash
PORT ?= 8000
HOST ?= 127.0.0.1
# The newest Python 3.12+ on this machine.
PYTHON ?= $(shell for p in python3.13 python3.12 python3; do \
	if command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(sys.version_info < (3, 12))' >/dev/null 2>&1; then \
	command -v $$p; break; fi; done)
UV ?= $(shell command -v uv 2>/dev/null || echo .tools/bin/uv)
export UV_PYTHON_DOWNLOADS := never
VENV := .venv/bin

.PHONY: demo serve test test-pg lint typecheck check-deploy bench bench-quick worker messages clean

.tools/bin/uv:
	@test -n "$(PYTHON)" || { echo "Circlewise needs Python 3.12 or newer."; exit 1; }
	$(PYTHON) -m venv .tools
	.tools/bin/python -m pip install --quiet uv

.venv/.synced: uv.lock pyproject.toml | $(UV)
	$(UV) sync --frozen --python "$(PYTHON)"
	@touch $@

demo: .venv/.synced
	$(VENV)/python manage.py migrate --noinput
	$(VENV)/python manage.py load_demo
	$(VENV)/granian --interface asgi --host $(HOST) --port $(PORT) --workers 1 config.asgi:application

serve: demo

test: .venv/.synced
	CIRCLEWISE_TESTING=1 $(VENV)/pytest $(PYTEST_ARGS)

test-pg: .venv/.synced
	CIRCLEWISE_TESTING=1 DATABASE_URL=$${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/circlewise} $(VENV)/pytest $(PYTEST_ARGS)

lint: .venv/.synced
	$(VENV)/ruff check .
	$(VENV)/ruff format --check .

typecheck: .venv/.synced
	$(VENV)/mypy circlewise config

check-deploy: .venv/.synced
	CIRCLEWISE_PRODUCTION=1 SECRET_KEY=$$(head -c 48 /dev/urandom | base64) ALLOWED_HOSTS=circlewise.example.org \
		$(VENV)/python manage.py check --deploy --fail-level WARNING

worker: .venv/.synced
	$(VENV)/python manage.py db_worker

bench: .venv/.synced
	$(VENV)/python -m bench.run --size full

bench-quick: .venv/.synced
	$(VENV)/python -m bench.run --size quick

messages: .venv/.synced
	$(VENV)/python manage.py makemessages -l en --ignore .venv

clean:
	rm -rf .venv .tools var
