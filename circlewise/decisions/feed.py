"""Sentences for the consent process's ledger events, in feeds and notifications."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.utils.translation import gettext as _


def _answered(p: dict[str, Any]) -> str:
    if p.get("answer") == "objection":
        return _("%(user_name)s objected to a proposal.") % p
    if p.get("answer") == "concern":
        return _("%(user_name)s consented to a proposal with a concern.") % p
    return _("%(user_name)s consented to a proposal.") % p


def _closed(p: dict[str, Any]) -> str:
    if p.get("outcome") == "objected":
        return _("A consent round closed with objections to work through.")
    return _("A consent round closed with everyone's consent.")


def _item_closed(p: dict[str, Any]) -> str:
    if p.get("resolution") == "renewed":
        return _("“%(topic)s” was taken off the backlog: the term was renewed.") % p
    if p.get("resolution") == "replaced":
        return _("“%(topic)s” was taken off the backlog: someone new holds the role.") % p
    return _("“%(topic)s” was taken off the backlog.") % p


def _exited(p: dict[str, Any]) -> str:
    return {
        "postponed": _("A proposal was postponed, by consent."),
        "dropped": _("A proposal was dropped, by consent."),
        "handed_over": _("A proposal was handed to a helping circle, by consent."),
        "escalated": _("A proposal was escalated to the parent circle, by consent."),
    }.get(p.get("state", ""), _("A proposal left the process."))


def _decided(p: dict[str, Any]) -> str:
    title = p["record"]["version"]["title"]
    action, target = p.get("policy_action"), p.get("target_title")
    if action == "replace" and target:
        return _("A proposal was decided: %(title)s. It replaces the policy “%(policy)s”.") % {
            "title": title, "policy": target}  # fmt: skip
    if action == "retire" and target:
        return _("A proposal was decided: %(title)s. It retires the policy “%(policy)s”.") % {
            "title": title, "policy": target}  # fmt: skip
    return _("A proposal was decided: %(title)s.") % {"title": title}


DESCRIBERS: dict[str, Callable[[dict[str, Any]], str]] = {
    "proposal.presented": lambda p: _("%(author_name)s presented a proposal: %(title)s.") % p,
    "proposal.question_asked": lambda p: (
        _("%(user_name)s passed in the clarifying round.") % p
        if p.get("passed")
        else _("%(user_name)s asked a clarifying question.") % p
    ),
    "proposal.question_answered": lambda p: _("A clarifying question was answered."),
    "proposal.reacted": lambda p: (
        _("%(user_name)s passed in the reaction round.") % p
        if p.get("passed")
        else _("%(user_name)s reacted to a proposal.") % p
    ),
    "proposal.amendment_suggested": lambda p: (
        _("%(user_name)s suggested a friendly amendment.") % p
    ),
    "proposal.amendment_resolved": lambda p: (
        _("A friendly amendment was taken up.")
        if p.get("accepted")
        else _("A friendly amendment was not taken up.")
    ),
    "proposal.step_changed": lambda p: _("A proposal moved to its next step."),
    "proposal.revised": lambda p: (
        _("A new version of “%(title)s” was written (version %(version)s).") % p
    ),
    "consent.round_opened": lambda p: _("A consent round opened. Everyone in the circle is asked."),
    "consent.answered": _answered,
    "consent.round_closed": _closed,
    "consent.roster_member_left": lambda p: _(
        "Someone who left the circle is no longer asked in a round."
    ),
    "proposal.decided": _decided,
    "proposal.exited": _exited,
    "proposal.reopened": lambda p: _("A decision was reopened by an objection after the meeting."),
    "objection.discussed": lambda p: _("An objection is being explored."),
    "objection.stated_back": lambda p: _("An objection was stated back to the objector."),
    "objection.confirmed": lambda p: _("An objector confirmed they were understood."),
    "objection.withdrawn": lambda p: _("An objection was withdrawn by the objector."),
    "policy.superseded": lambda p: (
        _("The policy “%(title)s” was replaced by “%(new_title)s”, by consent.") % p
    ),
    "policy.retired": lambda p: _("The policy “%(title)s” was retired, by consent.") % p,
    "policy.review_called": lambda p: _("A review of the policy “%(title)s” was called.") % p,
    "backlog.item_added": lambda p: _("“%(topic)s” was added to the backlog.") % p,
    "backlog.item_closed": _item_closed,
    "backlog.reminder": lambda p: _("Reminder: “%(topic)s” is due.") % p,
    "decisions.settings_changed": lambda p: _("%(circle_name)s changed how it decides.") % p,
}

HIDDEN = {"proposal.drafted", "proposal.draft_updated"}
