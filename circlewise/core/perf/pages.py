"""Whole pages kept in the cache per viewer, on the organisation's ledger version.

Shared by the pages that cache what they render (circlewise.circles.views.browse,
circlewise.decisions.views.browse): see docs/performance.md, "Caching on the ledger version".
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from typing import Any

from django.contrib.messages import get_messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string

from circlewise.core import cache, context_processors
from circlewise.core.perf.csrf import get_token

WHOLE_PAGE_TIMEOUT = 10 * 60


def _split_at_token(render: Callable[[str], str]) -> tuple[bytes, ...]:
    """The page rendered with a marker where the CSRF token goes, cut at each marker.

    The marker is made afresh for each rendering, 128 random bits that exist nowhere else and
    are never sent, so no text that anyone wrote can hold it; the page is kept as the pieces
    around it, and a response joins them with its own token. Nothing in the page is searched
    and replaced afterwards, so what people write is sent exactly as it was rendered.
    """
    marker = secrets.token_hex(16)
    return tuple(piece.encode() for piece in render(marker).split(marker))


def whole_page(
    request: HttpRequest,
    template: str,
    context: dict[str, Any] | Callable[[], dict[str, Any]],
    *,
    name: str,
    version: str,
    vary: tuple[Any, ...],
) -> HttpResponse:
    """The page, navigation included, from the cache for this viewer.

    The key holds everything the page shows that the organisation's version does not: who is
    looking (their navigation: organisations and unread count, read here every time), the path,
    and the page's own `vary`. The CSRF token is put in afresh, masked anew for every response as
    Django does. A page with messages to show is rendered as usual. `context` may be a function,
    called only when the page is rendered.

    The page is kept encoded (UTF-8 bytes, as it is sent) and cut where the token goes
    (`_split_at_token`): a page of 100-150 kB is then neither decoded from the cache nor encoded
    again for every response, only joined around the token.
    """
    if len(get_messages(request)):
        return render(request, template, context() if callable(context) else context)
    user = request.user
    navigation = context_processors.navigation(request)
    organisations = list(navigation["nav_organisations"]())
    unread = int(navigation["nav_unread"]())

    def render_page(marker: str) -> str:
        page = {
            **(context() if callable(context) else context),
            "nav_organisations": organisations,
            "nav_unread": unread,
            "csrf_token": marker,
        }
        return render_to_string(template, page, request)

    # The key of a fragment (the language, time zone, date, people version and code version are in
    # it), kept as a value: bytes rather than text.
    key = cache.fragment_key(
        name,
        version=version,
        vary=(
            user.pk,
            request.get_full_path(),
            tuple((o.pk, o.slug, o.name) for o in organisations),
            unread,
            *vary,
        ),
    )
    pieces = cache.value(
        key,
        version=version,
        compute=lambda: _split_at_token(render_page),
        # One person's page (40-150 kB): kept briefly, shared fragments stay longer.
        timeout=WHOLE_PAGE_TIMEOUT,
    )
    return HttpResponse(get_token(request).encode().join(pieces))


def shared_body_page(
    request: HttpRequest,
    template: str,
    organisation: Any,
    *,
    name: str,
    vary: tuple[Any, ...],
    context: Callable[[], dict[str, Any]],
) -> HttpResponse:
    """A page whose body (`template#page`) is the same for every viewer with the same `vary`:
    the body is kept as a shared fragment, the page around it per viewer (`whole_page`), both on
    the organisation's ledger version. `context` is called only when the body is rendered."""
    version = cache.organisation_version(organisation)

    def render_body() -> str:
        return render_to_string(f"{template}#page", context(), request)

    def body() -> str:
        return cache.fragment(
            f"{name}:{organisation.pk}", version=version, vary=vary, render=render_body
        )

    return whole_page(
        request,
        template,
        {"organisation": organisation, "page": body},
        name=f"{name}-page:{organisation.pk}",
        version=version,
        vary=vary,
    )
