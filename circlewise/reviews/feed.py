"""Sentences for the reviews' ledger events, in notifications (they are in no feed: see HIDDEN).

Each names whose review it is and of which role, and leads to the review's page. None holds
what anyone wrote in the review: the events carry no text (services.append). (See
circlewise.core.feed for the escaping and the `<bdi>`.) The notifications and emails say them to
their reader ("Kai asked you to review their work as Leader of Community Life": `to_reader`),
with what each asks of them (`asked_of_reader`), registered with notifications in apps.py.
"""

from __future__ import annotations

from collections.abc import Callable

from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from circlewise.core.feed import (
    Describer,
    Sentence,
    a_date,
    actor,
    bdi,
    circle_name,
    org_url,
    person,
    say,
)
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
            date=a_date(p.get("meets_on")),
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
    "review.date_reminder": _said(
        gettext_lazy("A reminder in %(actor)s: %(focus)s's review of %(role)s meets on %(date)s.")
    ),
}
# A review is confidential to those taking part in it: none of its events is in any feed (nor
# open in a ledger export), only in the notifications of those it asks something of.
HIDDEN: frozenset[str] = frozenset(DESCRIBERS)


# Said to the reader ---------------------------------------------------------------------------
#
# A review's events reach only those taking part, so each notification and email can say it to
# its reader: "Kai asked you to review their work as Leader of Community Life". Whose review it
# is, from where the reader stands: theirs (YOURS), the actor's own (THEIRS), or someone's
# (NAMED). Where no sentence fits the reader, the event's own sentence above is said instead.

YOURS, THEIRS, NAMED = "yours", "theirs", "named"

TO_READER: dict[str, dict[str, Promise]] = {
    "started:you": {
        THEIRS: gettext_lazy(
            "%(actor)s asked you to facilitate their review as %(role)s of %(circle)s."
        ),
    },
    "reviewer_added:you": {
        THEIRS: gettext_lazy("%(actor)s asked you to review their work as %(role)s of %(circle)s."),
    },
    "reviewer_removed:you": {
        THEIRS: gettext_lazy(
            "%(actor)s no longer asks you to review their work as %(role)s of %(circle)s."
        ),
    },
    "opening_written": {
        THEIRS: gettext_lazy(
            "%(actor)s wrote the opening words of their review as %(role)s of %(circle)s."
        ),
    },
    "moved_on:went_well": {
        NAMED: gettext_lazy(
            "%(actor)s opened the round on what went well in %(focus)s's review as %(role)s of "
            "%(circle)s."
        ),
    },
    "moved_on:could_be_better": {
        NAMED: gettext_lazy(
            "%(actor)s opened the round on what could be better in %(focus)s's review as "
            "%(role)s of %(circle)s."
        ),
    },
    "moved_on:could_be_better:itself": {
        NAMED: gettext_lazy(
            "Every reviewer has said what went well: the round on what could be better is open "
            "in %(focus)s's review as %(role)s of %(circle)s."
        ),
    },
    "moved_on:plan": {
        YOURS: gettext_lazy(
            "%(actor)s moved your review as %(role)s of %(circle)s on to your summary, the "
            "areas to improve and the plan."
        ),
    },
    "moved_on:plan:itself": {
        YOURS: gettext_lazy(
            "Every reviewer has given their feedback: your review as %(role)s of %(circle)s "
            "moves on to your summary, the areas to improve and the plan."
        ),
    },
    "feedback:went_well": {
        YOURS: gettext_lazy(
            "%(actor)s gave feedback on what went well in your review as %(role)s of %(circle)s."
        ),
    },
    "feedback:could_be_better": {
        YOURS: gettext_lazy(
            "%(actor)s gave feedback on what could be better in your review as %(role)s of "
            "%(circle)s."
        ),
    },
    "feedback:last_plan": {
        YOURS: gettext_lazy(
            "%(actor)s said how your last plan went, in your review as %(role)s of %(circle)s."
        ),
    },
    "summary_written": {
        THEIRS: gettext_lazy("%(actor)s summarised their review as %(role)s of %(circle)s."),
    },
    "areas_agreed": {
        YOURS: gettext_lazy(
            "%(actor)s wrote down the areas to improve in your review as %(role)s of %(circle)s."
        ),
        THEIRS: gettext_lazy(
            "%(actor)s wrote down the areas to improve in their review as %(role)s of %(circle)s."
        ),
    },
    "plan_proposed": {
        YOURS: gettext_lazy(
            "%(actor)s proposed an improvement plan in your review as %(role)s of %(circle)s."
        ),
        THEIRS: gettext_lazy(
            "%(actor)s proposed an improvement plan in their review as %(role)s of %(circle)s."
        ),
        NAMED: gettext_lazy(
            "%(actor)s proposed an improvement plan in %(focus)s's review as %(role)s of "
            "%(circle)s."
        ),
    },
    "plan_amended": {
        YOURS: gettext_lazy(
            "%(actor)s amended the improvement plan in your review as %(role)s of %(circle)s."
        ),
        THEIRS: gettext_lazy(
            "%(actor)s amended the improvement plan in their review as %(role)s of %(circle)s."
        ),
        NAMED: gettext_lazy(
            "%(actor)s amended the improvement plan in %(focus)s's review as %(role)s of "
            "%(circle)s."
        ),
    },
    "answered:objection": {
        YOURS: gettext_lazy(
            "%(actor)s objected to the plan in your review as %(role)s of %(circle)s."
        ),
        THEIRS: gettext_lazy(
            "%(actor)s objected to the plan in their review as %(role)s of %(circle)s."
        ),
        NAMED: gettext_lazy(
            "%(actor)s objected to the plan in %(focus)s's review as %(role)s of %(circle)s."
        ),
    },
    "plan_consented": {
        NAMED: gettext_lazy(
            "Everyone consented to the improvement plan in %(focus)s's review as %(role)s of "
            "%(circle)s."
        ),
    },
    "completed": {
        YOURS: gettext_lazy("%(actor)s completed your review as %(role)s of %(circle)s."),
        NAMED: gettext_lazy("%(actor)s completed %(focus)s's review as %(role)s of %(circle)s."),
    },
    "date_reminder": {
        YOURS: gettext_lazy("Reminder: your review as %(role)s of %(circle)s meets on %(date)s."),
        NAMED: gettext_lazy(
            "Reminder: %(focus)s's review as %(role)s of %(circle)s meets on %(date)s."
        ),
    },
}

# What an email of the event asks of its reader, by the same keys; where a key is missing, the
# email only tells.
ASKS: dict[str, Promise] = {
    "started:you": gettext_lazy(
        "You open the rounds of feedback, once %(focus)s has written their opening words and "
        "asked a reviewer, and complete the review when everyone has consented to the plan."
    ),
    "reviewer_added:you": gettext_lazy(
        "Your feedback is asked in two rounds, what went well and what could be better, once "
        "the facilitator opens them: specific, blame-free, about needs."
    ),
    "opening_written": gettext_lazy(
        "As the facilitator, open the first round once a reviewer is asked."
    ),
    "moved_on:went_well": gettext_lazy(
        "Give your feedback in this round: one specific thing, and the need behind it."
    ),
    "moved_on:could_be_better": gettext_lazy(
        "Give your feedback in this round: one specific thing, and the need behind it."
    ),
    "moved_on:could_be_better:itself": gettext_lazy(
        "Give your feedback in this round: one specific thing, and the need behind it."
    ),
    "moved_on:plan": gettext_lazy(
        "Summarise what you heard; then agree the areas to improve and propose the plan."
    ),
    "moved_on:plan:itself": gettext_lazy(
        "Summarise what you heard; then agree the areas to improve and propose the plan."
    ),
    "plan_proposed": gettext_lazy(
        "Read the plan and answer it: consent if you can live with it and it is safe enough "
        "to try, or object and say what it would harm."
    ),
    "plan_amended": gettext_lazy(
        "Everyone is asked again: read the amended plan and consent, or object and say why."
    ),
    "answered:objection": gettext_lazy(
        "Read the objection on the review's page and amend the plan: everyone is asked again."
    ),
    "plan_consented": gettext_lazy(
        "As the facilitator, complete the review once %(focus)s has summarised it: the plan "
        "then stays with the role."
    ),
}


def _key(event: LedgerEvent, reader_id: int | None) -> str:
    """Which of TO_READER's sentences fits this event for this reader."""
    p = event.payload
    verb = event.verb.removeprefix("review.")
    if verb == "started":
        return "started:you" if reader_id == p.get("facilitator") else ""
    if verb in ("reviewer_added", "reviewer_removed"):
        return f"{verb}:you" if reader_id == p.get("reviewer") else ""
    if verb == "moved_on":
        return f"moved_on:{p.get('step')}" + (":itself" if event.actor_id is None else "")
    if verb == "feedback_given":
        return f"feedback:{p.get('round')}"
    if verb == "plan_answered":
        return f"answered:{p.get('answer')}"
    return verb


def _whose(event: LedgerEvent, reader_id: int | None) -> str:
    focus = event.payload.get("focus")
    if reader_id is not None and reader_id == focus:
        return YOURS
    if event.actor_id is not None and event.actor_id == focus:
        return THEIRS
    return NAMED


def to_reader(event: LedgerEvent, reader_id: int | None) -> Sentence | None:
    """The event said to one of those taking part; None where the event's own sentence fits."""
    template = TO_READER.get(_key(event, reader_id), {}).get(_whose(event, reader_id))
    return _said(template)(event) if template is not None else None


# Asked of the focus person only, and of everyone else only; the rest of ASKS of anyone.
FOCUS_ONLY = frozenset({"moved_on:plan", "moved_on:plan:itself"})
OTHERS_ONLY = frozenset({
    "moved_on:went_well", "moved_on:could_be_better", "moved_on:could_be_better:itself",
    "opening_written", "plan_consented",
})  # fmt: skip


def asked_of_reader(event: LedgerEvent, reader_id: int | None) -> str:
    """What the event's email asks of its reader, in plain text; empty where it only tells
    (and for whoever acted)."""
    key = _key(event, reader_id)
    if key not in ASKS or reader_id == event.actor_id:
        return ""
    yours = _whose(event, reader_id) == YOURS
    if (key in FOCUS_ONLY and not yours) or (key in OTHERS_ONLY and yours):
        return ""
    return str(ASKS[key]) % {"focus": event.payload.get("focus_name", "")}


ADDRESSED: dict[str, Callable[[LedgerEvent, int | None], Sentence | None]] = {
    verb: to_reader for verb in DESCRIBERS
}
ASKED: dict[str, Callable[[LedgerEvent, int | None], str]] = {
    verb: asked_of_reader for verb in DESCRIBERS
}
