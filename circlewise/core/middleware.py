import zoneinfo
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.utils.translation import gettext as _


class TimezoneMiddleware:
    """Show times in each person's own time zone; everything is stored in UTC.

    Reading the time zone loads the signed-in user, which every page needs anyway. `request.user`
    stays Django's lazy wrapper: this middleware reads it and changes nothing on the request.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        tzname = getattr(user, "timezone", "") if user is not None else ""
        if tzname:
            try:
                timezone.activate(zoneinfo.ZoneInfo(tzname))
            except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                timezone.deactivate()
        else:
            timezone.deactivate()
        return self.get_response(request)


class ApiErrorMiddleware:
    """Every error the API gives is JSON: also a method the path does not take (405), which the
    API framework answers in plain text before any of our code runs."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if response.status_code == 405 and request.path.startswith("/api/"):
            allowed = response.get("Allow", "")
            answer = JsonResponse(
                {
                    "detail": _("This path does not take %(method)s; it takes %(allowed)s.")
                    % {"method": request.method, "allowed": allowed}
                },
                status=405,
            )
            answer["Allow"] = allowed
            return answer
        return response
