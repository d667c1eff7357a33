"""The meeting forms: planning (and changing) a meeting, cancelling it, and the agenda's items."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from circlewise.accounts.forms import TimezoneField
from circlewise.accounts.models import User
from circlewise.core.inputs import TEXT_LIMIT
from circlewise.decisions.forms import DATE_INPUT, PersonChoiceField, _choose, _textarea

from .models import LONGEST, SHORTEST, AgendaItem, Repeat

LOCAL_INPUT = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class MeetingForm(forms.Form):
    title = forms.CharField(
        label=_("Title"),
        max_length=200,
        required=False,
        help_text=_("Leave it empty for “Meeting of” and the circle's name."),
    )
    starts_at = forms.DateTimeField(
        label=_("Starts"),
        widget=LOCAL_INPUT,
        error_messages={"required": _("Say when the meeting starts.")},
    )
    time_zone = TimezoneField(
        label=_("Time zone"),
        help_text=_("The start is in this zone; everyone sees the meeting in their own."),
    )
    duration_minutes = forms.IntegerField(
        label=_("Length (minutes)"),
        min_value=SHORTEST,
        max_value=LONGEST,
        initial=90,
    )
    place = forms.CharField(
        label=_("Place"),
        max_length=200,
        required=False,
        help_text=_("A room or an address, for those who come in person."),
    )
    video_url = forms.CharField(
        label=_("Video link"),
        max_length=500,
        required=False,
        widget=forms.URLInput(attrs={"inputmode": "url"}),
        help_text=_("For those who join from afar: https://…"),
    )
    facilitator = PersonChoiceField(
        label=_("Facilitator"), queryset=User.objects.none(), required=False,
        empty_label=_("The circle's facilitator"),
    )  # fmt: skip
    secretary = PersonChoiceField(
        label=_("Secretary"), queryset=User.objects.none(), required=False,
        empty_label=_("The circle's secretary"),
    )  # fmt: skip
    repeat = forms.ChoiceField(label=_("Repeats"), choices=Repeat.choices, initial=Repeat.NEVER)
    until = forms.DateField(
        label=_("Repeats until"),
        required=False,
        widget=DATE_INPUT,
        help_text=_("Leave it empty to keep repeating."),
    )

    def __init__(
        self, *args: Any, members: QuerySet[User], series: bool = True, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        _choose(self, "facilitator").queryset = members
        _choose(self, "secretary").queryset = members
        if not series:
            del self.fields["repeat"]
            del self.fields["until"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        starts, zone = data.get("starts_at"), data.get("time_zone")
        if starts is not None and zone:
            # Read in the zone chosen, not in the reader's own.
            local = timezone.make_naive(starts)
            data["starts_at"] = local.replace(tzinfo=zoneinfo.ZoneInfo(zone)).astimezone(dt.UTC)
        return data


class CancelForm(forms.Form):
    reason = forms.CharField(
        label=_("Why is it cancelled?"),
        max_length=500,
        widget=_textarea(2),
        error_messages={
            "required": _("Say why the meeting is cancelled: the members will read it.")
        },
        help_text=_("The circle's members are told, with your reason."),
    )


class AgendaItemForm(forms.Form):
    title = forms.CharField(
        label=_("Topic"),
        max_length=200,
        error_messages={"required": _("Name the item: what is it about?")},
    )
    outcome = forms.ChoiceField(
        label=_("Desired outcome"),
        choices=AgendaItem.Outcome.choices,
        initial=AgendaItem.Outcome.EXPLORE,
        widget=forms.RadioSelect,
        help_text=_("Understand (hear a report), explore (think together) or decide."),
    )
    minutes = forms.IntegerField(
        label=_("Time (minutes)"), min_value=1, max_value=LONGEST, initial=10
    )
    presenter = PersonChoiceField(
        label=_("Presenter"), queryset=User.objects.none(), required=False,
        empty_label=_("Nobody in particular"),
    )  # fmt: skip
    details = forms.CharField(
        label=_("Details and documents"),
        required=False,
        max_length=TEXT_LIMIT,
        widget=_textarea(3),
        help_text=_("What to read before, with links. Markdown works."),
    )

    def __init__(self, *args: Any, members: QuerySet[User], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _choose(self, "presenter").queryset = members


class DeclineForm(forms.Form):
    reason = forms.CharField(
        label=_("Why not on this agenda?"),
        max_length=500,
        widget=_textarea(2),
        error_messages={"required": _("Say why, for whoever proposed it.")},
    )


RATINGS = [(n, str(n)) for n in range(1, 6)]


class EvaluationForm(forms.Form):
    """The evaluation card: each dimension 1 (not at all) to 5 (fully), then in one's own words."""

    went_well = forms.CharField(
        label=_("What worked well?"), required=False, max_length=2000, widget=_textarea(3)
    )
    could_improve = forms.CharField(
        label=_("What could be better next time?"),
        required=False,
        max_length=2000,
        widget=_textarea(3),
        help_text=_("About the meeting, not about a person: what would help, and how."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from .models import DIMENSIONS

        rated = {
            name: forms.TypedChoiceField(
                label=label,
                choices=RATINGS,
                coerce=int,
                widget=forms.RadioSelect(attrs={"class": "rating"}),
                help_text=_("1: not at all · 5: fully"),
                error_messages={"required": _("Choose from 1 to 5.")},
            )
            for name, label in DIMENSIONS
        }
        self.fields = {**rated, **self.fields}


class ActionItemForm(forms.Form):
    title = forms.CharField(
        label=_("What is to be done"),
        max_length=300,
        error_messages={"required": _("Say what is to be done.")},
    )
    owner = PersonChoiceField(
        label=_("Who does it"),
        queryset=User.objects.none(),
        error_messages={"required": _("Choose who does it: an action item has an owner.")},
    )
    due_on = forms.DateField(label=_("Due"), required=False, widget=DATE_INPUT)

    def __init__(self, *args: Any, members: QuerySet[User], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _choose(self, "owner").queryset = members


class DropActionForm(forms.Form):
    reason = forms.CharField(label=_("Why drop it?"), max_length=500, required=False)
