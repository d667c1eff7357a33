"""API operations on decisions and the policy register."""

import datetime as dt

from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from ninja import P, QueryEx
from ninja.pagination import paginate

from circlewise.accounts.models import User
from circlewise.circles import permissions as circle_permissions
from circlewise.core.api import Pages, responses
from circlewise.core.api_auth import auth_user

from .. import permissions, selectors, services
from ..models import (
    BacklogItem,
    Decision,
    Policy,
)
from ..schemas import (
    BacklogItemOut,
    DecisionDetailOut,
    DecisionOut,
    PolicyDetailOut,
    PolicyOut,
    PolicyStatus,
    ReasonIn,
)
from ._common import _visible_circles, router

# Decisions ---------------------------------------------------------------------------------


@router.get(
    "/organisations/{slug}/decisions",
    response=list[DecisionOut],
    operation_id="listDecisions",
    summary="Decisions in the circles you can see, newest first",
)
@paginate(Pages)
def list_decisions(
    request: HttpRequest,
    slug: str,
    circle: QueryEx[int | None, P(description="Only this circle's decisions (its id).")] = None,
    since: QueryEx[dt.datetime | None, P(description="Only those decided at or after.")] = None,
) -> QuerySet[Decision]:
    user = auth_user(request)
    organisation = circle_permissions.get_organisation_for(user, slug)
    decisions = Decision.objects.filter(
        circle__in=_visible_circles(user, organisation)
    ).select_related("version")
    if circle is not None:
        decisions = decisions.filter(circle_id=circle)
    if since is not None:
        if timezone.is_naive(since):  # read in the person's own time zone
            since = timezone.make_aware(since)
        decisions = decisions.filter(decided_at__gte=since)
    return decisions.order_by("-decided_at", "-pk")


@router.get(
    "/decisions/{decision_id}",
    response=responses(DecisionDetailOut),
    operation_id="getDecision",
    summary="A decision's full record, with the ledger event that holds it",
)
def get_decision(request: HttpRequest, decision_id: int) -> Decision:
    decision = permissions.get_decision_for(auth_user(request), decision_id)
    record = decision.record or {}
    ids: set[int] = set(record.get("roster", []))
    ids |= {a["user"] for a in record.get("answers", [])}
    ids |= {o["objector"] for o in record.get("objections", [])}
    ids |= {m["owner"] for m in record.get("version", {}).get("measure_set", []) if m.get("owner")}
    ids |= set(record.get("absent", [])) | set(record.get("joined_after_opening", []))
    ids |= {e["user"] for e in record.get("left", [])}
    if record.get("closed_early"):
        ids.add(record["closed_early"]["by"])
    if record.get("author"):
        ids.add(record["author"])
    decision.people = list(User.objects.filter(pk__in=ids).order_by("name", "pk"))  # type: ignore[attr-defined]
    return decision


# Policies ----------------------------------------------------------------------------------


@router.get(
    "/organisations/{slug}/policies",
    response=list[PolicyOut],
    operation_id="listPolicies",
    summary="The policy register: policies in the circles you can see",
)
@paginate(Pages)
def list_policies(
    request: HttpRequest,
    slug: str,
    circle: QueryEx[int | None, P(description="Only this circle's policies (its id).")] = None,
    status: QueryEx[PolicyStatus | None, P(description="Only policies with this status.")] = None,
) -> QuerySet[Policy]:
    user = auth_user(request)
    organisation = circle_permissions.get_organisation_for(user, slug)
    policies = Policy.objects.filter(circle__in=_visible_circles(user, organisation))
    if circle is not None:
        policies = policies.filter(circle_id=circle)
    if status is not None:
        status_q = selectors.policy_status_filter(status, timezone.localdate())
        assert status_q is not None  # the schema admits only the five statuses
        policies = policies.filter(status_q)
    return policies.order_by("title", "pk")


def _open_items(policy: Policy) -> list[BacklogItem]:
    return list(
        BacklogItem.objects.open()
        .filter(policy=policy)
        .select_related("owner", "raised_by", "closed_by")
        .order_by("created_at", "pk")
    )


@router.get(
    "/policies/{policy_id}",
    response=responses(PolicyDetailOut),
    operation_id="getPolicy",
    summary="A policy, with every decision on it and reviews waiting",
)
def get_policy(request: HttpRequest, policy_id: int) -> Policy:
    user = auth_user(request)
    policy = permissions.get_policy_for(user, policy_id)
    policy.history = list(  # type: ignore[attr-defined]
        Decision.objects.filter(policy=policy)
        .select_related("version")
        .order_by("-decided_at", "-pk")
    )
    policy.open_items = _open_items(policy)  # type: ignore[attr-defined]
    policy.can_review = (  # type: ignore[attr-defined]
        policy.is_in_force and permissions.can_review_policy(user, policy)
    )
    policy.replaced_ids = list(  # type: ignore[attr-defined]
        Policy.objects.filter(superseded_by=policy).order_by("pk").values_list("pk", flat=True)
    )
    return policy


@router.post(
    "/policies/{policy_id}/review",
    response=responses(BacklogItemOut),
    operation_id="reviewPolicy",
    summary="Call an early review: it goes on the circle's backlog",
)
def review_policy(request: HttpRequest, policy_id: int, payload: ReasonIn) -> BacklogItem:
    user = auth_user(request)
    policy = permissions.get_policy_for(user, policy_id, need="review")
    return services.call_early_review(policy=policy, actor=user, reason=payload.reason)


@router.post(
    "/policies/{policy_id}/withdraw-consent",
    response=responses(BacklogItemOut),
    operation_id="withdrawPolicyConsent",
    summary="Withdraw your consent: the policy stays in force and a review is called",
)
def withdraw_policy_consent(request: HttpRequest, policy_id: int, payload: ReasonIn) -> BacklogItem:
    user = auth_user(request)
    policy = permissions.get_policy_for(user, policy_id, need="review")
    return services.withdraw_consent(policy=policy, actor=user, reason=payload.reason)
