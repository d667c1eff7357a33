"""Sentences for the selections' ledger events, in the circle's feed and in notifications.

Each names the role and leads to the selection's page. Until the reveal, a nomination's sentence
names its author alone (the event holds nothing more: services.nominate).
"""

from __future__ import annotations

from collections.abc import Callable

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
    if event.payload.get("person_name"):
        if event.payload.get("kept"):
            return _said(gettext_lazy("%(actor)s recorded that %(person)s keeps their nomination "
                                      "of %(nominee)s for %(role)s."))(event)  # fmt: skip
        return _said(gettext_lazy("%(actor)s recorded that %(person)s changes their nomination "
                                  "for %(role)s to %(nominee)s."))(event)  # fmt: skip
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


def _revealed(event: LedgerEvent) -> Sentence:
    """By the facilitator, by the last nomination, or by the step's end (`why`)."""
    if event.payload.get("why") == "step_ended":
        by_itself = gettext_lazy(
            "The nominations for %(role)s in %(circle)s are revealed, their step having ended: "
            "the change round is open."
        )
    else:
        by_itself = gettext_lazy(
            "Everyone in %(circle)s has nominated: the nominations for %(role)s are revealed "
            "and the change round is open."
        )
    return _said(
        gettext_lazy("%(actor)s revealed the nominations for %(role)s: the change round is open."),
        by_itself,
    )(event)


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
    "selection.revealed": _revealed,
    "selection.changed": _changed,
    "selection.change_round_closed": _said(
        gettext_lazy(
            "%(actor)s closed the change round for %(role)s: a candidate is proposed next."
        ),
        gettext_lazy(
            "The change round for %(role)s in %(circle)s is over: a candidate is proposed next."
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
    "selection.step_reminder": _said(
        gettext_lazy(
            "The step of the selection for %(role)s in %(circle)s ends soon: it waits for you."
        ),
    ),
    "selection.step_overdue": _said(
        gettext_lazy(
            "The step of the selection for %(role)s in %(circle)s has passed its end: move it "
            "on, or give it more time."
        ),
    ),
    "selection.cancelled": _said(gettext_lazy("%(actor)s cancelled the selection for %(role)s.")),
}


# What an email of each event asks of the member it reaches (notifications.selectors.ASKED).
_ASKS: dict[str, Promise] = {
    "selection.started": gettext_lazy(
        "Read the role's description and the term and qualifications, then consent or object "
        "on the selection's page."
    ),
    "selection.prepared": gettext_lazy(
        "The term or the qualifications changed: answer them again on the selection's page."
    ),
    "selection.nominations_opened": gettext_lazy(
        "Write your nomination: whom you nominate (yourself too) and why. Nobody sees it until "
        "everyone has nominated or the facilitator reveals them."
    ),
    "selection.revealed": gettext_lazy(
        "Read everyone's nominations, then keep or change yours in the change round, saying why."
    ),
    "selection.change_round_closed": gettext_lazy(
        "Propose a candidate from the nominees, with your reasons and the term."
    ),
    "selection.handed_over": gettext_lazy(
        "You propose the candidate in this selection: once the change round closes, choose from "
        "the nominees and give your reasons."
    ),
    "selection.proposed": gettext_lazy(
        "Consent to the candidate, or object and say why: nobody passes, and the nominee answers "
        "last."
    ),
    "selection.renewal_proposed": gettext_lazy(
        "Consent to renewing the term, or object and say why: an objection opens the nominations."
    ),
    "selection.integrated": gettext_lazy(
        "The proposal changed to meet the objections: answer this version again."
    ),
    "selection.step_reminder": gettext_lazy(
        "The step ends soon: open the selection to give your part before it does."
    ),
    "selection.step_overdue": gettext_lazy(
        "As the selection's facilitator: move it on, or give the step more time."
    ),
    "selection.answered": gettext_lazy(
        "An objection stands: integrate it in a changed proposal (training, a shorter term, "
        "measures), or propose another nominee."
    ),
}


def _asks(verb: str) -> Callable[[LedgerEvent, int | None], str]:
    def asked(event: LedgerEvent, reader: int | None) -> str:
        if verb == "selection.answered" and event.payload.get("consents"):
            return ""
        return str(_ASKS[verb])

    return asked


ASKED = {verb: _asks(verb) for verb in _ASKS}
