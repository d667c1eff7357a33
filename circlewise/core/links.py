"""Links: paths within the site remembered per process, and the address people reach it at
(for links that leave the site: emails, API answers).

`SITE_URL`, when it is set, names that address (production sets it: behind a proxy the request may
not say how people reached the site). Otherwise a link is made from the request that caused it:
its scheme, host and port, so that `PORT=8302 make demo` sends links to port 8302. There is no
default address, so no link ever points at a port the site is not served on.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest
from django.urls import get_script_prefix, reverse

from circlewise.core.lru import BytesLRU, text_size


def absolute_url(path: str, request: HttpRequest | None) -> str:
    """`path` (from `reverse`) as a full address: on SITE_URL when set, else on the request's."""
    base = str(getattr(settings, "SITE_URL", "") or "").rstrip("/")
    if base:
        return base + path
    if request is None:
        raise ImproperlyConfigured(
            "Set SITE_URL to the site's address: a link made outside a request (in the task "
            "worker, a command) has no other way to know it."
        )
    return request.build_absolute_uri(path)


# Paths by (script prefix, URL name, arguments), so that a page listing thousands of people or
# circles calls `reverse()` once per distinct link, not once per row per request. Bounded by bytes
# like every in-process cache (`core.lru`); a path depends only on its key while the URL
# configuration is loaded, and changing that restarts the process.
_paths: BytesLRU[tuple[str, str, tuple[str | int, ...]], str] = BytesLRU(
    4 * 1024 * 1024, lambda key, value: text_size(value, *map(str, key[2])) + 64
)


def path_to(viewname: str, *args: str | int) -> str:
    """`reverse(viewname, args=args)`, remembered: the same path, at a dictionary lookup's cost."""
    key = (get_script_prefix(), viewname, args)
    found = _paths.get(key)
    if found is None:
        found = reverse(viewname, args=list(args))
        _paths.put(key, found)
    return found
