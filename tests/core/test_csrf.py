"""The faster CSRF mask gives tokens Django's middleware accepts, a new one every time."""

from __future__ import annotations

import pytest
from django.middleware import csrf as django_csrf
from django.test import RequestFactory

from circlewise.core.perf import csrf


def test_a_masked_token_unmasks_to_the_secret() -> None:
    secret = django_csrf._get_new_csrf_string()  # type: ignore[attr-defined]
    tokens = {csrf.mask(secret) for _ in range(200)}
    assert len(tokens) == 200  # masked anew each time
    for token in tokens:
        assert len(token) == django_csrf.CSRF_TOKEN_LENGTH
        assert set(token) <= set(django_csrf.CSRF_ALLOWED_CHARS)
        assert django_csrf._unmask_cipher_token(token) == secret  # type: ignore[attr-defined]


def test_the_mask_uses_the_whole_alphabet_evenly() -> None:
    counts = dict.fromkeys(django_csrf.CSRF_ALLOWED_CHARS, 0)
    for _ in range(2000):
        for char in csrf.mask("a" * django_csrf.CSRF_SECRET_LENGTH)[
            : django_csrf.CSRF_SECRET_LENGTH
        ]:
            counts[char] += 1
    expected = 2000 * django_csrf.CSRF_SECRET_LENGTH / len(counts)  # about 1,032 each
    assert min(counts.values()) > expected * 0.8
    assert max(counts.values()) < expected * 1.2


@pytest.mark.parametrize("has_cookie", [True, False])
def test_get_token_is_what_the_middleware_checks(has_cookie: bool) -> None:
    request = RequestFactory().post("/")
    secret = django_csrf._get_new_csrf_string()  # type: ignore[attr-defined]
    if has_cookie:
        request.META["CSRF_COOKIE"] = secret
    token = csrf.get_token(request)
    assert request.META["CSRF_COOKIE_NEEDS_UPDATE"] is True
    assert django_csrf._unmask_cipher_token(token) == request.META["CSRF_COOKIE"]  # type: ignore[attr-defined]
    if has_cookie:
        assert request.META["CSRF_COOKIE"] == secret
