"""Notifications in the admin: read-only. They are delivered by the ledger and read by their
recipient; staff have no reason to write them."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from .models import EmailDelivery, Notification


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin[Notification]):
    list_display = ["recipient", "event", "created_at", "read_at"]
    list_select_related = ["recipient", "event"]
    search_fields = ["recipient__email"]
    raw_id_fields = ["recipient", "event"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [field.name for field in self.model._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(EmailDelivery)
class EmailDeliveryAdmin(admin.ModelAdmin[EmailDelivery]):
    """What was emailed, what is still to be sent (and why not yet), what was skipped."""

    list_display = ["notification", "queued_at", "attempts", "sent_at", "skipped_at"]
    list_filter = [("sent_at", admin.EmptyFieldListFilter)]
    raw_id_fields = ["notification"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [field.name for field in self.model._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
