"""Forms for the consent process pages.

They parse and check the shape of the input only; the services decide what is allowed and refuse
with a ServiceError, which the views show beside the field it names.
"""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from circlewise.accounts.models import User
from circlewise.circles.models import Circle
from circlewise.core.bidi import isolate
from circlewise.core.inputs import PROPOSAL_TEXT_LIMIT, TEXT_LIMIT

from .models import (
    BacklogItem,
    CircleDecisionSettings,
    ConsentResponse,
    ConsentRound,
    Policy,
    Proposal,
)

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _textarea(rows: int = 4) -> forms.Textarea:
    return forms.Textarea(attrs={"rows": rows})


def _choose(form: forms.BaseForm, name: str) -> forms.ModelChoiceField[Any]:
    """The form's field `name`, a model choice whose rows the form narrows."""
    return cast("forms.ModelChoiceField[Any]", form.fields[name])


class PersonChoiceField(forms.ModelChoiceField[User]):
    def label_from_instance(self, obj: User) -> str:
        return isolate(f"{obj.name} ({obj.pronouns})" if obj.pronouns else obj.name)


class PolicyChoiceField(forms.ModelChoiceField[Policy]):
    def label_from_instance(self, obj: Policy) -> str:
        return isolate(obj.title)


class CircleChoiceField(forms.ModelChoiceField[Circle]):
    def label_from_instance(self, obj: Circle) -> str:
        return isolate(obj.name)


class ProposalForm(forms.Form):
    """A draft: what the proposal says, and what it serves."""

    title = forms.CharField(
        label=_("Title"),
        max_length=200,
        error_messages={"required": _("A proposal needs a title.")},
    )
    driver = forms.CharField(
        label=_("Driver"),
        widget=_textarea(3),
        max_length=TEXT_LIMIT,
        help_text=_("The need or tension this proposal answers."),
        error_messages={"required": _("Say what need or tension this proposal answers.")},
    )
    text = forms.CharField(
        label=_("Proposal"),
        widget=_textarea(8),
        max_length=PROPOSAL_TEXT_LIMIT,
        help_text=_("What you propose, in plain words. Markdown is allowed."),
        error_messages={"required": _("Write what you propose.")},
    )
    aim = forms.CharField(
        label=_("Aim it serves"),
        required=False,
        widget=_textarea(2),
        max_length=TEXT_LIMIT,
        help_text=_("Which aim of the circle this helps it reach."),
    )
    review_on = forms.DateField(
        label=_("Review date"),
        required=False,
        widget=DATE_INPUT,
        help_text=_("When the circle looks at it again. Every decision has a review date."),
    )
    measures = forms.CharField(
        label=_("Measures"),
        required=False,
        widget=_textarea(2),
        max_length=TEXT_LIMIT,
        help_text=_("How we will know it works."),
    )
    feedback_channel = forms.CharField(
        label=_("Feedback channel"),
        required=False,
        max_length=200,
        help_text=_("Where people say how it is going, e.g. the circle's backlog."),
    )
    is_policy = forms.BooleanField(
        label=_("Sets a rule (a policy)"),
        required=False,
        initial=True,
        help_text=_("Policies go into the policy register and are reviewed."),
    )
    amends = PolicyChoiceField(
        label=_("A policy it changes"),
        queryset=Policy.objects.none(),
        required=False,
        empty_label=_("None: this is new"),
        help_text=_("One of the circle's policies in force that this proposal changes."),
    )
    policy_action = forms.ChoiceField(
        label=_("What it does with that policy"),
        choices=Proposal.PolicyAction.choices,
        initial=Proposal.PolicyAction.AMEND,
        required=False,
        widget=forms.RadioSelect,
        help_text=_(
            "Amending keeps the policy and gives it a new version; replacing makes a new policy "
            "in its place; retiring ends it. Its history stays in the register either way."
        ),
    )
    quorum_percent = forms.IntegerField(
        label=_("Change the circle's quorum to (percent)"),
        required=False,
        min_value=1,
        max_value=100,
        help_text=_(
            "Only if this proposal changes the quorum: how many of the members asked in a consent "
            "round must answer before it can close. The new quorum applies once the circle "
            "consents. Leave empty otherwise."
        ),
    )
    extends_circle = CircleChoiceField(
        label=_("Extends the mandate of"),
        queryset=Circle.objects.none(),
        required=False,
        empty_label=_("None"),
        help_text=_(
            "Only if this proposal extends the mandate of one of this circle's helping circles. "
            "Once the circle consents, it works until the new end date (an ended one works "
            "again)."
        ),
    )
    extends_until = forms.DateField(
        label=_("New end date"),
        required=False,
        widget=DATE_INPUT,
        help_text=_("When the helping circle's extended mandate ends."),
    )

    def __init__(
        self,
        *args: Any,
        policies: QuerySet[Policy] | None = None,
        helping: QuerySet[Circle] | None = None,
        **kwargs: Any,
    ):
        super().__init__(*args, **kwargs)
        if policies is not None:
            _choose(self, "amends").queryset = policies
        # Offered only in a circle with helping circles of its own (and never when editing).
        if helping is not None and helping.exists():
            _choose(self, "extends_circle").queryset = helping
        else:
            del self.fields["extends_circle"], self.fields["extends_until"]


class PresentForm(forms.Form):
    mode = forms.ChoiceField(
        label=_("How the circle goes through it"),
        choices=[
            ("async", _("Here, each at their own time")),
            ("live", _("In a meeting, together")),
        ],
        initial="async",
        widget=forms.RadioSelect,
    )


class TextForm(forms.Form):
    """One piece of text: a question, an answer, a reaction, an amendment, a message."""

    text = forms.CharField(
        label=_("Your words"), widget=_textarea(3), max_length=TEXT_LIMIT, required=False
    )

    def __init__(self, *args: Any, label: str | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if label:
            self.fields["text"].label = label


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Why"), widget=_textarea(3), max_length=TEXT_LIMIT, required=False
    )


class RoundCloseForm(forms.Form):
    """Closing a round before everyone has answered: the facilitator says why."""

    reason = forms.CharField(
        label=_("Why close the round now?"),
        widget=_textarea(2),
        required=False,
        help_text=_(
            "For example: the meeting is ending. Your reason goes on the decision record; those "
            "who have not answered count as absent and may still object afterwards."
        ),
    )


class StepEndForm(forms.Form):
    """The facilitator changes when the current step ends, and says why (the circle is told)."""

    ends_at = forms.DateTimeField(
        label=_("New end"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text=_("In your time zone."),
    )
    reason = forms.CharField(
        label=_("Why?"),
        max_length=500,
        widget=_textarea(2),
        help_text=_("For example: several members are away this week."),
    )


class ResolveForm(forms.Form):
    accept = forms.TypedChoiceField(
        choices=[("yes", _("Take it up")), ("no", _("Not take it up"))],
        coerce=lambda v: v == "yes",
    )


class RoundOpenForm(forms.Form):
    subject = forms.ChoiceField(label=_("Consent to"), choices=ConsentRound.Subject.choices)
    handed_to = CircleChoiceField(
        label=_("Helping circle"),
        queryset=Circle.objects.none(),
        required=False,
        empty_label=_("Choose a helping circle"),
    )
    # The version the page showed: a round never opens on one the person has not seen.
    version = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)

    def __init__(self, *args: Any, helping: QuerySet[Circle] | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        if helping is not None:
            _choose(self, "handed_to").queryset = helping


class RoundAnswerForm(forms.Form):
    answer = forms.ChoiceField(
        label=_("Your answer"),
        choices=ConsentResponse.Answer.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Answer consent or objection; in a consent round nobody passes.")
        },
    )
    reason = forms.CharField(
        label=_("Reason"),
        required=False,
        widget=_textarea(3),
        max_length=TEXT_LIMIT,
        help_text=_(
            "Needed for an objection: how would this harm the circle's ability to reach its aim?"
        ),
    )

    def __init__(self, *args: Any, allow_concerns: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not allow_concerns:
            cast(forms.ChoiceField, self.fields["answer"]).choices = [
                c for c in ConsentResponse.Answer.choices if c[0] != ConsentResponse.Answer.CONCERN
            ]


class ReviseForm(ProposalForm):
    """A new version: the same fields, what changed, the objections it integrates, a measure."""

    change_note = forms.CharField(
        label=_("What changed"),
        widget=_textarea(2),
        max_length=TEXT_LIMIT,
        error_messages={"required": _("Say what changed in this version.")},
    )
    measure_metric = forms.CharField(label=_("Metric"), max_length=200, required=False)
    measure_threshold = forms.CharField(
        label=_("Threshold"),
        max_length=200,
        required=False,
        help_text=_("When it is reached, the circle looks at the decision again."),
    )
    measure_owner = PersonChoiceField(
        label=_("Who watches it"),
        queryset=User.objects.none(),
        required=False,
        empty_label=_("Choose a member"),
    )

    def __init__(
        self,
        *args: Any,
        members: QuerySet[User] | None = None,
        objections: list[Any] = (),  # type: ignore[assignment]
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        del self.fields["is_policy"]
        del self.fields["amends"]
        del self.fields["policy_action"]
        del self.fields["quorum_percent"]
        if members is not None:
            _choose(self, "measure_owner").queryset = members
        self.objection_fields = []
        for objection in objections:
            name = f"integrates_{objection.pk}"
            self.fields[name] = forms.CharField(
                label=_("How this version integrates %(name)s's objection")
                % {"name": objection.objector.name},
                required=False,
                widget=_textarea(2),
                max_length=TEXT_LIMIT,
                help_text=_("Leave empty if this version does not address it."),
            )
            self.objection_fields.append((objection, name))

    def integrations(self) -> dict[int, str]:
        found = {}
        for objection, name in self.objection_fields:
            note = (self.cleaned_data.get(name) or "").strip()
            if note:
                found[objection.pk] = note
        return found

    def measures_to_add(self) -> list[tuple[str, str, User]]:
        data = self.cleaned_data
        metric, threshold, owner = (
            (data.get("measure_metric") or "").strip(),
            (data.get("measure_threshold") or "").strip(),
            data.get("measure_owner"),
        )
        if not (metric or threshold or owner):
            return []
        if not (metric and threshold and owner):
            self.add_error(
                "measure_metric", _("A measure needs a metric, a threshold and who watches it.")
            )
            return []
        return [(metric, threshold, owner)]


class BacklogItemForm(forms.Form):
    topic = forms.CharField(
        label=_("Topic"),
        max_length=200,
        error_messages={"required": _("Give the item a topic.")},
    )
    description = forms.CharField(
        label=_("Details"), required=False, widget=_textarea(3), max_length=TEXT_LIMIT
    )
    desired_outcome = forms.ChoiceField(
        label=_("Desired outcome"),
        choices=BacklogItem.Outcome.choices,
        initial=BacklogItem.Outcome.DECIDE,
        widget=forms.RadioSelect,
        help_text=_("Understand (hear a report), explore (think together) or decide."),
    )
    owner = PersonChoiceField(
        label=_("Owner"),
        queryset=User.objects.none(),
        required=False,
        empty_label=_("Nobody yet"),
    )
    due_on = forms.DateField(label=_("Due date"), required=False, widget=DATE_INPUT)

    def __init__(self, *args: Any, members: QuerySet[User] | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        if members is None:
            del self.fields["owner"]
        else:
            _choose(self, "owner").queryset = members


class DropItemForm(forms.Form):
    reason = forms.CharField(
        label=_("Why drop it?"),
        widget=_textarea(3),
        max_length=TEXT_LIMIT,
        error_messages={"required": _("Give a reason for dropping the item.")},
        help_text=_(
            "Your reason goes on the backlog beside the item and in the circle's feed; its owner "
            "and whoever raised it are told."
        ),
    )


class SettingsForm(forms.Form):
    default_review_months = forms.IntegerField(
        label=_("Default review period (months)"),
        min_value=1,
        max_value=60,
        help_text=_("A new proposal's review date, unless its author chooses another."),
    )
    synthesis_by = forms.ChoiceField(
        label=_("Who synthesises"),
        choices=CircleDecisionSettings.Synthesis.choices,
        widget=forms.RadioSelect,
        help_text=_("Takes up amendments and writes new versions."),
    )
    allow_concerns = forms.BooleanField(
        label=_("Allow “consent with a concern”"),
        required=False,
        help_text=_("A concern is recorded with the decision and does not block it."),
    )
    absentee_policy = forms.ChoiceField(
        label=_("Absent members"),
        choices=CircleDecisionSettings.Absentees.choices,
        widget=forms.RadioSelect,
    )
    lazy_consent_hours = forms.IntegerField(
        label=_("Hours absentees have to object"),
        min_value=1,
        max_value=336,
        help_text=_("With lazy consent: how long after a meeting absentees may still object."),
    )
    clarifying_days = forms.IntegerField(
        label=_("Days for clarifying questions"),
        min_value=1,
        max_value=30,
        help_text=_("When a proposal is presented to be taken step by step online."),
    )
    reactions_days = forms.IntegerField(
        label=_("Days for reactions"),
        min_value=1,
        max_value=30,
    )
    consent_days = forms.IntegerField(
        label=_("Days for a consent round"),
        min_value=1,
        max_value=30,
        help_text=_(
            "The day before a step ends, whoever has not taken part yet is reminded; when it "
            "ends, the facilitator is asked to move on. The facilitator can change the end."
        ),
    )
