"""The terms timeline: every role's term across the organisation, in the circles the viewer may
see, as a list per circle with each term's dates, its status in words and a bar on a window of
two years around today (the bar repeats what the words say, for the eye)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.views.decorators.http import require_safe

from circlewise.core.perf.pages import shared_body_page

from .. import permissions, selectors_terms


@login_required
@require_safe
def terms_timeline(request: HttpRequest, org: str) -> HttpResponse:
    organisation = permissions.get_organisation_for(request.user, org)
    user = request.user

    def context() -> dict[str, Any]:
        today = timezone.localdate()
        hidden = permissions.hidden_circle_ids(user, organisation)
        return {
            "organisation": organisation,
            "today": today,
            "circles": selectors_terms.timeline(organisation, hidden, today),
            "window_days": selectors_terms.WINDOW_DAYS,
            "warning_days": settings.TERM_WARNING_DAYS,
        }

    # Today's date, in the viewer's time zone, is part of every fragment's key.
    return shared_body_page(
        request,
        "circles/terms_timeline.html",
        organisation,
        name="terms-timeline",
        vary=(permissions.seen_private_ids(user, organisation), settings.TERM_WARNING_DAYS),
        context=context,
    )
