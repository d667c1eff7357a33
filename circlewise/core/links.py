"""Links that leave the site (in emails, in API answers): the address people reach it at.

`SITE_URL`, when it is set, names that address (production sets it: behind a proxy the request may
not say how people reached the site). Otherwise a link is made from the request that caused it:
its scheme, host and port, so that `PORT=8302 make demo` sends links to port 8302. There is no
default address, so no link ever points at a port the site is not served on.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest


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
