"""Views that belong to no domain app."""

from pathlib import Path

from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from django.views import defaults
from django.views.decorators.http import require_safe

from circlewise.core.inputs import BadInput, bad_input_response


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
