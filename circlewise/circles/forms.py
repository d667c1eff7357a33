"""Forms for the pages that change organisations, circles, memberships and roles.

The forms only parse and check the shape of the input; the services decide what is allowed and
refuse with a ServiceError, which the views show beside the field it names.
"""

from __future__ import annotations

import uuid
from typing import Any

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from circlewise.accounts.models import User
from circlewise.core.bidi import isolate
from circlewise.core.inputs import TEXT_LIMIT

from .models import Circle

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
TEXTAREA = forms.Textarea(attrs={"rows": 4})


class PersonChoiceField(forms.ModelChoiceField[User]):
    """A person by chosen name, with pronouns where they gave them."""

    def label_from_instance(self, obj: User) -> str:
        return isolate(f"{obj.name} ({obj.pronouns})" if obj.pronouns else obj.name)


class CircleChoiceField(forms.ModelChoiceField[Circle]):
    def label_from_instance(self, obj: Circle) -> str:
        return isolate(obj.name)


class PeopleChoiceField(forms.ModelMultipleChoiceField[User]):
    """People by chosen name, with pronouns where they gave them."""

    def label_from_instance(self, obj: User) -> str:
        return isolate(f"{obj.name} ({obj.pronouns})" if obj.pronouns else obj.name)


class SubmissionForm(forms.Form):
    """Carries a one-time token so that sending the same form twice changes things once."""

    submission = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("submission", uuid.uuid4().hex)


class OrganisationForm(forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=120,
        error_messages={"required": _("An organisation needs a name.")},
    )
    vision = forms.CharField(
        label=_("Vision"),
        required=False,
        widget=TEXTAREA,
        max_length=TEXT_LIMIT,
        help_text=_("The world the organisation wants to see. Markdown is allowed."),
    )
    mission = forms.CharField(
        label=_("Mission"),
        required=False,
        widget=TEXTAREA,
        max_length=TEXT_LIMIT,
        help_text=_("What the organisation does to get there. Markdown is allowed."),
    )
    values = forms.CharField(
        label=_("Values"),
        required=False,
        widget=TEXTAREA,
        max_length=TEXT_LIMIT,
        help_text=_("How people here want to work together. Markdown is allowed."),
    )
    plain_words = forms.BooleanField(
        label=_("Use plain words"),
        required=False,
        help_text=_(
            "Every page and email says what each step is in everyday words instead of the "
            "sociocratic terms: “why we need this” for the driver, “bringing it together” for "
            "the synthesis, “decided unless someone objects by …” for lazy consent. Good for "
            "schools, youth groups and newcomers."
        ),
    )


class InviteForm(SubmissionForm):
    email = forms.EmailField(
        label=_("Email address"),
        error_messages={
            "required": _("Enter the email address to send the invitation to."),
            "invalid": _("Enter an email address like name@example.org."),
        },
        help_text=_("They get a link that works once and expires after a while."),
    )
    make_admin = forms.BooleanField(
        label=_("Make them an organisation admin"),
        required=False,
        help_text=_("Admins invite people, create circles and change any circle."),
    )


class CircleForm(SubmissionForm):
    name = forms.CharField(
        label=_("Name"), max_length=120, error_messages={"required": _("A circle needs a name.")}
    )
    aim = forms.CharField(
        label=_("Aim"),
        error_messages={"required": _("A circle needs an aim: what it does.")},
        widget=TEXTAREA,
        max_length=TEXT_LIMIT,
        help_text=_("What this circle does, in a sentence or two."),
    )
    domain = forms.CharField(
        label=_("Domain"),
        required=False,
        widget=TEXTAREA,
        max_length=TEXT_LIMIT,
        help_text=_("What this circle decides on its own: its policies, work and budget."),
    )
    kind = forms.ChoiceField(
        label=_("Kind"),
        choices=Circle.Kind.choices,
        initial=Circle.Kind.DEPARTMENT,
        help_text=_(
            "A general circle coordinates the others; a helping circle is temporary, with a "
            "mandate and an end date."
        ),
    )
    parent = CircleChoiceField(
        label=_("Parent circle"),
        queryset=Circle.objects.none(),
        required=False,
        empty_label=_("None: a top-level circle"),
        help_text=_("The circle that delegates this circle's domain to it."),
    )
    mandate = forms.CharField(
        label=_("Mandate"),
        required=False,
        widget=TEXTAREA,
        max_length=TEXT_LIMIT,
        help_text=_("For a helping circle: what it was set up to do."),
    )
    ends_on = forms.DateField(
        label=_("Ends on"),
        required=False,
        widget=DATE_INPUT,
        help_text=_("For a helping circle only: the day its work ends."),
    )
    visibility = forms.ChoiceField(
        label=_("Who can see it"),
        choices=Circle.Visibility.choices,
        initial=Circle.Visibility.OPEN,
        widget=forms.RadioSelect,
    )
    members = PeopleChoiceField(
        label=_("First members"),
        queryset=User.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": _("Choose members of the organisation from the list.")},
        help_text=_(
            "They join the circle as it is formed. A private circle is seen only by its members, "
            "so keep yourself among them."
        ),
    )

    def __init__(
        self,
        *args: Any,
        parents: Any = None,
        parent_required: bool = False,
        people: Any = None,
        **kwargs: Any,
    ) -> None:
        """`people` offers the first members (forming a circle); without it the form has no
        members field (editing one)."""
        super().__init__(*args, **kwargs)
        members_field = self.fields["members"]
        assert isinstance(members_field, forms.ModelMultipleChoiceField)
        if people is None:
            del self.fields["members"]
        else:
            members_field.queryset = people
        parent_field = self.fields["parent"]
        assert isinstance(parent_field, forms.ModelChoiceField)
        if parents is not None:
            parent_field.queryset = parents
        if parent_required:
            parent_field.required = True
            parent_field.empty_label = None
            parent_field.help_text = _(
                "You can start a circle inside a circle where you are the leader or facilitator."
            )


class MemberAddForm(SubmissionForm):
    user = PersonChoiceField(
        label=_("Person"),
        error_messages={
            "required": _("Choose the person to add."),
            "invalid_choice": _("Choose someone from the list: they may have been added already."),
        },
        queryset=User.objects.none(),
        empty_label=_("Choose a person"),
        help_text=_("Members of the organisation who are not yet in this circle."),
    )

    def __init__(self, *args: Any, people: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if people is not None:
            user_field = self.fields["user"]
            assert isinstance(user_field, forms.ModelChoiceField)
            user_field.queryset = people


class RoleForm(SubmissionForm):
    name = forms.CharField(
        label=_("Name"), max_length=120, error_messages={"required": _("A role needs a name.")}
    )
    aim = forms.CharField(
        label=_("Aim"),
        required=False,
        widget=TEXTAREA,
        max_length=TEXT_LIMIT,
        help_text=_("What this role is for."),
    )
    domain = forms.CharField(
        label=_("Domain"),
        required=False,
        widget=TEXTAREA,
        max_length=TEXT_LIMIT,
        help_text=_("What the person in this role decides on their own."),
    )
    responsibilities = forms.CharField(
        label=_("Responsibilities"),
        required=False,
        widget=TEXTAREA,
        max_length=TEXT_LIMIT,
        help_text=_("What the person in this role does. Markdown is allowed."),
    )
    default_term_months = forms.IntegerField(
        label=_("Term in months"),
        min_value=1,
        max_value=60,
        initial=12,
        help_text=_("How long someone holds the role before it is filled again (1 to 60)."),
    )

    def __init__(self, *args: Any, fixed_name: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if fixed_name:
            name = self.fields["name"]
            name.disabled = True
            name.help_text = _("The four circle roles keep their names.")


class AssignForm(SubmissionForm):
    holder = PersonChoiceField(
        label=_("Who holds the role"),
        error_messages={
            "required": _("Choose who holds the role."),
            "invalid_choice": _("Choose a current member of the organisation."),
        },
        queryset=User.objects.none(),
        empty_label=_("Choose a person"),
        help_text=_(
            "Any member of the organisation. Someone not yet in the circle joins it with the role."
        ),
    )
    term_start = forms.DateField(
        label=_("Term starts"),
        widget=DATE_INPUT,
        error_messages={"required": _("Enter the day the term starts.")},
    )
    term_end = forms.DateField(
        label=_("Term ends"),
        required=False,
        widget=DATE_INPUT,
    )

    def __init__(
        self, *args: Any, people: Any = None, default_term_months: int = 12, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        if people is not None:
            holder = self.fields["holder"]
            assert isinstance(holder, forms.ModelChoiceField)
            holder.queryset = people
        self.fields["term_end"].help_text = gettext(
            "Leave empty for the role's usual term of %(months)s months."
        ) % {"months": default_term_months}
