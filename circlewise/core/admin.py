"""The ledger in the admin: strictly read-only. Events are never added, changed or deleted by
hand (the database refuses updates and deletes too); the admin only lets staff look."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from .models import LedgerEvent


@admin.register(LedgerEvent)
class LedgerEventAdmin(admin.ModelAdmin[LedgerEvent]):
    list_display = ["sequence", "organisation", "occurred_at", "verb", "actor", "circle"]
    list_filter = ["organisation", "verb"]
    search_fields = ["verb", "hash"]
    list_select_related = ["organisation", "actor", "circle"]
    ordering = ["organisation", "-sequence"]
    date_hierarchy = "occurred_at"
    show_full_result_count = False

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [field.name for field in self.model._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
