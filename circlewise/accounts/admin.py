"""People and their tokens in the admin. People are personal, not organisational: changing a name
here appends nothing to any ledger. Deactivating or reactivating an account (the "active" box, or
the list's actions) goes through accounts.services, which signs the person out, closes their
meeting room screens and records it in their organisations' ledgers. Tokens can only be looked at
and revoked (through the same service the pages use); their raw value is never stored."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from circlewise.core import cache
from circlewise.core.errors import ServiceError

from . import permissions, services
from .models import PersonalAccessToken, User


class PersonChangeForm(UserChangeForm[User]):
    class Meta:
        model = User
        fields = "__all__"


class PersonCreationForm(AdminUserCreationForm[User]):
    class Meta:
        model = User
        fields = ["email", "name"]


@admin.register(User)
class UserAdmin(BaseUserAdmin[User]):
    form = PersonChangeForm
    add_form = PersonCreationForm
    list_display = ["email", "name", "pronouns", "timezone", "is_active", "is_staff", "last_login"]
    list_filter = ["is_active", "is_staff", "is_superuser"]
    search_fields = ["email", "name"]
    ordering = ["email"]
    readonly_fields = ["last_login", "date_joined"]
    actions = ["deactivate", "reactivate"]
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (gettext_lazy("Person"), {"fields": ("name", "pronouns", "timezone")}),
        (
            gettext_lazy("Access"),
            {
                "fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions"),
                "description": gettext_lazy(
                    "Untick “active” to deactivate an account: the person can no longer sign in, "
                    "is signed out everywhere, leaves any meeting room they are in and disappears "
                    "from every organisation's current members. Nobody can change their own."
                ),
            },
        ),
        (gettext_lazy("Dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("email", "name", "password1", "password2")}),
    )

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None and not permissions.can_change_account_access(request.user, obj):
            fields.append("is_active")  # one's own account, or a superuser's for other staff
        return fields

    def save_model(self, request: HttpRequest, obj: User, form: Any, change: bool) -> None:
        access_changed = change and form is not None and "is_active" in form.changed_data
        wanted = obj.is_active
        if access_changed:
            obj.is_active = not wanted  # saved as it was: the service changes it
        super().save_model(request, obj, form, change)
        if access_changed:
            self._change_access(request, obj, active=wanted)
        # A name or pronouns changed here appends nothing to any ledger: move the people version
        # so that no page cached on the ledger shows the person as they were.
        transaction.on_commit(cache.people_changed)

    def _change_access(self, request: HttpRequest, person: User, *, active: bool) -> bool:
        change = services.reactivate_account if active else services.deactivate_account
        try:
            change(user=person, actor=request.user)  # type: ignore[arg-type]
        except ServiceError as error:
            self.message_user(request, error.text, messages.ERROR)
            return False
        return True

    @admin.action(
        description=gettext_lazy("Deactivate the selected accounts"), permissions=["change"]
    )
    def deactivate(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        people = list(queryset.filter(is_active=True).order_by("pk"))
        done = sum(self._change_access(request, person, active=False) for person in people)
        self.message_user(
            request, _("%(count)d accounts deactivated.") % {"count": done}, messages.SUCCESS
        )

    @admin.action(
        description=gettext_lazy("Reactivate the selected accounts"), permissions=["change"]
    )
    def reactivate(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        people = list(queryset.filter(is_active=False).order_by("pk"))
        done = sum(self._change_access(request, person, active=True) for person in people)
        self.message_user(
            request, _("%(count)d accounts reactivated.") % {"count": done}, messages.SUCCESS
        )

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # People are named in the ledger and hold history; deactivate them instead.
        return False


@admin.register(PersonalAccessToken)
class PersonalAccessTokenAdmin(admin.ModelAdmin[PersonalAccessToken]):
    list_display = ["name", "user", "scope", "hint", "created_at", "last_used_at", "revoked_at"]
    list_filter = ["scope"]
    search_fields = ["name", "user__email", "hint"]
    list_select_related = ["user"]
    exclude = ["token_hash"]
    actions = ["revoke"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [f.name for f in self.model._meta.fields if f.name != "token_hash"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        # A token's value is shown once to its owner; nobody else creates one for them.
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_revoke_permission(self, request: HttpRequest) -> bool:
        return bool(request.user.is_superuser)

    @admin.action(description=gettext_lazy("Revoke the selected tokens"), permissions=["revoke"])
    def revoke(self, request: HttpRequest, queryset: QuerySet[PersonalAccessToken]) -> None:
        tokens = list(queryset.filter(revoked_at__isnull=True).select_related("user"))
        for token in tokens:
            services.revoke_token(user=token.user, token=token)
        self.message_user(
            request, _("%(count)d tokens revoked.") % {"count": len(tokens)}, messages.SUCCESS
        )
