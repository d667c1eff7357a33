"""Views that belong to no domain app."""

from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_safe


@require_safe
def ping(request: HttpRequest) -> HttpResponse:
    """The smallest response Django can give through the full middleware stack.

    Load balancers use it as a liveness probe, and the benchmarks use it as the ceiling that every
    page is measured against: it touches neither the database nor a template.
    """
    return HttpResponse(b"ok", content_type="text/plain; charset=utf-8")
