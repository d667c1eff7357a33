from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from circlewise.circles.models import Organisation


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Send people to their organisation; someone in several chooses."""
    organisations = list(
        Organisation.objects.filter(
            memberships__user=request.user, memberships__ended_at__isnull=True
        ).order_by("name")
    )
    if len(organisations) == 1:
        return redirect("circles:org_home", org=organisations[0].slug)
    return render(request, "accounts/home.html", {"organisations": organisations})


def accept_invitation(request: HttpRequest, token: str) -> HttpResponse:
    raise Http404


def profile(request: HttpRequest) -> HttpResponse:
    raise Http404


def tokens(request: HttpRequest) -> HttpResponse:
    raise Http404


def revoke_token(request: HttpRequest, token_id: int) -> HttpResponse:
    raise Http404
