"""Selections through the API: the same rules as the services, told in status codes and
sentences. Nominations are secret until the reveal (to the facilitator too), the nominee answers
last, nobody passes, a completed selection holds the term, and a private circle's selection is
missing for anyone outside it."""

from __future__ import annotations

import pytest

from circlewise.circles.models import RoleAssignment
from circlewise.core.models import LedgerEvent
from circlewise.selections import services
from circlewise.selections.models import Answer, Selection, Step

from .. import factories as f
from ..api.conftest import ApiClient, event_count
from .helpers import nominating, proposed, revealed, secretary


@pytest.fixture
def api(client):
    return ApiClient(client)


def _names(nominations: list[dict]) -> list[tuple[str, str]]:
    return [(n["nominator"]["name"], n["nominee"]["name"]) for n in nominations]


def test_before_the_reveal_each_caller_reads_their_own_nomination_alone(world, api):
    # given the nominations open in Garden, and Cy's nomination of Fay written
    selection = nominating(world)
    cy, fay, mo = world.circle_member, world.facilitator, world.member
    wrote = api.post(
        f"/selections/{selection.pk}/nominations",
        {"nominee_id": fay.pk, "reason": "She keeps records well."},
        as_=cy,
    )
    assert wrote.status == 200, wrote.body
    # when Cy, Fay (the facilitator), Mo and the admin read the selection
    read = {who: api.get(f"/selections/{selection.pk}", as_=who).body for who in (cy, fay, mo)}
    admin = api.get(f"/selections/{selection.pk}", as_=world.admin).body
    # then Cy reads her own nomination, and nobody else reads any
    assert _names(read[cy]["nominations"]) == [("Cy Circle", "Fay Facilitator")]
    assert read[fay]["nominations"] == [] and read[mo]["nominations"] == []
    assert admin["nominations"] == []
    assert read[fay]["nominations_revealed"] is False
    # and when Fay writes hers, she reads hers alone
    api.post(
        f"/selections/{selection.pk}/nominations",
        {"nominee_id": cy.pk, "reason": "Cy writes clearly."},
        as_=fay,
    )
    mine = api.get(f"/selections/{selection.pk}", as_=fay).body
    assert _names(mine["nominations"]) == [("Fay Facilitator", "Cy Circle")]


def test_after_the_reveal_everyone_who_sees_the_circle_reads_the_grid(world, api):
    # given every nomination written (the last one revealed them) and the change round answered
    selection = revealed(world)
    mo = world.member
    changed = api.post(
        f"/selections/{selection.pk}/changes",
        {"nominee_id": world.circle_member.pk, "reason": "Cy's notes convinced me."},
        as_=mo,
    )
    assert changed.status == 200, changed.body
    # when the admin, who is in no circle, reads the selection
    body = api.get(f"/selections/{selection.pk}", as_=world.admin, scope="read").body
    # then the whole grid is there, with the reasons, in both rounds
    assert body["nominations_revealed"] is True and body["step"] == Step.CHANGE
    first = [n for n in body["nominations"] if n["round"] == "nomination"]
    assert sorted(_names(first)) == [
        ("Cy Circle", "Fay Facilitator"), ("Fay Facilitator", "Cy Circle"),
        ("Mo Member", "Fay Facilitator"),
    ]  # fmt: skip
    again = [n for n in body["nominations"] if n["round"] == "change"]
    assert _names(again) == [("Mo Member", "Cy Circle")]
    assert again[0]["reason"] == "Cy's notes convinced me." and again[0]["kept"] is False
    assert [s["person"]["name"] for s in body["roster"]] == [
        "Cy Circle", "Fay Facilitator", "Mo Member",
    ]  # fmt: skip


def test_the_nominee_answering_before_everyone_else_is_refused(world, api):
    # given Mo's proposal of Fay, and nobody has answered yet
    selection = proposed(world)
    before = event_count(world.org.pk)
    # when Fay, the nominee, answers first
    answer = api.post(
        f"/selections/{selection.pk}/answers", {"answer": "consent"}, as_=world.facilitator
    )
    # then she is told she answers last, and nothing is recorded
    assert answer.status == 409
    assert "answers last" in answer.detail
    assert not Answer.objects.exists()
    assert event_count(world.org.pk) == before
    # and the round's order ends with her
    body = api.get(f"/selections/{selection.pk}", as_=world.member).body
    assert [p["name"] for p in body["candidate"]["waiting_for"]][-1] == "Fay Facilitator"


def test_passing_is_refused_an_objection_needs_its_reason(world, api):
    # given the consent round on Fay
    selection = proposed(world)
    before = event_count(world.org.pk)
    # when Mo answers neither consenting nor saying why he objects, or tries to pass
    silent = api.post(
        f"/selections/{selection.pk}/answers", {"answer": "objection"}, as_=world.member
    )
    passing = api.post(f"/selections/{selection.pk}/answers", {"answer": "pass"}, as_=world.member)
    # then both are refused, with the field, and nothing is recorded
    assert silent.status == 400 and silent.body["field"] == "reason"
    assert passing.status == 422
    assert not Answer.objects.exists()
    assert event_count(world.org.pk) == before


def test_a_completed_selection_creates_the_term(world, api):
    # given the consent round on Fay, in which the nominee answers last
    selection = proposed(world)
    url = f"/selections/{selection.pk}/answers"
    # when Mo, Cy and then Fay consent (Mo objects first and then withdraws)
    objected = api.post(
        url, {"answer": "objection", "reason": "She has a lot on."}, as_=world.member
    )
    withdrawn = api.post(f"/selections/{selection.pk}/objection/withdraw", as_=world.member)
    cy = api.post(url, {"answer": "consent"}, as_=world.circle_member)
    fay = api.post(url, {"answer": "consent"}, as_=world.facilitator)
    # then the selection is complete and Fay holds the role for a year
    assert [a.status for a in (objected, withdrawn, cy, fay)] == [200, 200, 200, 200], fay.body
    assert fay.body["step"] == Step.COMPLETED
    term = RoleAssignment.objects.get(pk=fay.body["assignment_id"])
    assert (term.role_id, term.holder_id) == (secretary(world).pk, world.facilitator.pk)
    answers = fay.body["candidate"]["answers"]
    assert [a["person"]["name"] for a in answers][-1] == "Fay Facilitator"
    assert fay.body["candidate"]["waiting_for"] == []
    assert LedgerEvent.objects.filter(verb="selection.completed").count() == 1


def test_a_selection_in_a_private_circle_is_missing_for_anyone_outside_it(world, api):
    # given a selection of Care's secretary, started by Cy, its member
    selection = services.start_selection(
        role=f.role(world.care, "secretary"), actor=world.circle_member
    )
    url = f"/selections/{selection.pk}"
    # when Mo, Fay and the admin, none of them in Care, read it or act on it
    for who in (world.member, world.facilitator, world.admin):
        read = api.get(url, as_=who)
        acted = api.post(f"{url}/cancel", {"reason": "Not ours."}, as_=who)
        listed = api.get(f"/circles/{world.care.pk}/selections", as_=who)
        # then it does not exist for them, nor does the circle's list
        assert (read.status, acted.status, listed.status) == (404, 404, 404)
        assert read.body == {"detail": "Not found."}
    # and for Cy it does
    assert api.get(url, as_=world.circle_member).status == 200
    mine = api.get(f"/circles/{world.care.pk}/selections", as_=world.circle_member).body
    assert [s["id"] for s in mine["items"]] == [selection.pk]
    assert Selection.objects.get(pk=selection.pk).step == Step.PREPARE


def test_a_selection_is_started_on_a_role_and_listed_with_its_circle(world, api):
    # given Garden's secretary role, and Mo, who is in no circle
    role = secretary(world)
    # when Mo tries to start a selection for it, and Fay (its facilitator) does
    refused = api.post(f"/roles/{role.pk}/selections", {}, as_=world.member)
    started = api.post(f"/roles/{role.pk}/selections", {"term_months": 6}, as_=world.facilitator)
    # then Mo is refused, and Fay's is under way, facilitated by her, listed in Garden
    assert refused.status == 403
    assert started.status == 201, started.body
    assert started.body["facilitator"]["name"] == "Fay Facilitator"
    assert started.body["term_months"] == 6 and started.body["step"] == Step.PREPARE
    listed = api.get(f"/circles/{world.garden.pk}/selections", as_=world.member).body
    assert [s["id"] for s in listed["items"]] == [started.body["id"]]
    # and a second one for the same role is refused while it runs
    again = api.post(f"/roles/{role.pk}/selections", {}, as_=world.facilitator)
    assert again.status == 409


def test_bad_input_is_refused_with_a_sentence_and_changes_nothing(world, api):
    # given the nominations open in Garden
    selection = nominating(world)
    url = f"/selections/{selection.pk}"
    before = event_count(world.org.pk)
    # when Cy nominates nobody that exists, someone outside the roster, or gives no reason, and
    # Fay reveals before anyone has nominated
    unknown = api.post(
        f"{url}/nominations", {"nominee_id": 999999, "reason": "x"}, as_=world.circle_member
    )
    outside = api.post(
        f"{url}/nominations", {"nominee_id": world.admin.pk, "reason": "x"}, as_=world.circle_member
    )
    no_reason = api.post(
        f"{url}/nominations",
        {"nominee_id": world.member.pk, "reason": " "},
        as_=world.circle_member,
    )
    early = api.post(f"{url}/reveal", as_=world.facilitator)
    wrong_step = api.post(f"{url}/preparation", {"term_months": 6}, as_=world.facilitator)
    # then each is refused with a sentence, and nothing changed
    assert (unknown.status, unknown.body["field"]) == (400, "nominee_id")
    assert (outside.status, outside.body["field"]) == (400, "nominee")
    assert (no_reason.status, no_reason.body["field"]) == (400, "reason")
    assert early.status == 409 and early.detail
    assert wrong_step.status == 409 and wrong_step.detail
    assert event_count(world.org.pk) == before
    # and someone off the roster may not nominate at all
    assert api.post(f"{url}/nominations", {"nominee_id": world.member.pk, "reason": "x"},
                    as_=world.admin).status == 403  # fmt: skip
