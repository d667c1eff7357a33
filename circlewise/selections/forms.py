"""The selection forms: starting one, the term and qualifications, a nomination (with the
sociocratic prompt "I nominate … because …"), the change round, the proposal and its integration,
the answers. Their shape only; the services decide."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from circlewise.accounts.models import User
from circlewise.circles.models import Role
from circlewise.core.bidi import isolate
from circlewise.core.inputs import TEXT_LIMIT
from circlewise.decisions.forms import PersonChoiceField, _choose, _textarea

DATETIME_INPUT = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


def _term() -> forms.IntegerField:
    return forms.IntegerField(
        label=_("Term (months)"),
        min_value=1,
        max_value=60,
        help_text=_("How long the person selected holds the role. Every role has a term."),
        error_messages={
            "required": _("Give the term in months."),
            "min_value": _("A term lasts between 1 and 60 months."),
            "max_value": _("A term lasts between 1 and 60 months."),
        },
    )


def _step_end(label: Any = None) -> forms.DateTimeField:
    return forms.DateTimeField(
        label=label or _("This step ends"),
        required=False,
        widget=DATETIME_INPUT,
        help_text=_(
            "For a selection run between meetings: members are reminded the day before. In "
            "your time zone; leave it empty in a meeting."
        ),
    )


QUALIFICATIONS_HELP = _(
    "What the circle looks for in whoever holds the role, one per line: skills, experience, "
    "time. The list is kept on the role for its next selection."
)


class StartForm(forms.Form):
    facilitator = PersonChoiceField(
        label=_("Facilitator"),
        queryset=User.objects.none(),
        empty_label=_("Choose who facilitates"),
        help_text=_("Usually the circle's facilitator. They move the selection on and propose."),
        error_messages={"required": _("Choose who facilitates the selection.")},
    )
    term_months = _term()
    qualifications = forms.CharField(
        label=_("Qualifications"),
        max_length=TEXT_LIMIT,
        required=False,
        widget=_textarea(4),
        help_text=QUALIFICATIONS_HELP,
    )
    step_ends_at = _step_end(_("Consent to the term and qualifications by"))

    def __init__(self, *args: Any, people: QuerySet[User], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _choose(self, "facilitator").queryset = people


class PrepareForm(forms.Form):
    term_months = _term()
    qualifications = forms.CharField(
        label=_("Qualifications"),
        max_length=TEXT_LIMIT,
        required=False,
        widget=_textarea(5),
        help_text=QUALIFICATIONS_HELP,
    )
    step_ends_at = _step_end()


class QualificationForm(forms.Form):
    qualification = forms.CharField(
        label=_("A qualification you look for"),
        max_length=300,
        help_text=_("For example: “writes clear minutes within a week”."),
        error_messages={"required": _("Write the qualification.")},
    )


class AnswerForm(forms.Form):
    """Consent or objection: there is no passing."""

    answer = forms.ChoiceField(
        label=_("Your answer"),
        choices=[
            ("consent", _("I consent")),
            ("objection", _("I object")),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose: consent, or object. Nobody passes.")},
    )
    reason = forms.CharField(
        label=_("Why you object"),
        max_length=TEXT_LIMIT,
        required=False,
        widget=_textarea(3),
        help_text=_(
            "An objection says how this would harm the circle's aim, and what would help: "
            "training, a shorter term, a measure. “Someone else would be better” is not an "
            "objection."
        ),
    )

    def __init__(self, *args: Any, people: QuerySet[User] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if people is not None:
            self.fields["for_person"] = PersonChoiceField(
                label=_("Answer given in the room by"),
                queryset=people,
                required=False,
                empty_label=_("Me"),
                help_text=_("For someone without a device: you record their answer for them."),
            )


class NominateForm(forms.Form):
    nominee = PersonChoiceField(
        label=_("I nominate"),
        queryset=User.objects.none(),
        empty_label=_("Choose someone (yourself too)"),
        error_messages={"required": _("Choose whom you nominate.")},
    )
    reason = forms.CharField(
        label=_("because"),
        max_length=TEXT_LIMIT,
        widget=_textarea(3),
        help_text=_(
            "What makes them right for the role, with the qualifications in mind. Nobody sees "
            "your nomination until they are revealed."
        ),
        error_messages={"required": _("Say why you nominate them: the circle hears your reason.")},
    )

    def __init__(self, *args: Any, people: QuerySet[User], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _choose(self, "nominee").queryset = people


class ChangeForm(forms.Form):
    nominee = PersonChoiceField(
        label=_("Having heard everyone, I nominate"),
        queryset=User.objects.none(),
        required=False,
        empty_label=_("I keep my nomination"),
    )
    reason = forms.CharField(
        label=_("Your reason"),
        max_length=TEXT_LIMIT,
        required=False,
        widget=_textarea(3),
        help_text=_("Say why you change, or why you keep it, in a sentence."),
    )

    def __init__(self, *args: Any, people: QuerySet[User], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _choose(self, "nominee").queryset = people


class ProposeForm(forms.Form):
    nominee = PersonChoiceField(
        label=_("I propose"),
        queryset=User.objects.none(),
        empty_label=_("Choose one of the nominees"),
        error_messages={"required": _("Choose whom you propose.")},
    )
    reasons = forms.CharField(
        label=_("Reasons"),
        max_length=TEXT_LIMIT,
        widget=_textarea(3),
        help_text=_("From the nominations and the change round: why this person, now."),
        error_messages={"required": _("Give the reasons for your proposal.")},
    )
    term_months = _term()
    measures = forms.CharField(
        label=_("Measures"),
        max_length=TEXT_LIMIT,
        required=False,
        widget=_textarea(2),
        help_text=_("Anything agreed with the term: training, a mentor, a check-in."),
    )

    def __init__(self, *args: Any, people: QuerySet[User], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _choose(self, "nominee").queryset = people


class IntegrateForm(forms.Form):
    reasons = forms.CharField(
        label=_("The proposal, changed"),
        max_length=TEXT_LIMIT,
        widget=_textarea(3),
        help_text=_("How the objections are met; everyone answers this version again."),
        error_messages={"required": _("Say how the proposal meets the objections.")},
    )
    term_months = _term()
    measures = forms.CharField(
        label=_("Measures"),
        max_length=TEXT_LIMIT,
        required=False,
        widget=_textarea(2),
        help_text=_("For example: training by March, a check-in after three months."),
    )


class RenewForm(forms.Form):
    reasons = forms.CharField(
        label=_("Why renew"),
        max_length=TEXT_LIMIT,
        widget=_textarea(3),
        help_text=_("How the term has gone. If anyone objects, the nominations open instead."),
        error_messages={"required": _("Say why the term is renewed.")},
    )


class HandOverForm(forms.Form):
    proposer = PersonChoiceField(
        label=_("Hand the proposal over to"),
        queryset=User.objects.none(),
        required=False,
        empty_label=_("Nobody: I propose"),
        help_text=_("When you are nominated yourself, another member can make the proposal."),
    )

    def __init__(self, *args: Any, people: QuerySet[User], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _choose(self, "proposer").queryset = people


class StepEndForm(forms.Form):
    step_ends_at = _step_end()


class CancelForm(forms.Form):
    reason = forms.CharField(
        label=_("Why cancel"),
        max_length=500,
        widget=_textarea(2),
        error_messages={"required": _("Say why the selection is cancelled: the circle reads it.")},
    )


class StepDownForm(forms.Form):
    reason = forms.CharField(
        label=_("Why you step down (if you want to say)"),
        max_length=2000,
        required=False,
        widget=_textarea(3),
        help_text=_("It goes on the role's record, where the circle reads it."),
    )


class RoleChoiceField(forms.ModelMultipleChoiceField[Role]):
    def label_from_instance(self, obj: Role) -> str:
        return isolate(obj.name)


class StartManyForm(forms.Form):
    """Several of a circle's roles selected at once: one selection each, with the same
    facilitator; each role's own default term and qualifications."""

    roles = RoleChoiceField(
        label=_("Roles"),
        queryset=Role.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Each gets a selection of its own, with the role's default term."),
        error_messages={"required": _("Choose at least one role.")},
    )
    facilitator = PersonChoiceField(
        label=_("Facilitator"),
        queryset=User.objects.none(),
        empty_label=_("Choose who facilitates"),
        error_messages={"required": _("Choose who facilitates the selections.")},
    )
    step_ends_at = _step_end(_("Consent to the terms and qualifications by"))

    def __init__(
        self, *args: Any, roles: QuerySet[Role], people: QuerySet[User], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        cast("forms.ModelMultipleChoiceField[Role]", self.fields["roles"]).queryset = roles
        _choose(self, "facilitator").queryset = people
