"""The selections' part of the sentences' story (tests/test_sentences.py): every kind of
selection event, made through the services in Orchard, and what each is about."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.urls import reverse
from django.utils import timezone

from circlewise.circles.models import Circle, Role
from circlewise.core.models import LedgerEvent
from circlewise.selections import services as selections
from circlewise.selections import services_consent as selection_consent
from circlewise.selections import services_deadlines as deadlines
from circlewise.selections.models import Selection


def _selection_story(orchard: Circle, fay: Any, ari: Any, bo: Any, cai: Any) -> None:
    """Orchard selects its secretary, Fay facilitating: the term and qualifications objected to
    and changed, nominations revealed by Fay, a change round she closes, the proposal handed to
    Cai, an objection integrated, answers recorded and withdrawn, and Bo selected when he
    answers last. Then the same role's renewal proposed, reminded of and overdue, and cancelled, and a second selection
    whose nominations reveal themselves and whose change round ends with the last answer."""
    secretary = orchard.roles.get(kind=Role.Kind.SECRETARY)
    sel = selections.start_selection(role=secretary, actor=fay)
    selections.prepare(selection=sel, actor=fay, term_months=6, qualifications="Calm")
    selections.add_qualification(selection=sel, actor=bo, qualification="Writes clearly")
    selections.answer_preparation(selection=sel, actor=bo, consents=False, reason="Too short.")
    selections.prepare(selection=sel, actor=fay, term_months=9, qualifications="Calm\nClear")
    selections.answer_preparation(selection=sel, actor=cai, consents=True)
    selections.set_step_end(
        selection=sel, actor=fay, step_ends_at=timezone.now() + dt.timedelta(days=5)
    )
    selections.open_nominations(selection=sel, actor=fay)
    selections.nominate(selection=sel, actor=ari, nominee=bo, reason="Bo is careful.")
    selections.nominate(selection=sel, actor=bo, nominee=ari, reason="Ari writes well.")
    selections.reveal(selection=sel, actor=fay)
    selections.change_nomination(selection=sel, actor=ari, nominee=None)
    selections.change_nomination(selection=sel, actor=bo, nominee=cai, reason="Cai has time.")
    selections.close_change_round(selection=sel, actor=fay)
    selections.hand_over(selection=sel, actor=fay, proposer=cai)
    sel.refresh_from_db()
    proposal = dict(selection=sel, actor=cai, reasons="Careful and calm.")
    selection_consent.propose(nominee=bo, **proposal)
    selection_consent.answer(selection=sel, actor=ari, consents=False, reason="Bo is busy.")
    selection_consent.integrate(measures="Ari helps in March.", **proposal)
    selection_consent.answer(selection=sel, actor=fay, consents=True, for_person=ari)
    selection_consent.answer(selection=sel, actor=cai, consents=False, reason="And me?")
    selection_consent.withdraw_objection(selection=sel, actor=cai)
    selection_consent.answer(selection=sel, actor=fay, consents=True)
    selection_consent.answer(selection=sel, actor=bo, consents=True)
    renewal = selections.start_selection(role=secretary, actor=fay)
    selection_consent.propose_renewal(selection=renewal, actor=fay, reasons="Bo did well.")
    # Its consent round given an end: a reminder before it, and flagged as overdue after it
    ends = timezone.now() + dt.timedelta(days=3)
    selections.set_step_end(selection=renewal, actor=fay, step_ends_at=ends)
    deadlines.keep_selections_moving(now=ends - dt.timedelta(hours=1))
    deadlines.keep_selections_moving(now=ends + dt.timedelta(hours=1))
    selections.cancel(selection=renewal, actor=fay, reason="We meet first.")
    again = selections.start_selection(role=secretary, actor=fay)
    selections.open_nominations(selection=again, actor=fay)
    for person in (fay, ari, bo, cai):
        selections.nominate(selection=again, actor=person, nominee=bo, reason="Bo again.")
    for person in (fay, ari, bo, cai):
        selections.change_nomination(selection=again, actor=person, nominee=None)


def _selection(event: LedgerEvent) -> tuple[str, str]:
    """A selection, by its role; the sentence leads to the selection."""
    selection = Selection.objects.select_related("role").get(pk=event.object_id)
    return selection.role.name, reverse(
        "selections:selection_detail", args=[event.organisation.slug, selection.pk]
    )
