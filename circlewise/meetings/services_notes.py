"""The secretary's notes on each agenda item, written in the room and read back to it.

Whoever may run the room (`permissions.can_run_room`: the meeting's facilitator and secretary,
those who plan the circle's meetings) edits an item's notes while the meeting is live; the room
shows them, and the minutes' draft takes them in. The ledger records that the notes changed, not
their text (like the minutes: the text is kept under the meeting's own access rules).
"""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from circlewise.accounts.models import User
from circlewise.core.errors import ServiceError
from circlewise.core.inputs import length_problem, text_problem

from . import permissions
from . import services_room as room
from .models import NOTES_LIMIT, AgendaItem, Meeting


@transaction.atomic
def edit_notes(*, meeting: Meeting, item_id: int | None, actor: User, text: str) -> AgendaItem:
    """Replace the notes of one of the meeting's agenda items (Markdown, at most NOTES_LIMIT
    characters). The same text again changes nothing."""
    meeting = room._locked(meeting)
    permissions.require_run_room(actor, meeting)
    room._require_live(meeting)
    item = (
        AgendaItem.objects.select_for_update(of=("self",))
        .filter(pk=item_id or 0, meeting=meeting, status=AgendaItem.Status.ON_AGENDA)
        .first()
    )
    if item is None:
        raise ServiceError(_("That item is not on this meeting's agenda."), field="item")
    text = (text or "").strip()
    problem = length_problem(text, NOTES_LIMIT, str(_("The notes"))) or text_problem(text)
    if problem is not None:
        raise ServiceError(problem, field="notes")
    if text == item.notes:
        return item
    item.notes = text
    item.save(update_fields=["notes"])
    room._append(
        meeting, actor, "agenda.notes_edited", meeting, item=item.pk, topic=item.title,
        length=len(text),
    )  # fmt: skip
    room._changed(meeting)
    return item
