"""Stub: replaced by the real views."""

from django.http import Http404, HttpRequest, HttpResponse


def assignment_end(request: HttpRequest, **kwargs: object) -> HttpResponse:
    raise Http404


def circle_archive(request: HttpRequest, **kwargs: object) -> HttpResponse:
    raise Http404


def circle_create(request: HttpRequest, **kwargs: object) -> HttpResponse:
    raise Http404


def circle_edit(request: HttpRequest, **kwargs: object) -> HttpResponse:
    raise Http404


def invite(request: HttpRequest, **kwargs: object) -> HttpResponse:
    raise Http404


def member_add(request: HttpRequest, **kwargs: object) -> HttpResponse:
    raise Http404


def member_end(request: HttpRequest, **kwargs: object) -> HttpResponse:
    raise Http404


def org_edit(request: HttpRequest, **kwargs: object) -> HttpResponse:
    raise Http404


def org_members(request: HttpRequest, **kwargs: object) -> HttpResponse:
    raise Http404


def py(request: HttpRequest, **kwargs: object) -> HttpResponse:
    raise Http404


def remove_member(request: HttpRequest, **kwargs: object) -> HttpResponse:
    raise Http404


def revoke_invitation(request: HttpRequest, **kwargs: object) -> HttpResponse:
    raise Http404


def role_assign(request: HttpRequest, **kwargs: object) -> HttpResponse:
    raise Http404


def role_create(request: HttpRequest, **kwargs: object) -> HttpResponse:
    raise Http404


def role_edit(request: HttpRequest, **kwargs: object) -> HttpResponse:
    raise Http404


def set_admin(request: HttpRequest, **kwargs: object) -> HttpResponse:
    raise Http404

