"""Consent rounds as page actions: opening one, answering in it (with htmx, the round alone is
refreshed), closing it early.

Each step view authorises through decisions.permissions (404 for what the person may not see,
403 for what they may see but not act on), parses a form, calls one service and redirects with a
message (post/redirect/get). A ServiceError is shown on the same page, beside the form it
concerns, with the service's status; nothing changes. Forms work without JavaScript.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from circlewise.core.views import attempt, is_htmx, person

from .. import permissions, services
from ..forms import (
    RoundAnswerForm,
    RoundCloseForm,
    RoundOpenForm,
)
from ..models import (
    Proposal,
)
from ._common import _proposal, _to_proposal
from .proposal_page import _not_allowed, _refused, late_answer_context, proposal_page


@login_required
@require_POST
def round_open(request: HttpRequest, org: str, proposal_id: int) -> HttpResponse:
    proposal = _proposal(request, org, proposal_id)
    if refused := _not_allowed(request, proposal, "steer"):
        return refused
    helping = permissions.hand_over_circles(request.user, proposal.circle.organisation)
    form = RoundOpenForm(request.POST, helping=helping)
    if not form.is_valid():
        return proposal_page(request, proposal, bound={"round_open": form}, status=400)
    with attempt(form) as done:
        services.open_consent_round(
            proposal=proposal,
            actor=person(request),
            subject=form.cleaned_data["subject"],
            handed_to=form.cleaned_data["handed_to"],
            version_number=form.cleaned_data["version"],
        )
    if not done.ok:
        return _refused(request, proposal, "round_open", form, done)
    messages.success(request, _("The consent round is open. Everyone in the circle is asked."))
    return _to_proposal(proposal, "consent-round")


@login_required
@require_POST
def round_answer(request: HttpRequest, org: str, round_id: int) -> HttpResponse:
    round_ = permissions.get_round_for(request.user, round_id, need="take_part")
    proposal = _proposal(request, org, round_.proposal_id)
    settings = services.settings_for(proposal.circle)
    form = RoundAnswerForm(request.POST, allow_concerns=settings.allow_concerns)
    htmx = is_htmx(request)
    partial = "round" if htmx else ""
    if not form.is_valid():
        return proposal_page(
            request, proposal, bound={"round_answer": form}, status=200 if htmx else 400,
            partial=partial,
        )  # fmt: skip
    with attempt(form) as done:
        try:
            services.respond(
                round_=round_,
                user=person(request),
                answer=form.cleaned_data["answer"],
                reason=form.cleaned_data["reason"],
            )
        except services.LateAnswerError as late:
            # Nothing was recorded, but what they wrote is kept: offered as the reason of an
            # early review (includes/late_answer.html). htmx swaps only a 2xx answer.
            return proposal_page(
                request, proposal, status=200 if htmx else late.status, partial=partial,
                extra={"late_answer": late_answer_context(request, proposal, late)},
            )  # fmt: skip
    if not done.ok:
        return _refused(request, proposal, "round_answer", form, done, partial=partial)
    proposal.refresh_from_db()
    if htmx and proposal.state == Proposal.State.CONSENT:
        return proposal_page(
            request, proposal, partial="round", extra={"announce": _("Your answer is recorded.")}
        )
    messages.success(request, _("Your answer is recorded."))
    if htmx:  # the round has closed: the whole page changes
        response = HttpResponse(status=204)
        response["HX-Redirect"] = reverse(
            "decisions:proposal_detail", args=[proposal.circle.organisation.slug, proposal.pk]
        )
        return response
    return _to_proposal(proposal, "consent-round")


@login_required
@require_POST
def round_close(request: HttpRequest, org: str, round_id: int) -> HttpResponse:
    round_ = permissions.get_round_for(request.user, round_id, need="take_part")
    proposal = _proposal(request, org, round_.proposal_id)
    if refused := _not_allowed(request, proposal, "steer"):
        return refused
    form = RoundCloseForm(request.POST)
    form.is_valid()
    with attempt(form) as done:
        services.close_round(
            round_=round_, actor=person(request), reason=form.cleaned_data.get("reason", "")
        )
    if not done.ok:
        if done.status == 403:
            return proposal_page(request, proposal, error=done.text, status=done.status)
        # Beside the reason, in the round (includes/round_close.html), with what it wrote.
        return proposal_page(request, proposal, bound={"round_close": form}, status=done.status)
    messages.success(request, _("The consent round is closed."))
    return _to_proposal(proposal)
