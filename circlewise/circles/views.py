from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from . import permissions


@login_required
def org_home(request: HttpRequest, org: str) -> HttpResponse:
    organisation = permissions.get_organisation_for(request.user, org)
    circles = organisation.circles.active().visible_to(request.user, organisation)
    return render(
        request, "circles/org_home.html", {"organisation": organisation, "circles": circles}
    )


@login_required
def circle_detail(request: HttpRequest, org: str, circle: str) -> HttpResponse:
    organisation = permissions.get_organisation_for(request.user, org)
    circle_obj = permissions.get_circle_for(request.user, organisation, circle)
    return render(
        request, "circles/circle_detail.html", {"organisation": organisation, "circle": circle_obj}
    )
