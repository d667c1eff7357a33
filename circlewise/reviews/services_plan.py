"""A review's improvement plan: proposed with a term and measures once the areas are agreed,
answered by every reviewer and the focus person (consent, or an objection with its reason),
amended after an objection (a new version, asked again), consented when everyone consents to
the same version. No text of it goes into the ledger."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from circlewise.accounts.models import User
from circlewise.core.errors import ServiceError

from . import permissions
from .models import ImprovementPlan, PlanAnswer, Review, Step
from .services import _append, _at, _text, locked


def _answerers(review: Review) -> set[int]:
    return {review.focus_id, *permissions.reviewer_ids(review)}


def _check_terms(text: str, until: dt.date | None) -> str:
    words = _text(text, "text", _("Write the plan: what will be done, by whom, to improve."))
    if until is None:
        raise ServiceError(_("Say until when the plan runs: it has a term."), field="until")
    if until <= timezone.localdate():
        raise ServiceError(_("The plan runs until a day after today."), field="until")
    return words


@transaction.atomic
def propose_plan(
    *, review: Review, actor: User, text: str, measures: str = "", until: dt.date | None
) -> ImprovementPlan:
    review = locked(review)
    permissions.require("plan", actor, review)
    _at(review, Step.PLAN)
    if not review.areas:
        raise ServiceError(
            _("Agree the areas to improve first: the plan answers them."), status=409
        )
    if ImprovementPlan.objects.filter(review=review).exists():
        raise ServiceError(_("There is a plan already: amend it instead."), status=409)
    words = _check_terms(text, until)
    assert until is not None
    plan = ImprovementPlan.objects.create(
        review=review, text=words, measures=(measures or "").strip(), until=until,
        proposed_by=actor,
    )  # fmt: skip
    _append(
        review, actor, "review.plan_proposed", _answerers(review),
        version=plan.version, until=until.isoformat(),
    )  # fmt: skip
    return plan


@transaction.atomic
def amend_plan(
    *, review: Review, actor: User, text: str, measures: str = "", until: dt.date | None
) -> ImprovementPlan:
    """A new version of the plan, after an objection: everyone is asked again."""
    review = locked(review)
    permissions.require("plan", actor, review)
    _at(review, Step.PLAN)
    plan = ImprovementPlan.objects.select_for_update().filter(review=review).first()
    if plan is None:
        raise ServiceError(_("There is no plan to amend yet."), status=409)
    if plan.is_consented:
        raise ServiceError(_("Everyone has consented to the plan: it stays as it is."), status=409)
    words = _check_terms(text, until)
    assert until is not None
    measures = (measures or "").strip()
    if (words, measures, until) == (plan.text, plan.measures, plan.until):
        raise ServiceError(_("Nothing in the plan changed: amend its words, measures or term."))
    plan.text, plan.measures, plan.until = words, measures, until
    plan.version += 1
    plan.save(update_fields=["text", "measures", "until", "version"])
    _append(
        review, actor, "review.plan_amended", _answerers(review),
        version=plan.version, until=until.isoformat(),
    )  # fmt: skip
    return plan


@transaction.atomic
def answer_plan(*, review: Review, person: User, consents: bool, reason: str = "") -> PlanAnswer:
    """Consent, or an objection with the reason it harms the role's work; once everyone has
    consented to this version, the plan is consented."""
    review = locked(review)
    permissions.require("answer", person, review)
    _at(review, Step.PLAN)
    plan = ImprovementPlan.objects.select_for_update().filter(review=review).first()
    if plan is None:
        raise ServiceError(_("There is no plan to answer yet."), status=409)
    if plan.is_consented:
        raise ServiceError(_("Everyone has consented to the plan already."), status=409)
    if PlanAnswer.objects.filter(plan=plan, version=plan.version, person=person).exists():
        raise ServiceError(_("You have answered this version of the plan already."), status=409)
    reason = (reason or "").strip()
    if not consents and not reason:
        raise ServiceError(
            _("Say why you object: what would the plan harm, and what would help?"),
            field="reason",
        )
    answer = PlanAnswer.objects.create(
        plan=plan, version=plan.version, person=person, consents=consents,
        reason="" if consents else reason,
    )  # fmt: skip
    writers = [review.focus_id, review.facilitator_id]
    _append(
        review, person, "review.plan_answered", [] if consents else writers,
        version=plan.version, answer="consent" if consents else "objection",
        person=person.pk, person_name=person.name,
    )  # fmt: skip
    answers = PlanAnswer.objects.filter(plan=plan, version=plan.version)
    consented = set(answers.filter(consents=True).values_list("person_id", flat=True))
    if _answerers(review) <= consented:
        plan.consented_at = timezone.now()
        plan.save(update_fields=["consented_at"])
        _append(
            review, None, "review.plan_consented", [review.facilitator_id], version=plan.version
        )
    return answer
