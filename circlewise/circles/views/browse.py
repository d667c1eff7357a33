"""Stub: replaced by the real views."""

from django.http import Http404, HttpRequest, HttpResponse


def circle_detail(request: HttpRequest, **kwargs: object) -> HttpResponse:
    raise Http404


def circle_feed(request: HttpRequest, **kwargs: object) -> HttpResponse:
    raise Http404


def circle_list(request: HttpRequest, **kwargs: object) -> HttpResponse:
    raise Http404


def ledger(request: HttpRequest, **kwargs: object) -> HttpResponse:
    raise Http404


def org_about(request: HttpRequest, **kwargs: object) -> HttpResponse:
    raise Http404


def org_chart(request: HttpRequest, **kwargs: object) -> HttpResponse:
    raise Http404


def org_feed(request: HttpRequest, **kwargs: object) -> HttpResponse:
    raise Http404


def org_home(request: HttpRequest, **kwargs: object) -> HttpResponse:
    raise Http404


def person_detail(request: HttpRequest, **kwargs: object) -> HttpResponse:
    raise Http404


def py(request: HttpRequest, **kwargs: object) -> HttpResponse:
    raise Http404


def role_detail(request: HttpRequest, **kwargs: object) -> HttpResponse:
    raise Http404


def terms(request: HttpRequest, **kwargs: object) -> HttpResponse:
    raise Http404

