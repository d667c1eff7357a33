"""WSGI entry point: the pages and the API (docs/decisions/0001-http-server.md)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

application = get_wsgi_application()

from circlewise.core.perf.startup import ready_to_serve  # noqa: E402

ready_to_serve()
