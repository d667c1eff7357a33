"""A decision's record, rebuilt from an exported ledger alone, away from the database."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from circlewise.accounts import services as account_services
from circlewise.core import chain, export
from circlewise.decisions import services
from circlewise.decisions.models import Objection, Proposal

CONSENT, OBJECTION = "consent", "objection"


def _decided_after_an_objection(k) -> Proposal:
    """A proposal taken through an objection, its integration in a second version, a measure,
    and a second round that consents: everything a record holds."""
    proposal = services.create_proposal(
        circle=k.circle,
        author=k.author,
        title="Compost rota",
        driver="Food scraps pile up.",
        text="Everyone takes a week on the compost rota.",
    )
    services.present(proposal=proposal, actor=k.author)
    services.advance(proposal=proposal, actor=k.facilitator)
    services.advance(proposal=proposal, actor=k.facilitator)
    first = services.open_consent_round(proposal=proposal, actor=k.facilitator)
    services.respond(round_=first, user=k.others[0], answer=OBJECTION, reason="Too long alone.")
    for person in [k.facilitator, k.author, *k.others[1:]]:
        services.respond(round_=first, user=person, answer=CONSENT)
    objection = Objection.objects.get(proposal=proposal)
    services.state_back(objection=objection, actor=k.author, text="A week alone is too heavy.")
    services.confirm_heard(objection=objection, objector=k.others[0])
    services.revise(
        proposal=proposal,
        actor=k.facilitator,
        change_note="Pairs, and a shorter term.",
        text="Pairs take a week on the compost rota.",
        review_on=timezone.localdate() + dt.timedelta(days=90),
        measures_to_add=[("Weeks missed", "More than one in a quarter", k.others[0])],
        integrations={objection.pk: "People work in pairs; review after three months."},
    )
    second = services.open_consent_round(proposal=proposal, actor=k.facilitator)
    for person in k.everyone:
        services.respond(round_=second, user=person, answer=CONSENT)
    proposal.refresh_from_db()
    assert proposal.state == Proposal.State.DECIDED
    return proposal


def _export(world, k, who: str) -> list[str]:
    if who == "operator":
        return list(export.export_lines(world.org, scope=export.WHOLE_CHAIN))
    if who == "admin":
        _, raw = account_services.create_token(user=world.admin, name="export", scope="read")
        response = Client().get(
            "/api/v1/organisations/willow/ledger/export", headers={"Authorization": f"Bearer {raw}"}
        )
    else:
        client = Client()
        client.force_login(k.others[1])
        response = client.get(reverse("circles:feed_export", args=["willow"]))
    assert response.status_code == 200
    return b"".join(response.streaming_content).decode("utf-8").splitlines(keepends=True)


@pytest.mark.parametrize("who", ["operator", "admin", "member of the circle"])
def test_a_decision_record_rebuilt_from_the_export_alone_equals_the_stored_record(
    kitchen, world, who, django_assert_num_queries
):
    # given a decision that went through an objection, and an export of the ledger
    proposal = _decided_after_an_objection(kitchen)
    stored = proposal.decision.record
    lines = _export(world, kitchen, who)
    assert chain.verify_export(lines).ok
    # when its record is rebuilt from the export's lines alone, without the database
    with django_assert_num_queries(0):
        rebuilt = services.record_from_export(lines, proposal.pk)
        checked = services.check_export_decisions(lines)
    # then it is the stored record, to the letter
    assert rebuilt == stored
    assert rebuilt["objections"][0]["integration"].startswith("People work in pairs")
    assert rebuilt["version"]["measure_set"][0]["metric"] == "Weeks missed"
    # and the decision's own event in the export says the same
    assert [(d.proposal, d.holds) for d in checked] == [(proposal.pk, True)]


def test_a_consistent_export_whose_record_misstates_its_events_is_named(kitchen, world, tmp_path):
    # given an export of the whole chain in which the decision's record was rewritten to leave
    # out the objection, and every hash after it recomputed so that the chain itself holds
    proposal = _decided_after_an_objection(kitchen)
    lines = _export(world, kitchen, "operator")
    header, events = json.loads(lines[0]), [json.loads(line) for line in lines[1:]]
    at = next(i for i, e in enumerate(events) if e["verb"] == "proposal.decided")
    events[at]["payload"]["record"]["objections"] = []
    previous = events[at - 1]["hash"]
    for event in events[at:]:
        event["prev_hash"] = previous
        event["hash"] = previous = chain.event_hash(event)
    header["head"] = previous
    forged = [chain.canonical_json(line) + "\n" for line in [header, *events]]
    path = tmp_path / "forged.jsonl"
    path.write_text("".join(forged), encoding="utf-8")
    assert chain.verify_export(forged).ok
    # when the export is checked on the command line
    with pytest.raises(CommandError) as excinfo:
        call_command("verify_ledger", file=str(path))
    # then the decision's line is named: its record is not what the events before it say
    assert f"first bad line {at + 2}" in str(excinfo.value)
    # (the events still tell what happened: rebuilt from them, the record is the stored one)
    assert services.record_from_export(forged, proposal.pk) == proposal.decision.record
