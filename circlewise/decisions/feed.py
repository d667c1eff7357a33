"""Sentences for the consent process's ledger events, in feeds and notifications.

Each names the proposal (or policy, objection, backlog item) and who acted. What the circle did
by consent (a decision, a postponement, a policy replaced) and what followed from the last answer
(a round closing) are the circle's acts: the sentence names the circle, not the last person to
answer. (See circlewise.core.feed for the escaping and the `<bdi>` around every name.)
"""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as N_
from django.utils.translation import ngettext

from circlewise.core.feed import (
    Describer,
    Sentence,
    a_date,
    a_moment,
    actor,
    bdi,
    circle_name,
    circle_url,
    org_url,
    person,
    say,
)
from circlewise.core.models import LedgerEvent


def _title(event: LedgerEvent) -> SafeString:
    """The proposal's title when the event happened (older events may not carry it)."""
    p = event.payload
    title = p.get("proposal_title") or p.get("title")
    return bdi(title) if title else conditional_escape(_("a proposal"))


def _proposal_url(event: LedgerEvent) -> str:
    return org_url(event, "decisions:proposal_detail", event.payload["proposal"])


def _on_proposal(template: str | Promise) -> Describer:
    """A sentence about something a person did to a proposal."""

    def describe(event: LedgerEvent) -> Sentence:
        return say(template, _proposal_url(event), actor=actor(event), title=_title(event),
                   circle=circle_name(event))  # fmt: skip

    return describe


def _draft(event: LedgerEvent) -> Sentence:
    # A draft's events carry no text (it is private to its author, the one reader of these
    # sentences): its title is read from the draft itself.
    from .models import ProposalVersion

    title = (
        ProposalVersion.objects.filter(proposal_id=event.payload["proposal"])
        .order_by("-number")
        .values_list("title", flat=True)
        .first()
    )
    values = {"actor": actor(event), "title": bdi(title or "")}
    if event.verb == "proposal.drafted":
        return say(_("%(actor)s started the draft “%(title)s”."), _proposal_url(event), **values)
    return say(_("%(actor)s edited the draft “%(title)s”."), _proposal_url(event), **values)


def _question(event: LedgerEvent) -> Sentence:
    if event.payload.get("passed"):
        return _on_proposal(_("%(actor)s passed in the clarifying round on “%(title)s”."))(event)
    return _on_proposal(_("%(actor)s asked a clarifying question about “%(title)s”."))(event)


def _reacted(event: LedgerEvent) -> Sentence:
    if event.payload.get("passed"):
        return _on_proposal(_("%(actor)s passed in the reaction round on “%(title)s”."))(event)
    return _on_proposal(_("%(actor)s reacted to “%(title)s”."))(event)


def _amendment_resolved(event: LedgerEvent) -> Sentence:
    if event.payload.get("accepted"):
        return _on_proposal(_("%(actor)s took up a friendly amendment to “%(title)s”."))(event)
    return _on_proposal(_("%(actor)s did not take up a friendly amendment to “%(title)s”."))(event)


def _step_changed(event: LedgerEvent) -> Sentence:
    template = {
        "reacting": _("%(actor)s moved “%(title)s” on to the round of quick reactions."),
        "synthesis": _("%(actor)s moved “%(title)s” on to synthesis."),
    }.get(event.payload.get("to", ""), _("%(actor)s moved “%(title)s” on to its next step."))
    return _on_proposal(template)(event)


# The step whose window an event is about, as the sentences below name it.
_STEP_NAMES = {
    "clarifying": N_("clarifying questions on “%(title)s”"),
    "reacting": N_("reactions to “%(title)s”"),
    "consent": N_("the consent round on “%(title)s”"),
}


def _step(event: LedgerEvent) -> SafeString:
    name = _STEP_NAMES.get(event.payload.get("state", ""), N_("the current step of “%(title)s”"))
    return mark_safe(conditional_escape(str(name)) % {"title": _title(event)})  # noqa: S308


def _step_reminder(event: LedgerEvent) -> Sentence:
    template = {
        "clarifying": _("Circlewise reminds %(circle)s: clarifying questions on “%(title)s” close "
                        "on %(time)s."),
        "reacting": _("Circlewise reminds %(circle)s: reactions to “%(title)s” close on %(time)s."),
    }.get(event.payload.get("state", ""),
          _("Circlewise reminds %(circle)s: the consent round on “%(title)s” closes on %(time)s."))  # fmt: skip
    return say(template, _proposal_url(event), circle=circle_name(event), title=_title(event),
               time=a_moment(event.payload.get("ends_at")))  # fmt: skip


def _step_overdue(event: LedgerEvent) -> Sentence:
    return say(_("The time for %(step)s in %(circle)s ended on %(time)s: the facilitator is asked "
                 "to move on, give it more time or close it."),
               _proposal_url(event), step=_step(event), circle=circle_name(event),
               time=a_moment(event.payload.get("ends_at")))  # fmt: skip


def _step_end_changed(event: LedgerEvent) -> Sentence:
    return say(_("%(actor)s moved the end of %(step)s to %(time)s: %(reason)s"),
               _proposal_url(event), actor=actor(event), step=_step(event),
               time=a_moment(event.payload.get("to")), reason=event.payload.get("reason", ""))  # fmt: skip


def _revised(event: LedgerEvent) -> Sentence:
    return say(_("%(actor)s wrote version %(version)s of “%(title)s”."), _proposal_url(event),
               actor=actor(event), title=_title(event), version=event.payload.get("version", ""))  # fmt: skip


def _helping(event: LedgerEvent) -> SafeString:
    """The circle a proposal goes to. A private one is not named: the feed of the proposal's
    circle is read by people outside it."""
    name = event.payload.get("handed_to_name")
    return bdi(name) if name else conditional_escape(_("a helping circle"))


def _round_opened(event: LedgerEvent) -> Sentence:
    template = {
        "postpone": _("%(actor)s asked %(circle)s to consent to postponing “%(title)s”."),
        "drop": _("%(actor)s asked %(circle)s to consent to dropping “%(title)s”."),
        "hand_over": _(
            "%(actor)s asked %(circle)s to consent to handing “%(title)s” to %(helping)s."
        ),
        "escalate": _(
            "%(actor)s asked %(circle)s to consent to escalating “%(title)s” to the parent circle."
        ),
    }.get(
        event.payload.get("subject", ""),
        _("%(actor)s opened the consent round on “%(title)s” in %(circle)s."),
    )
    return say(template, _proposal_url(event), actor=actor(event), title=_title(event),
               circle=circle_name(event), helping=_helping(event))  # fmt: skip


def _answered(event: LedgerEvent) -> Sentence:
    answer = event.payload.get("answer")
    if event.payload.get("replaces"):
        template = {
            "objection": _("%(actor)s changed their answer on “%(title)s”: now an objection."),
            "concern": _("%(actor)s changed their answer on “%(title)s”: now consent with a "
                         "concern."),
        }.get(answer, _("%(actor)s changed their answer on “%(title)s”: now consent."))  # fmt: skip
        return _on_proposal(template)(event)
    if answer == "objection":
        return _on_proposal(_("%(actor)s objected to “%(title)s”."))(event)
    if answer == "concern":
        return _on_proposal(_("%(actor)s consented to “%(title)s”, with a concern."))(event)
    return _on_proposal(_("%(actor)s consented to “%(title)s”."))(event)


def _closed(event: LedgerEvent) -> Sentence:
    p = event.payload
    outcome = _("objections to work through") if p.get("outcome") == "objected" else _("consented")
    values = {"actor": actor(event), "title": _title(event), "circle": circle_name(event),
              "outcome": outcome}  # fmt: skip
    url = _proposal_url(event)
    # A round closed by hand is the facilitator's act; one closed by its last answer (or by
    # the last person it waited for leaving) is nobody's: it is said as the circle's.
    if p.get("by_hand") and event.actor_id is not None:
        if p.get("closed_early"):
            return say(_("%(actor)s closed the consent round on “%(title)s” early: %(outcome)s."),
                       url, **values)  # fmt: skip
        return say(_("%(actor)s closed the consent round on “%(title)s”: %(outcome)s."), url,
                   **values)  # fmt: skip
    return say(_("The consent round on “%(title)s” closed in %(circle)s: %(outcome)s."), url,
               **values)  # fmt: skip


def _member_left(event: LedgerEvent) -> Sentence:
    values = {"circle": circle_name(event), "title": _title(event)}
    url = _proposal_url(event)
    if event.payload.get("user_name"):
        return say(_("%(circle)s no longer waits for %(person)s in the consent round on "
                     "“%(title)s”: they left the circle."), url, person=person(event.payload),
                   **values)  # fmt: skip
    return say(_("%(circle)s no longer waits for a member who left the circle in the consent round "
                 "on “%(title)s”."), url, **values)  # fmt: skip


def _decided(event: LedgerEvent) -> Sentence:
    p = event.payload
    values = {"circle": circle_name(event), "title": bdi(p["record"]["version"]["title"]),
              "policy": bdi(p.get("target_title") or "")}  # fmt: skip
    url = org_url(event, "decisions:decision_detail", p["decision"])
    action = p.get("policy_action")
    if action == "replace" and p.get("target_title"):
        return say(_("%(circle)s decided “%(title)s” by consent. It replaces the policy "
                     "“%(policy)s”."), url, **values)  # fmt: skip
    if action == "retire" and p.get("target_title"):
        return say(_("%(circle)s decided “%(title)s” by consent. It retires the policy "
                     "“%(policy)s”."), url, **values)  # fmt: skip
    return say(_("%(circle)s decided “%(title)s” by consent."), url, **values)


def _exited(event: LedgerEvent) -> Sentence:
    if event.payload.get("state") == "handed_back":
        name = event.payload.get("handed_to_name")
        return say(_("%(circle)s ended, so “%(title)s” went to the backlog of %(parent)s."),
                   _proposal_url(event), circle=circle_name(event), title=_title(event),
                   parent=bdi(name) if name else _("its parent circle"))  # fmt: skip
    template = {
        "postponed": _("%(circle)s postponed “%(title)s”, by consent."),
        "dropped": _("%(circle)s dropped “%(title)s”, by consent."),
        "handed_over": _("%(circle)s handed “%(title)s” to %(helping)s, by consent."),
        "escalated": _("%(circle)s escalated “%(title)s” to the parent circle, by consent."),
    }.get(event.payload.get("state", ""), _("“%(title)s” left the process in %(circle)s."))
    return say(template, _proposal_url(event), circle=circle_name(event), title=_title(event),
               helping=_helping(event))  # fmt: skip


def _objection_url(event: LedgerEvent) -> str:
    return org_url(event, "decisions:objection_detail", event.payload["objection"])


def _on_objection(template: str | Promise) -> Describer:
    def describe(event: LedgerEvent) -> Sentence:
        return say(template, _objection_url(event), actor=actor(event), title=_title(event))

    return describe


def _policy_url(event: LedgerEvent) -> str:
    return org_url(event, "decisions:policy_detail", event.payload["policy"])


def _policy_ended(event: LedgerEvent) -> Sentence:
    p = event.payload
    values = {"circle": circle_name(event), "title": bdi(p.get("title", "")),
              "new_title": bdi(p.get("new_title") or "")}  # fmt: skip
    if event.verb == "policy.superseded" and p.get("new_title"):
        return say(_("%(circle)s replaced the policy “%(title)s” with “%(new_title)s”, by "
                     "consent."), _policy_url(event), **values)  # fmt: skip
    return say(_("%(circle)s retired the policy “%(title)s”, by consent."), _policy_url(event),
               **values)  # fmt: skip


def _review_called(event: LedgerEvent) -> Sentence:
    values = {"actor": actor(event), "title": bdi(event.payload.get("title", ""))}
    if event.payload.get("source") == "consent_withdrawn":
        return say(_("%(actor)s withdrew their consent to the policy “%(title)s”: its review is "
                     "called."), _policy_url(event), **values)  # fmt: skip
    return say(_("%(actor)s called a review of the policy “%(title)s”."), _policy_url(event),
               **values)  # fmt: skip


def _backlog_url(event: LedgerEvent) -> str:
    item = event.payload.get("item", event.object_id)
    return f"{circle_url(event, 'decisions:backlog')}#item-{item}"


def _backlog(event: LedgerEvent) -> Sentence:
    p = event.payload
    values = {"actor": actor(event), "topic": bdi(p.get("topic", "")),
              "circle": circle_name(event)}  # fmt: skip
    url = _backlog_url(event)
    if event.verb == "backlog.item_added":
        if event.actor_id is None:
            return say(_("“%(topic)s” came to the backlog of %(circle)s."), url, **values)
        return say(_("%(actor)s added “%(topic)s” to the backlog of %(circle)s."), url, **values)
    if event.verb == "backlog.reminder":
        if p.get("due_on"):
            return say(_("Circlewise reminds %(circle)s: “%(topic)s” is due on %(due)s."), url,
                       due=a_date(p["due_on"]), **values)  # fmt: skip
        return say(_("Circlewise reminds %(circle)s: “%(topic)s” is due."), url, **values)
    if event.verb == "backlog.item_reopened":
        return say(_("%(actor)s reopened the backlog item “%(topic)s” in %(circle)s."), url,
                   **values)  # fmt: skip
    dropped = p.get("status") == "dropped"
    if dropped and p.get("reason") and event.actor_id is not None:
        # The reason is the person's own words: isolated like a name.
        return say(_("%(actor)s dropped the backlog item “%(topic)s” in %(circle)s: %(reason)s"),
                   url, reason=bdi(p["reason"]), **values)  # fmt: skip
    if p.get("resolution") == "handed_back":
        return say(_("“%(topic)s” went from the backlog of %(circle)s to its parent circle's, as "
                     "the circle ended."), url, **values)  # fmt: skip
    if p.get("resolution") == "renewed":
        return say(_("“%(topic)s” is off the backlog of %(circle)s: the term was renewed."), url,
                   **values)  # fmt: skip
    if p.get("resolution") == "replaced":
        return say(_("“%(topic)s” is off the backlog of %(circle)s: someone new holds the role."),
                   url, **values)  # fmt: skip
    if event.actor_id is None:
        if dropped:
            return say(_("“%(topic)s” was dropped from the backlog of %(circle)s."), url, **values)
        return say(_("“%(topic)s” is done and off the backlog of %(circle)s."), url, **values)
    if dropped:
        return say(_("%(actor)s dropped “%(topic)s” from the backlog of %(circle)s."), url,
                   **values)  # fmt: skip
    return say(_("%(actor)s took “%(topic)s” off the backlog of %(circle)s: done."), url, **values)


def _circle_ended(event: LedgerEvent) -> Sentence:
    """A helping circle's mandate ran out: said in its own feed, to its own members."""
    p = event.payload
    url = circle_url(event, "circles:circle_detail")
    values = {"circle": circle_name(event, "name"), "date": a_date(p.get("ends_on"))}
    if p.get("handed_to_name"):
        return say(_("%(circle)s has ended: its mandate ran until %(date)s. Its open work went "
                     "to the backlog of %(parent)s."), url,
                   parent=bdi(p["handed_to_name"]), **values)  # fmt: skip
    if p.get("handed_to"):
        return say(_("%(circle)s has ended: its mandate ran until %(date)s. Its open work went "
                     "to the backlog of its parent circle."), url, **values)  # fmt: skip
    return say(_("%(circle)s has ended: its mandate ran until %(date)s."), url, **values)


def _helping_ended(event: LedgerEvent) -> Sentence:
    """Said in the parent's feed, to the parent's members: a private helping circle is not
    named there."""
    p = event.payload
    name = p.get("helping_name")
    count = int(p.get("items", 0)) + int(p.get("proposals", 0))
    values = {"helping": bdi(name) if name else _("A private helping circle"),
              "circle": circle_name(event), "date": a_date(p.get("ends_on")), "count": count}  # fmt: skip
    url = circle_url(event, "decisions:backlog")
    if name:
        template = ngettext(
            "The helping circle %(helping)s has ended (its mandate ran until %(date)s); its "
            "%(count)s open item is now on the backlog of %(circle)s.",
            "The helping circle %(helping)s has ended (its mandate ran until %(date)s); its "
            "%(count)s open items are now on the backlog of %(circle)s.", count)  # fmt: skip
    else:
        template = ngettext(
            "%(helping)s of %(circle)s has ended (its mandate ran until %(date)s); its "
            "%(count)s open item is now on the backlog of %(circle)s.",
            "%(helping)s of %(circle)s has ended (its mandate ran until %(date)s); its "
            "%(count)s open items are now on the backlog of %(circle)s.", count)  # fmt: skip
    return say(template, url, **values)


def _mandate_extended(event: LedgerEvent) -> Sentence:
    p = event.payload
    url = circle_url(event, "circles:circle_detail")
    parent = p.get("parent_name")
    values = {"circle": circle_name(event, "name"), "date": a_date(p.get("ends_on")),
              "parent": bdi(parent) if parent else _("Its parent circle")}  # fmt: skip
    if p.get("reopened"):
        return say(_("%(parent)s extended the mandate of %(circle)s until %(date)s, by consent: "
                     "the circle works again."), url, **values)  # fmt: skip
    return say(_("%(parent)s extended the mandate of %(circle)s until %(date)s, by consent."),
               url, **values)  # fmt: skip


def _settings_changed(event: LedgerEvent) -> Sentence:
    url = circle_url(event, "decisions:decision_settings")
    values = {"actor": actor(event), "circle": circle_name(event)}
    if event.payload.get("decision") is not None:
        return say(_("%(circle)s changed its quorum to %(percent)s%% of those asked, by consent."),
                   url, percent=event.payload.get("quorum_percent", ""), **values)  # fmt: skip
    return say(_("%(actor)s changed how %(circle)s decides."), url, **values)


DESCRIBERS: dict[str, Describer] = {
    "proposal.drafted": _draft,
    "proposal.draft_updated": _draft,
    "proposal.presented": _on_proposal(N_("%(actor)s presented “%(title)s” to %(circle)s.")),
    "proposal.question_asked": _question,
    "proposal.question_answered": _on_proposal(
        N_("%(actor)s answered a clarifying question about “%(title)s”.")
    ),
    "proposal.reacted": _reacted,
    "proposal.amendment_suggested": _on_proposal(
        N_("%(actor)s suggested a friendly amendment to “%(title)s”.")
    ),
    "proposal.amendment_resolved": _amendment_resolved,
    "proposal.step_changed": _step_changed,
    "proposal.revised": _revised,
    "proposal.step_reminder": _step_reminder,
    "proposal.step_overdue": _step_overdue,
    "proposal.step_end_changed": _step_end_changed,
    "consent.round_opened": _round_opened,
    "consent.answered": _answered,
    "consent.round_closed": _closed,
    "consent.roster_member_left": _member_left,
    "proposal.decided": _decided,
    "proposal.exited": _exited,
    "proposal.reopened": _on_proposal(
        N_("%(actor)s objected after the meeting, so “%(title)s” is open again.")
    ),
    "objection.discussed": _on_objection(
        N_("%(actor)s took part in exploring an objection to “%(title)s”.")
    ),
    "objection.stated_back": _on_objection(
        N_("%(actor)s stated back an objection to “%(title)s”.")
    ),
    "objection.confirmed": _on_objection(
        N_("%(actor)s confirmed they were understood in their objection to “%(title)s”.")
    ),
    "objection.withdrawn": _on_objection(N_("%(actor)s withdrew their objection to “%(title)s”.")),
    "policy.superseded": _policy_ended,
    "policy.retired": _policy_ended,
    "policy.review_called": _review_called,
    "backlog.item_added": _backlog,
    "backlog.item_closed": _backlog,
    "backlog.item_reopened": _backlog,
    "backlog.reminder": _backlog,
    "decisions.settings_changed": _settings_changed,
    "circle.ended": _circle_ended,
    "circle.helping_ended": _helping_ended,
    "circle.mandate_extended": _mandate_extended,
}

HIDDEN = {"proposal.drafted", "proposal.draft_updated"}
