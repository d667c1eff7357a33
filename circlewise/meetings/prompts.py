"""Prompts for the rounds that open and close a meeting, written for Circlewise: a facilitator
picks one or writes their own. Short, open, answerable by a teenager and by someone new, and
none asks for anything private."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

CHECK_IN = (
    _("How do you arrive today, in a word or two?"),
    _("What is on your mind that might keep you from being here?"),
    _("What went well for you since we last met?"),
    _("What do you hope this meeting gives you?"),
    _("What are you bringing in with you: energy, tiredness, a question?"),
    _("Name one thing you are grateful for this week."),
    _("What would make this meeting worth your time?"),
    _("Where in our work have you seen the circle's aim come alive lately?"),
)

EVALUATION = (
    _("What worked well in this meeting, and what would you change?"),
    _("When did you feel heard, and when not?"),
    _("Did we keep to time? What would help next time?"),
    _("Is there a decision today you are unsure we understood the same way?"),
    _("One word for how you leave."),
    _("What will you do differently before we meet again?"),
    _("Did everyone have room to speak? What could help the quieter voices?"),
    _("What did you learn from someone else today?"),
)

BY_KIND = {"check_in": CHECK_IN, "evaluation": EVALUATION}


def for_kind(kind: str) -> tuple[str, ...]:
    """The library's prompts for a kind of round (none for the others: their prompt is the
    item's question)."""
    return tuple(str(p) for p in BY_KIND.get(kind, ()))
