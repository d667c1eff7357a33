"""Sentences for the discussions' ledger events, in feeds and notifications.

Each names the person and the thing discussed: a backlog item by its topic, a draft by its title
once it is presented. While it is a draft its title stays out of the sentence, since the feed is
read by everyone who sees the circle and the draft only by its members; the sentence says "a
draft" and names the circle. (See circlewise.core.feed for the escaping and the `<bdi>`.)
"""

from __future__ import annotations

from typing import Any

from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from circlewise.core.feed import Describer, Sentence, actor, bdi, circle_name, org_url, say
from circlewise.core.models import LedgerEvent


def _thread_url(event: LedgerEvent) -> str:
    p = event.payload
    if "item" in p:
        url = org_url(event, "discussions:item_thread", p["item"])
    else:
        url = org_url(event, "discussions:proposal_thread", p["proposal"])
    return f"{url}#comment-{p['comment']}" if "comment" in p else url


def _title(event: LedgerEvent) -> SafeString | None:
    """What was discussed, by name: the item's topic, or the proposal's title once it is no
    longer a draft; None for a draft."""
    p = event.payload
    if "item" in p:
        return bdi(p.get("topic", ""))
    from circlewise.decisions.models import Proposal, ProposalVersion

    proposal = Proposal.objects.filter(pk=p.get("proposal")).only("state").first()
    if proposal is None or proposal.is_draft:
        return None
    title = (
        ProposalVersion.objects.filter(proposal_id=proposal.pk)
        .order_by("-number")
        .values_list("title", flat=True)
        .first()
    )
    return bdi(title or "")


def _told(event: LedgerEvent, named: str, draft: str, **values: Any) -> Sentence:
    """The sentence that names the thing (`named`), or, for a draft, the one that names its
    circle (`draft`)."""
    title = _title(event)
    values |= {"actor": actor(event), "circle": circle_name(event)}
    if title is None:
        return say(draft, _thread_url(event), **values)
    return say(named, _thread_url(event), title=title, **values)


def _commented(event: LedgerEvent) -> Sentence:
    p = event.payload
    if p.get("reply_to_name"):
        return _told(
            event,
            _("%(actor)s replied to %(person)s on “%(title)s”."),
            _("%(actor)s replied to %(person)s on a draft shared with %(circle)s."),
            person=bdi(p["reply_to_name"]),
        )
    return _told(
        event,
        _("%(actor)s commented on “%(title)s”."),
        _("%(actor)s commented on a draft shared with %(circle)s."),
    )


def _edited(event: LedgerEvent) -> Sentence:
    return _told(
        event,
        _("%(actor)s edited a comment on “%(title)s”."),
        _("%(actor)s edited a comment on a draft shared with %(circle)s."),
    )


def _withdrawn(event: LedgerEvent) -> Sentence:
    return _told(
        event,
        _("%(actor)s withdrew a comment on “%(title)s”."),
        _("%(actor)s withdrew a comment on a draft shared with %(circle)s."),
    )


def _shared(event: LedgerEvent) -> Sentence:
    if event.verb == "discussion.draft_shared":
        return _told(
            event,
            _("%(actor)s shared the draft “%(title)s” for comment with %(circle)s."),
            _("%(actor)s shared a draft for comment with %(circle)s."),
        )
    return _told(
        event,
        _("%(actor)s stopped sharing the draft “%(title)s” with %(circle)s."),
        _("%(actor)s stopped sharing a draft with %(circle)s."),
    )


def _started(event: LedgerEvent) -> Sentence:
    return _told(
        event,
        _("%(actor)s started a proposal from the discussion on “%(title)s”."),
        _("%(actor)s started a proposal from the discussion on “%(title)s”."),
    )


DESCRIBERS: dict[str, Describer] = {
    "discussion.commented": _commented,
    "discussion.comment_edited": _edited,
    "discussion.comment_withdrawn": _withdrawn,
    "discussion.draft_shared": _shared,
    "discussion.draft_unshared": _shared,
    "discussion.proposal_started": _started,
}
# Every discussion event is in the feeds: none names what its reader may not see.
HIDDEN: frozenset[str] = frozenset()
