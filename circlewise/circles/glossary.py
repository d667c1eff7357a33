"""The glossary: each word Circlewise uses for sociocracy, with what it means in everyday words.

Shown at /o/<org>/glossary/ (circles.views.browse.org_glossary), linked from every proposal's
steps and from the organisation's home. In an organisation that uses plain words
(core.plainwords), the terms that have a plain name are shown by it, as on every other page.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Entry:
    key: str  # the anchor: /o/<org>/glossary/#<key>
    term: str | Promise
    meaning: str | Promise


GROUPS: tuple[tuple[str | Promise, tuple[Entry, ...]], ...] = (
    (
        _("Circles and roles"),
        (
            Entry(
                "circle",
                _("Circle"),
                _(
                    "A group of people who decide together about one area of work, within "
                    "their aim and domain."
                ),
            ),
            Entry(
                "aim",
                _("Aim"),
                _("What a circle or a role is there to achieve: the reason it exists."),
            ),
            Entry(
                "domain",
                _("Domain"),
                _("What a circle decides about on its own: its area of responsibility."),
            ),
            Entry(
                "double-link",
                _("Double link"),
                _(
                    "Two people connect a circle with the circle above it: the leader, chosen"
                    " by the circle above, and the delegate, chosen by the circle itself. "
                    "Both take part in decisions of both circles, so information flows both "
                    "ways."
                ),
            ),
            Entry(
                "leader",
                _("Leader"),
                _(
                    "Brings the wider view of the circle above into the circle, and holds it "
                    "to its aim."
                ),
            ),
            Entry(
                "delegate",
                _("Delegate"),
                _("Takes the circle's view up to the circle above, and decides there with them."),
            ),
            Entry(
                "facilitator",
                _("Facilitator"),
                _(
                    "Runs the circle's meetings and decisions: makes sure everyone is heard "
                    "and the process moves on."
                ),
            ),
            Entry(
                "secretary",
                _("Secretary"),
                _(
                    "Keeps the circle's records: agendas, minutes, the backlog, and terms "
                    "that are ending."
                ),
            ),
            Entry(
                "helping-circle",
                _("Helping circle"),
                _(
                    "A circle made for one task for a while, by the circle that needs the "
                    "help; it ends when its mandate does."
                ),
            ),
            Entry(
                "term",
                _("Term"),
                _("How long someone holds a role before the circle chooses again."),
            ),
        ),
    ),
    (
        _("Deciding together"),
        (
            Entry(
                "backlog",
                _("Backlog"),
                _(
                    "A circle's list of topics to look at: things to understand, to explore "
                    "or to decide."
                ),
            ),
            Entry(
                "proposal",
                _("Proposal"),
                _("A written suggestion for what the circle could decide, with why it is needed."),
            ),
            Entry(
                "driver",
                _("Driver"),
                _("The need or problem a proposal answers: why we need it."),
            ),
            Entry(
                "step-present",
                _("Present"),
                _("The author shares the proposal and the need behind it."),
            ),
            Entry(
                "step-clarify",
                _("Clarifying round"),
                _(
                    "Everyone in turn asks what they need to know to understand the proposal."
                    " No opinions yet; passing is fine."
                ),
            ),
            Entry(
                "step-react",
                _("Reaction round"),
                _(
                    "Everyone in turn says briefly how they feel about the proposal. Small "
                    "suggested changes (friendly amendments) come up here."
                ),
            ),
            Entry(
                "amendment",
                _("Friendly amendment"),
                _(
                    "A small change someone suggests to make the proposal better; whoever "
                    "brings the ideas together takes it up or not."
                ),
            ),
            Entry(
                "step-synthesis",
                _("Synthesis"),
                _(
                    "Bringing it together: the facilitator (or the author) gathers what was "
                    "said and, if needed, writes a new version."
                ),
            ),
            Entry(
                "step-consent",
                _("Consent"),
                _(
                    "Each member says whether they can live with the proposal and try it. "
                    "Consent is not “I like it”: it is “I see no reason it would harm what we"
                    " are here to do”."
                ),
            ),
            Entry(
                "objection",
                _("Objection"),
                _(
                    "A reason to believe the proposal would harm the circle's ability to "
                    "reach its aim. An objection is heard, said back, and worked into the "
                    "proposal; nobody can decide while one stands, and only the person who "
                    "raised it can withdraw it."
                ),
            ),
            Entry(
                "concern",
                _("Concern"),
                _("A worry someone records beside their consent. It does not stop the decision."),
            ),
            Entry(
                "lazy-consent",
                _("Lazy consent"),
                _(
                    "Decided unless someone objects in time: those present decide, and those "
                    "who were away may still object until a set time."
                ),
            ),
            Entry(
                "quorum",
                _("Quorum"),
                _("How many of those asked must answer before a round can close with consent."),
            ),
            Entry(
                "step-decided",
                _("Decision"),
                _(
                    "What the circle consented to, kept on the record with who answered what "
                    "and why."
                ),
            ),
            Entry(
                "policy",
                _("Policy"),
                _(
                    "A decision that sets a rule. Every policy has a date when the circle "
                    "looks at it again."
                ),
            ),
            Entry(
                "review",
                _("Review"),
                _(
                    "Looking at a policy or a role again, on its date or earlier when someone"
                    " asks, to keep it, change it or end it."
                ),
            ),
        ),
    ),
)
