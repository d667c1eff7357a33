"""What a server process does once it has loaded the application, before its first request.

Django loads the URL configuration on the first request that needs it: every view module, the
API with its schemas, and then each URL pattern's regular expression as a request first tries it.
Measured in a new process, that first request took about 500 ms; a consent answer takes 3. After
a restart (a deploy, or a worker the server replaced) the first people to arrive, one per server
process, waited that long. `warm_up` does the loading at start-up instead, and the entry points
(config/wsgi.py, config/asgi.py) call it before the collector freeze (circlewise.core.perf.memory), so
that what it loads is frozen too.
"""

from __future__ import annotations

from django.conf import settings
from django.urls import URLResolver, get_resolver
from django.utils import translation

from circlewise.core import perf
from circlewise.core.perf.memory import keep_long_lived_out_of_collections


def _compile_patterns(resolver: URLResolver) -> None:
    """Compile every pattern's regular expression under `resolver`."""
    for entry in resolver.url_patterns:
        entry.pattern.regex  # noqa: B018 - the descriptor compiles and keeps it
        if isinstance(entry, URLResolver):
            _compile_patterns(entry)


def warm_up() -> None:
    """Import every view and the API, compile every URL pattern, build the reverse lookup (used
    by every page's links) and load each language's translations."""
    resolver = get_resolver()
    _compile_patterns(resolver)
    resolver.reverse_dict  # noqa: B018 - builds the names-to-patterns lookup once
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            translation.gettext("Circlewise")


def ready_to_serve() -> None:
    """Called by the server entry points once the application is loaded (nothing is done with
    the fast paths off)."""
    if not perf.enabled():
        return
    warm_up()
    keep_long_lived_out_of_collections()
