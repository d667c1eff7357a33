"""Views that belong to no domain app."""

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from django.views import defaults
from django.views.decorators.http import require_safe


@require_safe
def ping(request: HttpRequest) -> HttpResponse:
    """The smallest response Django can give through the full middleware stack.

    Load balancers use it as a liveness probe, and the benchmarks use it as the ceiling that every
    page is measured against: it touches neither the database nor a template.
    """
    return HttpResponse(b"ok", content_type="text/plain; charset=utf-8")


API_PREFIX = "/api/"


def not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    """Our 404 page; on the API's paths, a JSON error like every other API error."""
    if request.path.startswith(API_PREFIX):
        return JsonResponse(
            {"detail": _("There is no such API path. The API's paths are listed at /api/v1/docs.")},
            status=404,
        )
    return defaults.page_not_found(request, exception)
