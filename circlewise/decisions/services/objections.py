"""Handling an objection: discussing it, stating it back, the objector's confirmation and
withdrawal."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from circlewise.accounts.models import User
from circlewise.core.errors import ServiceError

from .. import permissions
from ..models import (
    ConsentRound,
    Objection,
    ObjectionMessage,
    Proposal,
)
from ._common import State, _append, _clean, _lock
from .quorum import waiting_for
from .rounds import _decide, _exit


def _lock_objection(objection: Objection) -> tuple[Proposal, Objection]:
    proposal = _lock(objection.proposal)
    return proposal, Objection.objects.select_for_update().get(pk=objection.pk)


@transaction.atomic
def discuss_objection(*, objection: Objection, author: User, text: str) -> ObjectionMessage:
    proposal, objection = _lock_objection(objection)
    permissions.require_member(author, proposal.circle)
    text = _clean(text)
    if not text:
        raise ServiceError(_("Write something."), field="text")
    message = ObjectionMessage.objects.create(objection=objection, author=author, text=text)
    _append(
        proposal, author, "objection.discussed",
        {"objection": objection.pk, "message": message.pk, "text": text},
        obj=message, notify=[objection.objector_id],
    )  # fmt: skip
    return message


@transaction.atomic
def state_back(*, objection: Objection, actor: User, text: str) -> Objection:
    """Someone says the objection back in their own words; the objector then confirms."""
    proposal, objection = _lock_objection(objection)
    permissions.require_member(actor, proposal.circle)
    if objection.status != Objection.Status.OPEN:
        raise ServiceError(_("This objection is no longer open."), status=409)
    permissions.require_state_back(actor, objection)
    text = _clean(text)
    if not text:
        raise ServiceError(_("Say the objection back in your own words."), field="text")
    objection.stated_back = text
    objection.stated_back_by = actor
    objection.stated_back_at = timezone.now()
    objection.confirmed_at = None
    objection.save(
        update_fields=["stated_back", "stated_back_by", "stated_back_at", "confirmed_at"]
    )
    _append(
        proposal, actor, "objection.stated_back",
        {"objection": objection.pk, "text": text},
        obj=objection, notify=[objection.objector_id],
    )  # fmt: skip
    return objection


@transaction.atomic
def confirm_heard(*, objection: Objection, objector: User) -> Objection:
    """The objector: “yes, that is my objection”. Being heard is recorded."""
    proposal, objection = _lock_objection(objection)
    permissions.require_confirm_heard(objector, objection)
    if not objection.stated_back:
        raise ServiceError(_("Nobody has stated the objection back yet."), status=409)
    if objection.confirmed_at is not None:
        raise ServiceError(_("You have already confirmed this."), status=409)
    objection.confirmed_at = timezone.now()
    objection.save(update_fields=["confirmed_at"])
    _append(
        proposal, objector, "objection.confirmed",
        {"objection": objection.pk, "stated_back": objection.stated_back},
        obj=objection,
        notify=[objection.stated_back_by_id] if objection.stated_back_by_id else [],
    )  # fmt: skip
    return objection


@transaction.atomic
def withdraw_objection(*, objection: Objection, actor: User) -> Objection:
    """Only the objector withdraws their objection: nobody, the facilitator included, clears it."""
    proposal, objection = _lock_objection(objection)
    permissions.require_withdraw_objection(actor, objection)
    if objection.status != Objection.Status.OPEN:
        raise ServiceError(_("This objection is no longer open."), status=409)
    objection.status = Objection.Status.WITHDRAWN
    objection.resolved_at = timezone.now()
    objection.save(update_fields=["status", "resolved_at"])
    _append(
        proposal, actor, "objection.withdrawn", {"objection": objection.pk},
        obj=objection, notify=[proposal.author_id],
    )  # fmt: skip
    # If that was the last objection of the last round on this version, the round's answers are
    # complete and no objection stands: the proposal is decided.
    last = proposal.rounds.exclude(outcome=ConsentRound.Outcome.SUPERSEDED).order_by("-pk").first()
    standing = proposal.objections.filter(
        status=Objection.Status.OPEN, version_number=proposal.version_number
    )
    if (
        last is not None
        and last.outcome == ConsentRound.Outcome.OBJECTED
        and last.version_number == proposal.version_number
        and proposal.state == State.OBJECTIONS
        and not standing.exists()
        and not waiting_for(last)
    ):
        last.outcome = ConsentRound.Outcome.CONSENTED
        last.save(update_fields=["outcome"])
        if last.subject == ConsentRound.Subject.PROPOSAL:
            _decide(proposal, last)
        else:
            _exit(proposal, last)
    return objection
