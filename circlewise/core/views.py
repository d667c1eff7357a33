"""Views that belong to no domain app, and the few helpers every app's views share.

The helpers: `person(request)` (the signed-in person, typed), `is_htmx(request)` (django-htmx's
`request.htmx`), `form_error(form, error)` (a ServiceError beside the field it names, or above
the form) and `attempt(form)`, the one way a view runs a service and, when the service refuses,
shows why on the form and renders the page again:

    with attempt(form) as done:
        services.do_x(actor=person(request), ...)
    if done.ok:
        messages.success(request, ...)
        return redirect(...)
    return render(request, ..., status=done.status)
"""

from __future__ import annotations

from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Self, cast

from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.forms import BaseForm
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from django.views import defaults
from django.views.decorators.http import require_safe

from circlewise.accounts.models import User
from circlewise.core.errors import ServiceError
from circlewise.core.inputs import BadInput, bad_input_response

if TYPE_CHECKING:
    from django_htmx.middleware import HtmxDetails


@require_safe
def ping(request: HttpRequest) -> HttpResponse:
    """The smallest response Django can give through the full middleware stack.

    Load balancers use it as a liveness probe, and the benchmarks use it as the ceiling that every
    page is measured against: it touches neither the database nor a template.
    """
    return HttpResponse(b"ok", content_type="text/plain; charset=utf-8")


@require_safe
def ledger_verifier(request: HttpRequest) -> HttpResponse:
    """The standalone check of a ledger export (chain.py, standard library only), to download
    and run with any Python 3: `python3 verify_ledger_export.py EXPORT`. It is the same file that
    hashes every event here. It is public: it holds code, no one's data."""
    from . import chain

    response = HttpResponse(
        Path(chain.__file__).read_bytes(), content_type="text/x-python; charset=utf-8"
    )
    response["Content-Disposition"] = 'attachment; filename="verify_ledger_export.py"'
    return response


API_PREFIX = "/api/"


def not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    """Our 404 page; on the API's paths, a JSON error like every other API error."""
    if request.path.startswith(API_PREFIX):
        return JsonResponse(
            {"detail": _("There is no such API path. The API's paths are listed at /api/v1/docs.")},
            status=404,
        )
    return defaults.page_not_found(request, exception)


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    """Our 400 page (JSON on the API's paths), saying what was wrong where we know it."""
    if isinstance(exception, BadInput):
        return bad_input_response(request, exception.text, field=exception.field)
    if isinstance(exception, RequestDataTooBig):
        return bad_input_response(request, _("What you sent is too large to take."))
    return bad_input_response(request, _("The request could not be understood."))


# What every app's views share ---------------------------------------------------------------


def person(request: HttpRequest) -> User:
    """The signed-in person. Every view that asks is behind login_required, which has already
    sent anonymous people away; should one slip through, they are refused, never served."""
    user = request.user
    if not isinstance(user, User):
        raise PermissionDenied
    return user


def is_htmx(request: HttpRequest) -> bool:
    """Whether htmx sent the request (django-htmx's HtmxMiddleware sets `request.htmx`)."""
    details = cast("HtmxDetails | None", getattr(request, "htmx", None))
    return bool(details)


def form_error(form: BaseForm, error: ServiceError) -> None:
    """Put the service's message beside the field it names, or above the form."""
    field = error.field if error.field in form.fields else None
    form.add_error(field, error.text)


class Attempt:
    """A service call run in a `with` block (see `attempt`). A ServiceError raised inside ends the block, is put
    on the form (when there is one) and is kept: `done.ok` is False, `done.status` is the
    service's status and `done.text` its message. Any other exception passes through."""

    def __init__(self, form: BaseForm | None = None) -> None:
        self.form = form
        self.error: ServiceError | None = None

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> bool:
        if not isinstance(error, ServiceError):
            return False
        self.error = error
        if self.form is not None:
            form_error(self.form, error)
        return True

    @property
    def ok(self) -> bool:
        return self.error is None

    @property
    def status(self) -> int:
        return self.error.status if self.error is not None else 200

    @property
    def text(self) -> str:
        return self.error.text if self.error is not None else ""


def attempt(form: BaseForm | None = None) -> Attempt:
    """`with attempt(form) as done:` runs the service call inside; when the service refuses,
    its message is on the form and `done` says so (see the module's docstring)."""
    return Attempt(form)
