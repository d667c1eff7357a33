"""Decision records, the policy register, one policy, and the steps on a policy (an early
review, withdrawing consent). The decision record and the register keep what they render in
circlewise.core.cache under the organisation's ledger version.

Each step view authorises through decisions.permissions (404 for what the person may not see,
403 for what they may see but not act on), parses a form, calls one service and redirects with a
message (post/redirect/get). A ServiceError is shown on the same page, beside the form it
concerns, with the service's status; nothing changes. Forms work without JavaScript.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, NamedTuple
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from circlewise.accounts.models import User
from circlewise.circles import permissions as circle_permissions
from circlewise.circles.models import Circle, Organisation
from circlewise.core import cache
from circlewise.core.perf.pages import shared_body_page, whole_page
from circlewise.core.views import attempt, person

from .. import permissions, selectors, services
from ..forms import (
    ReasonForm,
)
from ..models import (
    BacklogItem,
    Decision,
    Policy,
    Proposal,
    ProposalVersion,
    policy_status,
)
from ._common import ANSWER_LOOK, POLICY_LOOK, _organisation, check_org, decorate_policy
from .proposal_page import _cached_circle, version_changes

if TYPE_CHECKING:
    from circlewise.core.types import Viewer

# Decisions ---------------------------------------------------------------------------------


def _parse_time(value: str | None) -> dt.datetime | None:
    if not value:
        return None
    try:
        return dt.datetime.fromisoformat(value)
    except ValueError:
        return None


@login_required
def decision_detail(request: HttpRequest, org: str, decision_id: int) -> HttpResponse:
    """The record: read from the decision's frozen record, never edited. The same for everyone
    who may see it, so its body is shared; the page around it is kept per viewer."""
    organisation = _organisation(request, org)
    # The check needs the decision's circle only: kept on the ledger version, like the circle.
    (found,) = cache.value(
        f"decision-summary:{organisation.pk}:{decision_id}",
        version=cache.organisation_version(organisation),
        compute=lambda: (
            Decision.objects.filter(pk=decision_id, circle__organisation_id=organisation.pk)
            .values_list("circle_id", "record__version__title")
            .first(),
        ),
    )
    if found is None:
        raise Http404
    circle_id, title = found
    circle = _cached_circle(organisation, circle_id)
    if not permissions.can_view_decision(request.user, Decision(pk=decision_id, circle=circle)):
        raise Http404
    # The record is frozen; what the page shows around it (the policy it made, later decisions
    # on it) is its circle's: other circles' work leaves it cached.
    version = cache.circle_version(circle)

    def render_page() -> str:
        decision = Decision.objects.select_related("proposal", "version", "policy").get(
            pk=decision_id
        )
        decision.circle = circle
        return render_to_string(
            "decisions/decision_detail.html#page", _decision_context(decision), request
        )

    def page() -> str:
        name = f"decision-body:{decision_id}"
        return cache.fragment(name, version=version, render=render_page)

    return whole_page(
        request,
        "decisions/decision_detail.html",
        {"organisation": organisation, "circle": circle, "title": title or "", "page": page},
        name=f"decision-page:{decision_id}",
        version=version,
        vary=(),
    )


def _decision_context(decision: Decision) -> dict[str, Any]:
    """The reads of the decision record's body: run only when it is rendered."""
    record = decision.record or {}
    ids: set[int] = set(record.get("roster", []))
    ids |= {a["user"] for a in record.get("answers", [])}
    ids |= {o["objector"] for o in record.get("objections", [])}
    ids |= {c["user"] for c in record.get("concerns", [])}
    ids |= {c["user"] for c in record.get("changed_answers", [])}
    ids |= set(record.get("absent", [])) | set(record.get("joined_after_opening", []))
    ids |= {e["user"] for e in record.get("left", [])}
    closed_early = record.get("closed_early")
    if closed_early:
        ids.add(closed_early["by"])
    if record.get("author"):
        ids.add(record["author"])
    version = record.get("version", {})
    ids |= {m["owner"] for m in version.get("measure_set", []) if m.get("owner")}
    people = {
        u.pk: u for u in User.objects.filter(pk__in=ids).only("id", "name", "email", "pronouns")
    }
    rows = record_rows(record, people)
    objections = [{**o, "person": people.get(o["objector"])} for o in record.get("objections", [])]
    concerns = [{**c, "person": people.get(c["user"])} for c in record.get("concerns", [])]
    changed = [
        {**c, "person": people.get(c["user"]), "label": ANSWER_LOOK[c["answer"]][2],
         "at": _parse_time(c.get("at"))}
        for c in record.get("changed_answers", [])
    ]  # fmt: skip
    measures = [{**m, "person": people.get(m.get("owner"))} for m in version.get("measure_set", [])]
    review_on = record.get("review_on")
    target_id = record.get("policy_target")
    target = (
        Policy.objects.filter(pk=target_id).only("id", "title").first()
        if target_id is not None
        else None
    )
    # The version first presented, to show what changed to the one consented to.
    consented = decision.version
    first = (
        ProposalVersion.objects.filter(proposal_id=decision.proposal_id, number=1).first()
        if consented.number > 1
        else None
    )
    quorum = record.get("quorum")
    return {
        "policy_action": record.get("policy_action") or "",
        "target": target,
        # What changed from the version first presented to the one consented to.
        "first_version": first,
        "since_first": version_changes(first, consented) if first is not None else None,
        "quorum": quorum,
        "closed_early": (
            {**closed_early, "person": people.get(closed_early["by"])} if closed_early else None
        ),
        "quorum_percent": record.get("quorum_percent"),
        "organisation": decision.circle.organisation,
        "circle": decision.circle,
        "decision": decision,
        "record": record,
        "version": version,
        "author": people.get(record.get("author") or 0),
        "rows": rows,
        "objections": objections,
        "concerns": concerns,
        "changed_answers": changed,
        "measures": measures,
        "review_on": dt.date.fromisoformat(review_on) if review_on else None,
    }


def record_rows(record: dict[str, Any], people: dict[int, User]) -> list[dict[str, Any]]:
    """Everyone the decision concerned, from its frozen record: each member asked with their
    answer, or absent under lazy consent, or gone from the circle during the round (when); then
    those who joined after it opened and were not asked. Records made before they said more than
    the answers show "no answer recorded" for anyone who did not answer."""
    answers = {a["user"]: a for a in record.get("answers", [])}
    absent = set(record.get("absent", []))
    left = {e["user"]: _parse_time(e["at"]) for e in record.get("left", [])}
    rows = []
    for uid in record.get("roster", []):
        a = answers.get(uid)
        if a is not None:
            state = a["answer"]
        elif uid in left:
            state = "left"
        elif uid in absent:
            state = "absent"
        else:
            state = "unknown"
        css, icon, label = ANSWER_LOOK[state]
        rows.append(
            {
                "person": people.get(uid),
                "state": state,
                "css": css,
                "icon": icon,
                "label": label,
                "reason": a["reason"] if a else "",
                "at": _parse_time(a.get("at")) if a else None,
                "left_at": left.get(uid),
            }
        )
    for uid in record.get("joined_after_opening", []):
        css, icon, label = ANSWER_LOOK["joined"]
        rows.append(
            {"person": people.get(uid), "state": "joined", "css": css, "icon": icon,
             "label": label, "reason": "", "at": None, "left_at": None}
        )  # fmt: skip
    return rows


# Policies ----------------------------------------------------------------------------------


@login_required
def policy_register(request: HttpRequest, org: str) -> HttpResponse:
    """Every policy the viewer may see, by circle and status."""
    organisation = _organisation(request, org)
    # What differs between viewers: the private circles they see (theirs), and the filters.
    seen_private = circle_permissions.seen_private_ids(request.user, organisation)
    circle_slug = request.GET.get("circle", "")
    status = request.GET.get("status", "")
    return shared_body_page(
        request,
        "decisions/policy_register.html",
        organisation,
        name="policy-register",
        vary=(seen_private, circle_slug, status),
        context=lambda: _register_context(request.user, organisation, circle_slug, status),
    )


class CircleChoice(NamedTuple):
    pk: int
    name: str
    slug: str


class PolicyRow(NamedTuple):
    """One policy of the register, with its status as the register shows it."""

    pk: int
    title: str
    circle_id: int
    circle_name: str
    retired_at: dt.datetime | None
    superseded_by_id: int | None
    review_on: dt.date | None
    status_css: str
    status_icon: str
    status_label: str


POLICY_COLUMNS = (
    "pk",
    "title",
    "circle_id",
    "circle__name",
    "retired_at",
    "superseded_by_id",
    "review_on",
)


def _policy_rows(rows: Iterable[tuple[Any, ...]], today: dt.date) -> list[PolicyRow]:
    """The register's rows from POLICY_COLUMNS, each with its status's look (computed once per
    status, not per row)."""
    looks: dict[Policy.Status, tuple[str, str, str]] = {}
    found = []
    for pk, title, circle_id, circle_name, retired_at, superseded_by_id, review_on in rows:
        status = policy_status(superseded_by_id, retired_at, review_on, today)
        look = looks.get(status)
        if look is None:
            look = looks[status] = (*POLICY_LOOK[status], str(status.label))
        found.append(PolicyRow(
            pk, title, circle_id, circle_name, retired_at, superseded_by_id, review_on, *look
        ))  # fmt: skip
    return found


def _register_context(
    user: Viewer, organisation: Organisation, circle_slug: str, status: str
) -> dict[str, Any]:
    """The reads of the register: run only when it is rendered. What it shows depends on the
    viewer only through the private circles they see (`seen_private`, in the key)."""
    today = timezone.localdate()
    visible = Circle.objects.visible_to(user, organisation)
    circles = [
        CircleChoice(*values)
        for values in visible.order_by("name").values_list("pk", "name", "slug")
    ]
    policies = Policy.objects.filter(circle_id__in=visible.values("pk"))
    chosen_circle = next((c for c in circles if c.slug == circle_slug), None)
    if chosen_circle is not None:
        policies = policies.filter(circle_id=chosen_circle.pk)
    status_q = selectors.policy_status_filter(status, today)
    if status_q is not None:
        policies = policies.filter(status_q)
    else:
        status = ""
    shown = policies.order_by("title", "pk").values_list(*POLICY_COLUMNS)
    return {
        "organisation": organisation,
        "policies": _policy_rows(shown, today),
        "circles": circles,
        "chosen_circle": chosen_circle,
        "status": status,
        "statuses": Policy.Status.choices,
        "filtered": bool(chosen_circle or status),
    }


def policy_context(
    request: HttpRequest, policy: Policy, *, bound: dict[str, Any] | None = None
) -> dict[str, Any]:
    user = request.user
    today = timezone.localdate()
    decisions = list(
        Decision.objects.filter(policy=policy)
        .select_related("version", "proposal")
        .order_by("decided_at", "pk")
    )
    current = next((d for d in decisions if d.pk == policy.current_decision_id), None)
    forms: dict[str, Any] = {"review": ReasonForm(), "withdraw": ReasonForm()}
    forms.update(bound or {})
    in_force = policy.is_in_force
    organisation = policy.circle.organisation
    can_propose = in_force and permissions.can_propose(user, policy.circle)
    propose_urls = {}
    if can_propose:
        base = reverse("decisions:proposal_create", args=[organisation.slug, policy.circle.slug])
        propose_urls = {
            action: f"{base}?{urlencode({'amends': policy.pk, 'action': action})}"
            for action in Proposal.PolicyAction.values
        }
    return {
        "organisation": organisation,
        "circle": policy.circle,
        "policy": decorate_policy(policy, today),
        "current": current,
        "history": list(reversed(decisions)),
        "open_items": list(
            BacklogItem.objects.open().filter(policy=policy).select_related("raised_by")
        ),
        "superseded_by": policy.superseded_by,
        # The decision that replaced or retired it, and the policies it replaced.
        "ended_by": (
            Decision.objects.select_related("version").filter(pk=policy.ended_by_id).first()
            if policy.ended_by_id is not None
            else None
        ),
        "replaced": list(
            Policy.objects.filter(superseded_by=policy).select_related("ended_by").order_by("pk")
        ),
        "in_force": in_force,
        "can_review": in_force and permissions.can_review_policy(user, policy),
        "can_propose": can_propose,
        "propose_urls": propose_urls,
        "forms": forms,
    }


@login_required
def policy_detail(request: HttpRequest, org: str, policy_id: int) -> HttpResponse:
    policy = permissions.get_policy_for(request.user, policy_id)
    check_org(policy.circle.organisation, org)
    return render(request, "decisions/policy_detail.html", policy_context(request, policy))


# Policies ----------------------------------------------------------------------------------


def _policy_step(
    request: HttpRequest, org: str, policy_id: int, key: str, call: Any, done: str
) -> HttpResponse:
    policy = permissions.get_policy_for(request.user, policy_id, need="review")
    check_org(policy.circle.organisation, org)
    form = ReasonForm(request.POST)
    form.is_valid()
    with attempt(form) as tried:
        call(policy=policy, actor=person(request), reason=form.cleaned_data.get("reason", ""))
    if not tried.ok:
        return render(
            request,
            "decisions/policy_detail.html",
            policy_context(request, policy, bound={key: form}),
            status=tried.status,
        )
    messages.success(request, done)
    return redirect(
        "decisions:policy_detail", org=policy.circle.organisation.slug, policy_id=policy.pk
    )


@login_required
@require_POST
def policy_review(request: HttpRequest, org: str, policy_id: int) -> HttpResponse:
    return _policy_step(
        request, org, policy_id, "review", services.call_early_review,
        _("A review is called: it is on the circle's backlog."),
    )  # fmt: skip


@login_required
@require_POST
def policy_withdraw_consent(request: HttpRequest, org: str, policy_id: int) -> HttpResponse:
    return _policy_step(
        request, org, policy_id, "withdraw", services.withdraw_consent,
        _("Your consent is withdrawn. The policy stays in force until the circle reviews it."),
    )  # fmt: skip
