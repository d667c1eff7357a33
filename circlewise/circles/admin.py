"""Organisations, circles, memberships and roles in the admin: for looking, not for changing.

Every change to these goes through circles/services.py, which appends it to the organisation's
ledger. An edit in the admin would bypass the ledger and break the record, so the admin is
read-only here; the one action it offers (withdrawing invitations) calls the service.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from circlewise.core.errors import ServiceError

from . import services
from .models import (
    Circle,
    CircleMembership,
    Invitation,
    Organisation,
    OrgMembership,
    Role,
    RoleAssignment,
)


class ReadOnlyAdmin[M: Any](admin.ModelAdmin[M]):
    """Lists and detail pages only: no adding, changing or deleting from the admin."""

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [field.name for field in self.model._meta.fields]

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ReadOnlyInline[M: Any](admin.TabularInline[M, Any]):
    extra = 0
    can_delete = False
    show_change_link = True

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [field.name for field in self.model._meta.fields]

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class OrgMembershipInline(ReadOnlyInline[OrgMembership]):
    model = OrgMembership
    fields = ["user", "is_admin", "started_at", "ended_at"]


@admin.register(Organisation)
class OrganisationAdmin(ReadOnlyAdmin[Organisation]):
    list_display = ["name", "slug", "created_at", "ledger_sequence"]
    search_fields = ["name", "slug"]
    inlines = [OrgMembershipInline]


@admin.register(OrgMembership)
class OrgMembershipAdmin(ReadOnlyAdmin[OrgMembership]):
    list_display = ["user", "organisation", "is_admin", "started_at", "ended_at"]
    list_filter = ["organisation", "is_admin"]
    search_fields = ["user__name", "user__email"]
    list_select_related = ["user", "organisation"]


@admin.register(Invitation)
class InvitationAdmin(ReadOnlyAdmin[Invitation]):
    list_display = ["email", "organisation", "invited_by", "created_at", "expires_at", "state"]
    list_filter = ["organisation"]
    search_fields = ["email"]
    list_select_related = ["organisation", "invited_by"]
    actions = ["withdraw"]
    # The token hash is useless to a reader and better not copied around.
    exclude = ["token_hash"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [f.name for f in self.model._meta.fields if f.name != "token_hash"]

    @admin.display(description=gettext_lazy("state"))
    def state(self, invitation: Invitation) -> str:
        if invitation.accepted_at is not None:
            return _("accepted")
        if invitation.revoked_at is not None:
            return _("withdrawn")
        if not invitation.is_usable:
            return _("expired")
        return _("open")

    def has_withdraw_permission(self, request: HttpRequest) -> bool:
        return bool(request.user.is_superuser)

    @admin.action(
        description=gettext_lazy("Withdraw the selected invitations"),
        permissions=["withdraw"],
    )
    def withdraw(self, request: HttpRequest, queryset: QuerySet[Invitation]) -> None:
        done = 0
        for invitation in queryset.filter(accepted_at__isnull=True, revoked_at__isnull=True):
            try:
                services.revoke_invitation(invitation=invitation, actor=request.user)  # type: ignore[arg-type]
            except ServiceError as error:
                self.message_user(request, error.text, messages.ERROR)
            else:
                done += 1
        self.message_user(
            request, _("%(count)d invitations withdrawn.") % {"count": done}, messages.SUCCESS
        )


class CircleMembershipInline(ReadOnlyInline[CircleMembership]):
    model = CircleMembership
    fields = ["user", "started_on", "ended_on"]


class RoleInline(ReadOnlyInline[Role]):
    model = Role
    fields = ["name", "kind", "default_term_months", "archived_at"]


@admin.register(Circle)
class CircleAdmin(ReadOnlyAdmin[Circle]):
    list_display = ["name", "organisation", "parent", "kind", "visibility", "archived_at"]
    list_filter = ["organisation", "kind", "visibility"]
    search_fields = ["name", "slug"]
    list_select_related = ["organisation", "parent"]
    inlines = [CircleMembershipInline, RoleInline]


@admin.register(CircleMembership)
class CircleMembershipAdmin(ReadOnlyAdmin[CircleMembership]):
    list_display = ["user", "circle", "started_on", "ended_on"]
    list_filter = ["circle__organisation"]
    search_fields = ["user__name", "user__email", "circle__name"]
    list_select_related = ["user", "circle"]


class RoleAssignmentInline(ReadOnlyInline[RoleAssignment]):
    model = RoleAssignment
    fields = ["holder", "term_start", "term_end", "ended_on"]


@admin.register(Role)
class RoleAdmin(ReadOnlyAdmin[Role]):
    list_display = ["name", "circle", "kind", "default_term_months", "archived_at"]
    list_filter = ["circle__organisation", "kind"]
    search_fields = ["name", "circle__name"]
    list_select_related = ["circle"]
    inlines = [RoleAssignmentInline]


@admin.register(RoleAssignment)
class RoleAssignmentAdmin(ReadOnlyAdmin[RoleAssignment]):
    list_display = ["holder", "role", "term_start", "term_end", "ended_on"]
    list_filter = ["role__circle__organisation", "role__kind"]
    search_fields = ["holder__name", "role__name"]
    list_select_related = ["holder", "role__circle"]
