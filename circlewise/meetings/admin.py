"""Meetings in the admin: read-only. They are planned, changed and cancelled, and their agendas
kept, through the services, which write the ledger."""

from __future__ import annotations

from django.contrib import admin

from circlewise.circles.admin import ReadOnlyAdmin

from .models import AgendaItem, Meeting, Series


@admin.register(Series)
class SeriesAdmin(ReadOnlyAdmin[Series]):
    list_display = ["__str__", "circle", "first_starts_at", "until", "made_until"]
    list_select_related = ["circle"]


@admin.register(Meeting)
class MeetingAdmin(ReadOnlyAdmin[Meeting]):
    list_display = ["__str__", "circle", "starts_at", "status"]
    list_select_related = ["circle"]
    raw_id_fields = ["facilitator", "secretary", "created_by", "series"]


@admin.register(AgendaItem)
class AgendaItemAdmin(ReadOnlyAdmin[AgendaItem]):
    list_display = ["__str__", "meeting", "status", "position"]
    raw_id_fields = ["meeting", "presenter", "added_by", "backlog_item"]
