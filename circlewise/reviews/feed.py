"""Sentences for the reviews' ledger events, in notifications (they are in no feed: see HIDDEN).

Each names whose review it is and of which role, and leads to the review's page. None holds
what anyone wrote in the review: the events carry no text (services.append). (See
circlewise.core.feed for the escaping and the `<bdi>`.)
"""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from circlewise.core.feed import Describer, Sentence, actor, bdi, circle_name, org_url, person, say
from circlewise.core.models import LedgerEvent


def _url(event: LedgerEvent) -> str:
    return org_url(event, "reviews:review_detail", event.payload["review"])


def _said(template: str | Promise) -> Describer:
    def describe(event: LedgerEvent) -> Sentence:
        p = event.payload
        return say(
            template,
            _url(event),
            actor=actor(event),
            focus=person(p, "focus_name"),
            role=bdi(p.get("role_name", "")),
            circle=circle_name(event),
            reviewer=person(p, "reviewer_name"),
        )

    return describe


ROUNDS = {
    "went_well": gettext_lazy(
        "%(actor)s gave feedback on what went well in %(focus)s's review of %(role)s."
    ),
    "could_be_better": gettext_lazy(
        "%(actor)s gave feedback on what could be better in %(focus)s's review of %(role)s."
    ),
    "last_plan": gettext_lazy(
        "%(actor)s said how the last plan went in %(focus)s's review of %(role)s."
    ),
}
STEPS = {
    "went_well": gettext_lazy(
        "%(actor)s opened the round on what went well in %(focus)s's review of %(role)s."
    ),
    "could_be_better": gettext_lazy(
        "%(actor)s opened the round on what could be better in %(focus)s's review of %(role)s."
    ),
    "plan": gettext_lazy(
        "%(actor)s moved %(focus)s's review of %(role)s on to the summary, the areas and the plan."
    ),
}


def _feedback(event: LedgerEvent) -> Sentence:
    template = ROUNDS.get(str(event.payload.get("round")), ROUNDS["went_well"])
    return _said(template)(event)


# When the round's last reviewer has answered, the review moves on by itself, in its circle.
BY_ITSELF = {
    "could_be_better": gettext_lazy(
        "Everyone had answered: the round on what could be better opened in %(focus)s's review "
        "of %(role)s in %(actor)s."
    ),
    "plan": gettext_lazy(
        "Everyone had answered: %(focus)s's review of %(role)s in %(actor)s moved on to the "
        "summary, the areas and the plan."
    ),
}


def _moved_on(event: LedgerEvent) -> Sentence:
    step = str(event.payload.get("step"))
    templates = STEPS if event.actor_id is not None else BY_ITSELF
    return _said(templates.get(step, templates["plan"]))(event)


def _answered(event: LedgerEvent) -> Sentence:
    if event.payload.get("answer") == "objection":
        template = _("%(actor)s objected to the plan in %(focus)s's review of %(role)s.")
    else:
        template = _("%(actor)s consented to the plan in %(focus)s's review of %(role)s.")
    return _said(template)(event)


DESCRIBERS: dict[str, Describer] = {
    "review.started": _said(
        gettext_lazy("%(actor)s started a review of %(focus)s's work as %(role)s in %(circle)s.")
    ),
    "review.reviewer_added": _said(
        gettext_lazy("%(actor)s asked %(reviewer)s to review %(focus)s's work as %(role)s.")
    ),
    "review.reviewer_removed": _said(
        gettext_lazy(
            "%(actor)s no longer asks %(reviewer)s to review %(focus)s's work as %(role)s."
        )
    ),
    "review.opening_written": _said(
        gettext_lazy("%(actor)s wrote the opening words of %(focus)s's review of %(role)s.")
    ),
    "review.moved_on": _moved_on,
    "review.feedback_given": _feedback,
    "review.summary_written": _said(
        gettext_lazy("%(actor)s summarised %(focus)s's review of %(role)s.")
    ),
    "review.areas_agreed": _said(
        gettext_lazy("%(actor)s wrote down the areas to improve in %(focus)s's review of %(role)s.")
    ),
    "review.plan_proposed": _said(
        gettext_lazy("%(actor)s proposed an improvement plan in %(focus)s's review of %(role)s.")
    ),
    "review.plan_amended": _said(
        gettext_lazy("%(actor)s amended the improvement plan in %(focus)s's review of %(role)s.")
    ),
    "review.plan_answered": _answered,
    "review.plan_consented": _said(
        gettext_lazy(
            "In %(actor)s, everyone consented to the improvement plan of %(focus)s's review of "
            "%(role)s."
        )
    ),
    "review.completed": _said(gettext_lazy("%(actor)s completed %(focus)s's review of %(role)s.")),
}
# A review is confidential to those taking part in it: none of its events is in any feed (nor
# open in a ledger export), only in the notifications of those it asks something of.
HIDDEN: frozenset[str] = frozenset(DESCRIBERS)
