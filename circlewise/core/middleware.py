import zoneinfo
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.functional import empty


class TimezoneMiddleware:
    """Show times in each person's own time zone; everything is stored in UTC.

    Reading the time zone loads the signed-in user, which every page needs anyway; the request
    then holds the user itself rather than Django's lazy wrapper, whose every attribute read costs
    a function call (pages read it a few hundred times).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        tzname = getattr(user, "timezone", "") if user is not None else ""
        wrapped = getattr(user, "_wrapped", None)
        if wrapped is not None and wrapped is not empty:
            request.user = wrapped
        if tzname:
            try:
                timezone.activate(zoneinfo.ZoneInfo(tzname))
            except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                timezone.deactivate()
        else:
            timezone.deactivate()
        return self.get_response(request)
