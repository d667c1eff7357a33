"""The CSRF token for a response, as `django.middleware.csrf.get_token` gives it, masked faster.

Django masks the secret with 32 characters drawn one by one from `secrets` (32 reads of
`os.urandom`), about 0.15 ms for every page a cached page sends. Here the mask comes from one
read: the same alphabet, each character uniformly drawn (rejection sampling), and the same
cipher, so that Django's middleware unmasks it as its own. It depends on Django's CSRF token
format (`CSRF_ALLOWED_CHARS`, `CSRF_SECRET_LENGTH`, the cipher of `_mask_cipher_secret`); with the
fast paths off, `get_token` is Django's own.
"""

from __future__ import annotations

import os

from django.http import HttpRequest
from django.middleware import csrf
from django.utils.crypto import get_random_string

from circlewise.core import perf

_CHARS = csrf.CSRF_ALLOWED_CHARS
_INDEX = {char: index for index, char in enumerate(_CHARS)}
_BASE = len(_CHARS)
# Bytes at or above this are dropped, so that `byte % _BASE` is uniform.
_LIMIT = 256 - 256 % _BASE


def _mask_indices(length: int) -> list[int]:
    indices: list[int] = []
    while len(indices) < length:
        indices.extend(byte % _BASE for byte in os.urandom(length + 8) if byte < _LIMIT)
    return indices[:length]


def mask(secret: str) -> str:
    """A freshly masked token for `secret` (Django's `_mask_cipher_secret`)."""
    indices = _mask_indices(len(secret))
    cipher = "".join(
        _CHARS[(_INDEX[char] + offset) % _BASE]
        for char, offset in zip(secret, indices, strict=True)
    )
    return "".join(_CHARS[i] for i in indices) + cipher


def get_token(request: HttpRequest) -> str:
    """`django.middleware.csrf.get_token`: the request's secret (a new one if it has none; the
    cookie is then set, or renewed, by the middleware), masked anew."""
    if not perf.enabled():
        return csrf.get_token(request)
    if "CSRF_COOKIE" in request.META:
        secret = request.META["CSRF_COOKIE"]
        request.META["CSRF_COOKIE_NEEDS_UPDATE"] = True
    else:
        secret = get_random_string(csrf.CSRF_SECRET_LENGTH, allowed_chars=_CHARS)
        request.META.update({"CSRF_COOKIE": secret, "CSRF_COOKIE_NEEDS_UPDATE": True})
    return mask(secret)
