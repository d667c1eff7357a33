"""Sentences for the selections' ledger events, in the circle's feed and in notifications.

Each names the role and leads to the selection's page. Until the reveal, a nomination's sentence
names its author alone (the event holds nothing more: services.nominate).
"""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy

from circlewise.core.feed import Describer, Sentence, actor, bdi, circle_name, org_url, person, say
from circlewise.core.models import LedgerEvent


def _said(template: str | Promise, by_itself: str | Promise | None = None) -> Describer:
    def describe(event: LedgerEvent) -> Sentence:
        p = event.payload
        chosen = by_itself if by_itself is not None and event.actor_id is None else template
        return say(
            chosen,
            org_url(event, "selections:selection_detail", p["selection"]),
            actor=actor(event),
            role=bdi(p.get("role_name", "")),
            circle=circle_name(event),
            nominee=person(p, "nominee_name"),
            person=person(p, "person_name"),
            proposer=person(p, "proposer_name"),
            facilitator=person(p, "facilitator_name"),
        )

    return describe


def _answered(event: LedgerEvent) -> Sentence:
    p = event.payload
    if p.get("recorded"):
        template = (
            gettext_lazy("%(actor)s recorded %(person)s's consent to %(nominee)s as %(role)s.")
            if p.get("consents")
            else gettext_lazy(
                "%(actor)s recorded %(person)s's objection to %(nominee)s as %(role)s."
            )
        )
    elif p.get("consents"):
        template = gettext_lazy("%(actor)s consented to %(nominee)s as %(role)s.")
    else:
        template = gettext_lazy("%(actor)s objected to %(nominee)s as %(role)s.")
    return _said(template)(event)


def _changed(event: LedgerEvent) -> Sentence:
    if event.payload.get("kept"):
        return _said(gettext_lazy("%(actor)s kept their nomination of %(nominee)s for %(role)s."))(
            event
        )
    return _said(gettext_lazy("%(actor)s changed their nomination for %(role)s to %(nominee)s."))(
        event
    )


def _prepare_answered(event: LedgerEvent) -> Sentence:
    if event.payload.get("consents"):
        template = gettext_lazy(
            "%(actor)s consented to the term and qualifications of the selection for %(role)s."
        )
    else:
        template = gettext_lazy(
            "%(actor)s objected to the term or qualifications of the selection for %(role)s."
        )
    return _said(template)(event)


DESCRIBERS: dict[str, Describer] = {
    "selection.started": _said(
        gettext_lazy(
            "%(actor)s started a selection for %(role)s in %(circle)s, facilitated by "
            "%(facilitator)s."
        )
    ),
    "selection.prepared": _said(
        gettext_lazy(
            "%(actor)s wrote down the term and qualifications of the selection for %(role)s."
        )
    ),
    "selection.qualification_added": _said(
        gettext_lazy("%(actor)s added a qualification to the selection for %(role)s.")
    ),
    "selection.preparation_answered": _prepare_answered,
    "selection.nominations_opened": _said(
        gettext_lazy(
            "%(actor)s opened the nominations for %(role)s in %(circle)s: everyone "
            "nominates, in secret until they are revealed."
        )
    ),
    "selection.nominated": _said(gettext_lazy("%(actor)s wrote their nomination for %(role)s.")),
    "selection.revealed": _said(
        gettext_lazy("%(actor)s revealed the nominations for %(role)s: the change round is open."),
        gettext_lazy(
            "Everyone in %(circle)s has nominated: the nominations for %(role)s are revealed "
            "and the change round is open."
        ),
    ),
    "selection.changed": _changed,
    "selection.change_round_closed": _said(
        gettext_lazy(
            "%(actor)s closed the change round for %(role)s: a candidate is proposed next."
        ),
        gettext_lazy(
            "Everyone in %(circle)s has answered the change round for %(role)s: a candidate is "
            "proposed next."
        ),
    ),
    "selection.handed_over": _said(
        gettext_lazy(
            "%(actor)s handed the proposal in the selection for %(role)s over to %(proposer)s."
        )
    ),
    "selection.step_end_set": _said(
        gettext_lazy("%(actor)s changed when the step ends in the selection for %(role)s.")
    ),
    "selection.proposed": _said(
        gettext_lazy("%(actor)s proposed %(nominee)s as %(role)s: the consent round is open.")
    ),
    "selection.renewal_proposed": _said(
        gettext_lazy(
            "%(actor)s proposed renewing %(nominee)s's term as %(role)s: the consent round is open."
        )
    ),
    "selection.integrated": _said(
        gettext_lazy(
            "%(actor)s changed the proposal of %(nominee)s as %(role)s to meet the "
            "objections: everyone answers again."
        )
    ),
    "selection.answered": _answered,
    "selection.objection_withdrawn": _said(
        gettext_lazy("%(actor)s withdrew their objection to the selection for %(role)s.")
    ),
    "selection.completed": _said(
        gettext_lazy("%(actor)s selected %(nominee)s as %(role)s."),
        gettext_lazy("Everyone in %(circle)s consented: %(nominee)s is selected as %(role)s."),
    ),
    "selection.cancelled": _said(gettext_lazy("%(actor)s cancelled the selection for %(role)s.")),
}
