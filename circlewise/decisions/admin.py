"""Proposals, consent rounds, decisions, policies and backlog items in the admin: for looking.

Every change to these goes through decisions/services/, which appends it to the organisation's
ledger (a decision's record is part of the tamper-evident chain), so the admin only lists and
shows them, like circles/admin.py.
"""

from __future__ import annotations

from django.contrib import admin

from circlewise.circles.admin import ReadOnlyAdmin

from .models import BacklogItem, ConsentRound, Decision, Policy, Proposal


@admin.register(Proposal)
class ProposalAdmin(ReadOnlyAdmin[Proposal]):
    list_display = ["__str__", "circle", "author", "state", "created_at", "closed_at"]
    list_filter = ["state", "circle__organisation"]
    list_select_related = ["circle", "author"]


@admin.register(ConsentRound)
class ConsentRoundAdmin(ReadOnlyAdmin[ConsentRound]):
    list_display = ["__str__", "proposal", "opened_at", "closes_at", "closed_at", "outcome"]
    list_filter = ["outcome"]
    list_select_related = ["proposal"]


@admin.register(Decision)
class DecisionAdmin(ReadOnlyAdmin[Decision]):
    list_display = ["__str__", "circle", "decided_at", "review_on", "ledger_sequence"]
    list_filter = ["circle__organisation"]
    list_select_related = ["circle", "proposal"]


@admin.register(Policy)
class PolicyAdmin(ReadOnlyAdmin[Policy]):
    list_display = ["title", "circle", "review_on", "retired_at"]
    list_filter = ["circle__organisation"]
    search_fields = ["title"]
    list_select_related = ["circle"]


@admin.register(BacklogItem)
class BacklogItemAdmin(ReadOnlyAdmin[BacklogItem]):
    list_display = ["topic", "circle", "source", "status", "due_on", "created_at"]
    list_filter = ["status", "source", "circle__organisation"]
    search_fields = ["topic"]
    list_select_related = ["circle"]
