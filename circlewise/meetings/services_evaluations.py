"""Meeting evaluations: each participant's card (ratings and their own words), given once.

The ledger records that someone evaluated a meeting, never what they rated or wrote."""

from __future__ import annotations

from collections.abc import Mapping

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from circlewise.accounts.models import User
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
