"""Plain words: an organisation's pages and emails without the sociocratic jargon.

An organisation that sets `plain_words` (schools, youth groups, newcomers) reads every page and
email in the language `en-x-plain`: English whose catalog (locale/en_X-plain) translates only the
strings that use the jargon ("driver" becomes "why we need this", "synthesis" "bringing it
together", "lazy consent" "decided unless someone objects by …"); every other string falls back to
the English source. Because it is a language of its own, every string that goes through Django's
translation functions follows it, and every cached page and fragment is kept apart by it (the
language is part of each key, core.cache).

The language is chosen when the organisation of a request is fetched
(circles.permissions.get_organisation_for, and decisions' check of a proposal's organisation),
over the language Django's LocaleMiddleware chose for the request, when that is English. An
email to a member of such an organisation is written under `language_for(organisation)`.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.utils import translation

PLAIN = "en-x-plain"


def language_for(organisation: Any, language: str | None = None) -> str:
    """The language of an organisation's pages and emails, for someone who reads `language` (the
    site's by default): plain words where the organisation uses them and the reader English."""
    language = language or settings.LANGUAGE_CODE
    if getattr(organisation, "plain_words", False) and language.split("-")[0] == "en":
        return PLAIN
    return settings.LANGUAGE_CODE if language == PLAIN else language


def use_for(organisation: Any) -> None:
    """Speak as this organisation does for the rest of the request."""
    current = translation.get_language() or settings.LANGUAGE_CODE
    language = language_for(organisation, current)
    if current != language:
        translation.activate(language)
