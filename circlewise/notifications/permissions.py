"""Who may see and do what with notifications.

A notification is its recipient's alone: for anyone else it is missing (404), in lists too. What
it says is the ledger event's sentence, and that is shown only while the recipient may still see
the event (not after they left the private circle it happened in). An email says more than the
list (it names the thing and links to it), so it is sent only while the person may still see
the event's object itself (`can_email_event`), checked again at the moment it is sent.

A person's email preferences are theirs, per organisation they belong to
(`can_manage_email_preferences`); the page, the API and the unsubscribe link all ask it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.http import Http404

from circlewise.circles.models import Organisation
from circlewise.circles.permissions import can_view_circle, can_view_organisation, is_person
from circlewise.core.models import LedgerEvent

from .models import Notification

if TYPE_CHECKING:
    from circlewise.core.types import Viewer


def can_view_notification(user: Viewer, notification: Notification) -> bool:
    """Only the recipient sees, follows or marks a notification."""
    return bool(user is not None and user.is_authenticated and notification.recipient_id == user.pk)


def get_notification_for(user: Viewer, notification_id: int) -> Notification:
    """The person's own notification, with what its sentence reads; anyone else's is missing."""
    notification = (
        Notification.objects.select_related(
            "event__actor", "event__organisation", "event__circle__organisation"
        )
        .filter(pk=notification_id)
        .first()
    )
    if notification is None or not can_view_notification(user, notification):
        raise Http404
    return notification


def can_see_event(user: Viewer, event: LedgerEvent) -> bool:
    """Whether the person may still read what happened: an event in a circle they can no longer
    see (a private circle they have left) keeps its place in their list, not its text."""
    return event.circle is None or can_view_circle(user, event.circle)


def can_email_event(user: Viewer, event: LedgerEvent) -> bool:
    """Whether an email about the event may go to the person now: an active member of its
    organisation who may see its circle and, for a proposal's event, the proposal itself (a
    draft is its author's). Read afresh: it is asked when the email is sent, not when queued."""
    from circlewise.decisions.models import Proposal
    from circlewise.decisions.permissions import can_view_proposal

    if not is_person(user) or not can_view_organisation(user, event.organisation):
        return False
    if not can_see_event(user, event):
        return False
    proposal_id = event.payload.get("proposal") if isinstance(event.payload, dict) else None
    if isinstance(proposal_id, int):
        proposal = (
            Proposal.objects.select_related("circle__organisation").filter(pk=proposal_id).first()
        )
        return proposal is not None and can_view_proposal(user, proposal)
    return True


def can_manage_email_preferences(user: Viewer, organisation: Organisation) -> bool:
    """A person chooses how they hear from an organisation they belong to, and only their own."""
    return can_view_organisation(user, organisation)


def get_email_organisation_for(user: Viewer, slug: str) -> Organisation:
    """The organisation whose email preferences the person may change; any other is missing."""
    organisation = Organisation.objects.filter(slug=slug).first()
    if organisation is None or not can_manage_email_preferences(user, organisation):
        raise Http404
    return organisation
