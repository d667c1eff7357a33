"""Stub: replaced by the real views."""

from django.http import Http404, HttpRequest, HttpResponse


def notification_list(request: HttpRequest) -> HttpResponse:
    raise Http404


def mark_all_read(request: HttpRequest) -> HttpResponse:
    raise Http404


def mark_read(request: HttpRequest, notification_id: int) -> HttpResponse:
    raise Http404
