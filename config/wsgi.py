"""WSGI entry point: the pages and the API (docs/decisions/0001-http-server.md)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

application = get_wsgi_application()

from circlewise.core.memory import keep_long_lived_out_of_collections  # noqa: E402

keep_long_lived_out_of_collections()
