"""Meeting evaluations: each participant's card (ratings and their own words), given once.

The ledger records that someone evaluated a meeting, never what they rated or wrote."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from circlewise.accounts.models import User
from circlewise.circles.models import Circle
from circlewise.core import ledger
from circlewise.core.errors import ServiceError

from . import permissions
from .broadcast import room_changed
from .models import Evaluation, Meeting


@transaction.atomic
def evaluate(
    *,
    meeting: Meeting,
    user: User,
    ratings: Mapping[str, int | None],
    went_well: str = "",
    could_improve: str = "",
) -> Evaluation:
    meeting = Meeting.objects.select_related("circle__organisation").get(pk=meeting.pk)
    permissions.require_evaluate(user, meeting)
    values: dict[str, int] = {}
    for name, label in Evaluation.DIMENSIONS:
        value = ratings.get(name)
        if not isinstance(value, int) or not 1 <= value <= 5:
            raise ServiceError(
                _("Rate “%(dimension)s” from 1 (not at all) to 5 (fully).") % {"dimension": label},
                field=name,
            )
        values[name] = value
    if Evaluation.objects.filter(meeting=meeting, user=user).exists():
        raise ServiceError(_("You have evaluated this meeting already."), status=409)
    try:
        with transaction.atomic():
            card = Evaluation.objects.create(
                meeting=meeting,
                user=user,
                went_well=(went_well or "").strip(),
                could_improve=(could_improve or "").strip(),
                **values,
            )
    except IntegrityError:  # the same card sent twice at once
        raise ServiceError(_("You have evaluated this meeting already."), status=409) from None
    ledger.append(
        organisation=meeting.circle.organisation,
        actor=user,
        verb="meeting.evaluated",
        obj=meeting,
        circle=meeting.circle,
        payload={
            "meeting": meeting.pk,
            "circle_name": meeting.circle.name,
            "title": meeting.title,
            "starts_at": meeting.starts_at.isoformat(),
        },
    )
    room_changed(meeting)  # the room no longer offers them the card
    return card


# How much of the point a backlog item's topic takes (the whole point is its description).
TOPIC_LENGTH = 80


@transaction.atomic
def send_improvement_to_backlog(*, card_id: int | None, circle: Circle, actor: User) -> Any:
    """Put a card's "could be better" on the circle's backlog, to explore; once per card. The
    item is added by `actor` (decisions' service and its ledger event), never naming who wrote
    the card."""
    from circlewise.decisions.services import backlog

    if not permissions.can_send_improvement(actor, circle):
        raise ServiceError(
            _("Only members of %(circle)s send its points to improve to its backlog.")
            % {"circle": circle.name},
            status=403,
        )
    card = (
        Evaluation.objects.select_for_update()
        .filter(pk=card_id or 0, meeting__circle=circle)
        .exclude(could_improve="")
        .first()
    )
    if card is None:
        raise ServiceError(_("Choose a point to improve from this circle's cards."), field="card")
    if card.improvement_item_id is not None:
        raise ServiceError(_("That point is on the backlog already."), status=409)
    point = " ".join(card.could_improve.split())
    topic = point if len(point) <= TOPIC_LENGTH else point[: TOPIC_LENGTH - 1].rstrip() + "…"
    item = backlog.add_backlog_item(
        circle=circle, actor=actor, topic=topic, desired_outcome="explore",
        description=_("A point to improve from the evaluation of a meeting:") + f"\n\n> {point}",
    )  # fmt: skip
    card.improvement_item = item
    card.save(update_fields=["improvement_item"])
    return item
