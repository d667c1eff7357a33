"""The review forms: starting one, the feedback (guided: specific, blame-free, about needs), the
focus person's words, the areas, the plan and its answer. Their shape only; the services decide."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from circlewise.accounts.models import User
from circlewise.core.inputs import TEXT_LIMIT
from circlewise.decisions.forms import DATE_INPUT, PersonChoiceField, _choose, _textarea


class StartForm(forms.Form):
    facilitator = PersonChoiceField(
        label=_("Facilitator"),
        queryset=User.objects.none(),
        empty_label=_("Choose who facilitates"),
        help_text=_("Someone who keeps the review on its steps and blame-free; not you."),
        error_messages={"required": _("Choose who facilitates the review.")},
    )
    meets_on = forms.DateField(
        label=_("Date"),
        required=False,
        widget=DATE_INPUT,
        help_text=_("When you meet to go through the feedback together, if you do."),
    )

    def __init__(self, *args: Any, people: QuerySet[User], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _choose(self, "facilitator").queryset = people


class TextForm(forms.Form):
    text = forms.CharField(label=_("Your words"), max_length=TEXT_LIMIT, widget=_textarea(5))

    def __init__(self, *args: Any, label: Any = None, help_text: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if label is not None:
            self.fields["text"].label = label
        if help_text is not None:
            self.fields["text"].help_text = help_text
        self.fields["text"].error_messages["required"] = _("Write something first.")


OPENING_HELP = _(
    "You speak first: how does the role go for you? What are you glad of, what do you find "
    "hard, what would you like to hear about?"
)
SUMMARY_HELP = _(
    "You summarise last: what did you hear, and what do you take with you? The plan builds on it."
)
AREAS_HELP = _(
    "What the review agreed to improve, one per line: about the role's work and its needs, "
    "not about the person."
)
FEEDBACK_HELP = {
    "went_well": _(
        "Name one specific thing that went well, what it made possible, and which need it met. "
        "For example: “When you sent the agenda two days ahead, I could read the proposals "
        "and came prepared.”"
    ),
    "could_be_better": _(
        "Name one specific thing that could be better: what happened, its effect, the need "
        "behind it and a request. About the work, not the person; no blame. For example: "
        "“The minutes came two weeks after the meeting and I had forgotten what we decided; "
        "I need them within the week. Could they come by Friday?”"
    ),
    "last_plan": _(
        "How did the last plan go: what was done, did its measures show a difference, what "
        "is still open?"
    ),
}


class PlanForm(forms.Form):
    text = forms.CharField(
        label=_("The plan"),
        max_length=TEXT_LIMIT,
        widget=_textarea(5),
        help_text=_("What will be done, by whom, to improve in the areas agreed."),
        error_messages={"required": _("Write the plan: what will be done, by whom, to improve.")},
    )
    measures = forms.CharField(
        label=_("Measures"),
        max_length=TEXT_LIMIT,
        required=False,
        widget=_textarea(3),
        help_text=_("How you will know it works: what to look at, and what would count as better."),
    )
    until = forms.DateField(
        label=_("Runs until"),
        widget=DATE_INPUT,
        help_text=_("Its term: the next review of the role measures it."),
        error_messages={"required": _("Say until when the plan runs: it has a term.")},
    )


class AnswerForm(forms.Form):
    answer = forms.ChoiceField(
        label=_("Your answer"),
        choices=[
            ("consent", _("I consent: I can live with it and it does no harm")),
            ("objection", _("I object: it would harm the role's work")),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose: consent, or object.")},
    )
    reason = forms.CharField(
        label=_("Why you object"),
        max_length=TEXT_LIMIT,
        required=False,
        widget=_textarea(3),
        help_text=_("An objection says what the plan would harm, and what would help instead."),
    )
