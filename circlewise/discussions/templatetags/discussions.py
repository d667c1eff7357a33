"""The discussions' hooks in other apps' pages: "Discuss (N)" on each backlog item, and the
draft's discussion (with sharing) and the discussion that led to a proposal, on its page."""

from __future__ import annotations

from typing import Any

from django import template
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from circlewise.circles.models import Circle, Organisation
from circlewise.decisions.models import BacklogItem, Proposal

from .. import permissions, selectors
from ..models import Thread

register = template.Library()


@register.simple_tag
def discussion_counts(circle: Circle) -> dict[int, int]:
    """`{% discussion_counts circle as counts %}`: comments per backlog item, in one query."""
    return selectors.item_comment_counts(circle)


@register.simple_tag
def discuss_link(
    organisation: Organisation, item: BacklogItem, counts: dict[int, int]
) -> SafeString:
    """`{% discuss_link organisation item counts %}`: the link to the item's discussion."""
    n = counts.get(item.pk, 0)
    url = reverse("discussions:item_thread", args=[organisation.slug, item.pk])
    label = (
        _("Discuss")
        if n == 0
        else ngettext("Discuss (%(n)s comment)", "Discuss (%(n)s comments)", n) % {"n": n}
    )
    return format_html(
        '<a class="button button-small button-quiet" href="{}">{}'
        '<span class="visually-hidden">: <bdi>{}</bdi></span></a>',
        url,
        label,
        item.topic,
    )


@register.inclusion_tag("discussions/includes/proposal_section.html", takes_context=True)
def proposal_discussion(context: template.Context, proposal: Proposal) -> dict[str, Any]:
    """`{% proposal_discussion proposal %}` on the proposal page: for a draft, sharing it for
    comment and its thread; for any proposal, the backlog discussion that led to it."""
    from ..views import thread_context

    request = context["request"]
    user = request.user
    behind = []
    for thread in Thread.objects.filter(led_to=proposal, item__isnull=False).select_related("item"):
        thread.circle = proposal.circle
        if permissions.can_view_thread(user, thread):
            behind.append(thread)
    own = permissions.thread_of_proposal(proposal)
    out: dict[str, Any] = {
        "request": request,
        "organisation": proposal.circle.organisation,
        "proposal": proposal,
        "behind": behind,
        "own": own,
        "can_share": permissions.can_share_draft(user, proposal),
        "own_count": 0,
    }
    if proposal.is_draft and (own.shared_at is not None or out["can_share"]):
        out |= thread_context(request, own)
        out["show_thread"] = True
    elif own.pk is not None and permissions.can_view_thread(user, own):
        out["own_count"] = selectors.comment_count(selectors.comments_of(own))
    out["csrf_token"] = context.get("csrf_token")
    return out
