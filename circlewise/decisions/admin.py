"""Proposals, consent rounds, decisions, policies and backlog items in the admin: for looking.

Every change to these goes through decisions/services/, which appends it to the organisation's
ledger (a decision's record is part of the tamper-evident chain), so the admin only lists and
shows them, like circles/admin.py.
"""

from __future__ import annotations

from django.contrib import admin
from django.db.models import OuterRef, QuerySet, Subquery
from django.http import HttpRequest
from django.utils.translation import gettext_lazy

from circlewise.circles.admin import ReadOnlyAdmin

from .models import BacklogItem, ConsentRound, Decision, Policy, Proposal, ProposalVersion


@admin.register(Proposal)
class ProposalAdmin(ReadOnlyAdmin[Proposal]):
    list_display = ["title", "circle", "author", "state", "created_at", "closed_at"]
    list_filter = ["state", "circle__organisation"]
    list_select_related = ["circle", "author"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Proposal]:
        # The title is the current version's: read with the list, not once per row.
        current = ProposalVersion.objects.filter(
            proposal=OuterRef("pk"), number=OuterRef("version_number")
        )
        return (
            super().get_queryset(request).annotate(current_title=Subquery(current.values("title")))
        )

    @admin.display(description=gettext_lazy("title"), ordering="current_title")
    def title(self, proposal: Proposal) -> str:
        return str(getattr(proposal, "current_title", None) or proposal.current_version.title)


@admin.register(ConsentRound)
class ConsentRoundAdmin(ReadOnlyAdmin[ConsentRound]):
    list_display = ["__str__", "title", "opened_at", "closes_at", "closed_at", "outcome"]
    list_filter = ["outcome"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[ConsentRound]:
        # The title of the version the round asked about, read with the list.
        asked = ProposalVersion.objects.filter(
            proposal=OuterRef("proposal_id"), number=OuterRef("version_number")
        )
        return super().get_queryset(request).annotate(asked_title=Subquery(asked.values("title")))

    @admin.display(description=gettext_lazy("proposal"), ordering="asked_title")
    def title(self, round_: ConsentRound) -> str:
        return str(getattr(round_, "asked_title", "") or "")


@admin.register(Decision)
class DecisionAdmin(ReadOnlyAdmin[Decision]):
    list_display = ["__str__", "title", "circle", "decided_at", "review_on", "ledger_sequence"]
    list_filter = ["circle__organisation"]
    list_select_related = ["circle", "version"]

    @admin.display(description=gettext_lazy("title"), ordering="version__title")
    def title(self, decision: Decision) -> str:
        return decision.version.title


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
