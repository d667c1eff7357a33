"""Forms for notifications. Marking read takes no input but the notification in the URL (and
`stay`/`page` to come back to the list), read in views.py. Email preferences: one choice per kind
of notification; the service decides what is stored."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import ASKING_KINDS, Frequency, Kind, default_frequency

# What each kind covers, in plain words: the help text of its fieldset.
KIND_HELP: dict[Kind, Any] = {
    Kind.ROUND: _(
        "Your circle asks for your consent on a proposal. Until you answer, the decision waits."
    ),
    Kind.PROPOSAL: _(
        "Someone asks a question, reacts, suggests a change or objects to a proposal you wrote."
    ),
    Kind.THREAD: _(
        "An answer to your question, a reply in the discussion of your objection, or your "
        "objection said back to you."
    ),
    Kind.STEP: _(
        "As a circle's facilitator or secretary: a new topic for the backlog, a policy to "
        "review, a reminder of something due."
    ),
    Kind.MINUTES: _(
        "A meeting's minutes are sent to you for consent: read them, and object within the "
        "period if something is wrong or missing."
    ),
    Kind.CIRCLE: _(
        "Your circles change: proposals presented or revised, rounds closed, circles created "
        "or ended."
    ),
    Kind.DECISION: _("Your circles decide something, or a policy is replaced or retired."),
    Kind.ROLE: _("Roles are created or changed, someone takes a role, a term ends."),
    Kind.MEMBERSHIP: _("People join or leave your circles and the organisation."),
    Kind.ACTION: _(
        "Someone gives you an action item, one of yours is due soon or overdue, or someone "
        "closes one of yours."
    ),
    Kind.MEETING: _(
        "A meeting of your circles is planned, moved or cancelled; an item you proposed for "
        "its agenda is taken on or declined; its minutes are approved."
    ),
    Kind.REVIEW_STEP: _(
        "Someone asks you to review their work in a role, or to facilitate their review; a "
        "round of feedback opens; an improvement plan waits for your answer; a step is yours "
        "to take; the review meets tomorrow."
    ),
    Kind.REVIEW: _(
        "In a role review you take part in: feedback given on your work, the summary and the "
        "areas written down, the review completed. Nobody else hears of it."
    ),
    Kind.SELECTION: _(
        "A selection in your circle asks for your part: consent to the term and "
        "qualifications, your nomination, the change round, your answer to the candidate; or, "
        "as its facilitator, a step to take."
    ),
}


class EmailPreferencesForm(forms.Form):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for kind in Kind:
            default = default_frequency(kind)
            self.fields[kind.value] = forms.ChoiceField(
                label=kind.label,
                choices=[
                    (value, f"{label} " + str(_("(default)")) if value == default else label)
                    for value, label in Frequency.choices
                ],
                widget=forms.RadioSelect,
                help_text=KIND_HELP[kind],
                initial=default,
                error_messages={"required": _("Choose how you want to hear of this.")},
            )

    def groups(self) -> list[tuple[Any, list[forms.BoundField]]]:
        """The kinds that ask something of the person, then those that keep them informed."""
        return [
            (_("When something is asked of you"), [self[k] for k in Kind if k in ASKING_KINDS]),
            (_("To keep you informed"), [self[k] for k in Kind if k not in ASKING_KINDS]),
        ]
