"""Forms for a person's own account. They only parse input; the services decide."""

from __future__ import annotations

import zoneinfo
from functools import cache
from typing import Any

from django import forms
from django.contrib.auth import password_validation
from django.utils.translation import gettext_lazy as _

from .models import PersonalAccessToken, User


@cache
def timezone_choices() -> list[tuple[str, str]]:
    """Every IANA zone, grouped by region for a shorter select."""
    zones = sorted(z for z in zoneinfo.available_timezones() if "/" in z or z == "UTC")
    groups: dict[str, list[tuple[str, str]]] = {}
    for zone in zones:
        region = zone.split("/", 1)[0] if "/" in zone else "UTC"
        groups.setdefault(region, []).append((zone, zone.replace("_", " ")))
    return [(region, items) for region, items in groups.items()]  # type: ignore[misc]


class TimezoneField(forms.ChoiceField):
    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("label", _("Time zone"))
        kwargs.setdefault("help_text", _("Dates and times are shown to you in this time zone."))
        super().__init__(choices=timezone_choices, **kwargs)


class ProfileForm(forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=150,
        help_text=_("The name people call you by."),
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    pronouns = forms.CharField(
        label=_("Pronouns"),
        max_length=40,
        required=False,
        help_text=_("For example “she/her” or “they/them”."),
    )
    timezone = TimezoneField()


class InvitationSignupForm(ProfileForm):
    """Create the account an invitation was sent to; the email address comes from it."""

    password1 = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=password_validation.password_validators_help_text_html(),
    )
    password2 = forms.CharField(
        label=_("Password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("Type the same password again, to be sure of it."),
    )

    def __init__(self, *args: Any, email: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.email = email

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        first, second = cleaned.get("password1"), cleaned.get("password2")
        if first and second and first != second:
            self.add_error("password2", _("The two passwords are not the same."))
        elif first:
            provisional = User(email=self.email, name=cleaned.get("name", ""))
            try:
                password_validation.validate_password(first, provisional)
            except forms.ValidationError as error:
                self.add_error("password1", error)
        return cleaned


class TokenForm(forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=100,
        help_text=_("What the token is for, for example “Calendar sync on my laptop”."),
    )
    scope = forms.ChoiceField(
        label=_("Access"),
        choices=PersonalAccessToken.Scope.choices,
        initial=PersonalAccessToken.Scope.READ,
        widget=forms.RadioSelect,
        help_text=_("Give a token only the access it needs."),
    )
