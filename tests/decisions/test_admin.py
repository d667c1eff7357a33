"""The decisions' admin lists name proposals, rounds and decisions by their titles."""

from __future__ import annotations

from django.urls import reverse

from circlewise.accounts.models import User

from .test_pages_steps import in_consent


def test_the_admin_lists_name_proposals_and_rounds_by_title(client, kitchen):
    # given a proposal in its consent round
    proposal, _round = in_consent(kitchen)
    root = User.objects.create_superuser(email="root@example.org", password="x", name="Root")
    client.force_login(root)
    # when the staff open the lists
    proposals = client.get(reverse("admin:decisions_proposal_changelist")).content.decode()
    rounds = client.get(reverse("admin:decisions_consentround_changelist")).content.decode()
    # then each row names the proposal by the title people gave it
    assert "Compost rota" in proposals and f"proposal {proposal.pk}<" not in proposals
    assert "Compost rota" in rounds
