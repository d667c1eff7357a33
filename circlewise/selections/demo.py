"""Selections for the demo organisation, through the selection services: Land & Gardens'
completed selection of its first Seed Librarian, with a change round and an objection integrated
in a shorter term with training; and Community Life's selection of its Welcome Host, whose term
ends soon, under way in the nominations (some written, still hidden)."""

from __future__ import annotations

from django.db import transaction

from circlewise.accounts.models import User
from circlewise.circles import services as circle_services
from circlewise.circles.models import Circle, Organisation

from . import services, services_consent


def _p(local: str) -> User:
    return User.objects.get(email=f"{local}@riverbend.example")


@transaction.atomic
def load(org: Organisation) -> None:
    _seed_librarian(org)
    _welcome_host(org)


def _seed_librarian(org: Organisation) -> None:
    land = Circle.objects.get(organisation=org, slug="land-gardens")
    kai, chiara, finn, lena, mateo, nora, omar = (
        _p(n) for n in ("kai", "chiara", "finn", "lena", "mateo", "nora", "omar")
    )
    role = circle_services.create_role(
        circle=land, actor=kai, name="Seed Librarian",
        aim="Keep the seed library stocked, labelled and shared.",
        responsibilities="Runs the seed swap each spring; keeps the germination log; teaches "
        "saving seed at the autumn workshop.",
        default_term_months=12,
    )  # fmt: skip
    selection = services.start_selection(
        role=role, actor=kai, facilitator=kai,
        qualifications="Knows the varieties we grow\nKeeps careful records\nCan give an "
        "afternoon a month in spring and autumn",
    )  # fmt: skip
    for person in (chiara, finn, lena, mateo, nora, omar, kai):
        services.answer_preparation(selection=selection, actor=person, consents=True)
    services.open_nominations(selection=selection, actor=kai)
    nominations = [
        (chiara, nora, "Nora saved the beans through the wet year; she knows every variety."),
        (finn, mateo, "Mateo keeps the best records of anyone here."),
        (kai, nora, "Nora teaches well: the children's seed morning was hers."),
        (lena, mateo, "Mateo asked for more of a role in the gardens, and he is meticulous."),
        (mateo, nora, "Nora, because she already does half of this without the title."),
        (nora, mateo, "Mateo: the germination log needs someone who loves a spreadsheet."),
        (omar, lena, "Lena runs the greenhouse; the seed library sits right next to it."),
    ]
    for nominator, nominee, reason in nominations:
        services.nominate(selection=selection, actor=nominator, nominee=nominee, reason=reason)
    changes: list[tuple[User, User | None, str]] = [
        (chiara, None, "I keep Nora."),
        (finn, None, ""),
        (kai, None, ""),
        (lena, None, ""),
        (mateo, None, ""),
        (nora, None, ""),
        (omar, nora, "Having heard about the seed morning, I change to Nora: Lena's greenhouse "
         "keeps her busy enough."),
    ]  # fmt: skip
    for person, changed_to, reason in changes:
        services.change_nomination(
            selection=selection, actor=person, nominee=changed_to, reason=reason
        )
    services_consent.propose(
        selection=selection, actor=kai, nominee=nora,
        reasons="Four of us nominate Nora after the change round: she knows the varieties and "
        "already teaches seed saving. Mateo's records came up often; he could keep the log with her.",
        term_months=12,
    )  # fmt: skip
    answers = [
        (omar, True, ""),
        (chiara, True, ""),
        (finn, False, "A year is long for a first term of a new role, and nobody has written down "
         "how the germination log works; if Nora is ill in spring the swap stops."),
        (lena, True, ""),
        (mateo, True, ""),
        (kai, True, ""),
        (nora, True, ""),
    ]  # fmt: skip
    order = services_consent.consent_order(selection, nora.pk)
    for person, consents, reason in sorted(answers, key=lambda a: order.index(a[0].pk)):
        services_consent.answer(selection=selection, actor=person, consents=consents, reason=reason)
    services_consent.integrate(
        selection=selection, actor=kai,
        reasons="Nora for six months, a first term to learn the role; Mateo writes down the "
        "germination log with her and stands in for the spring swap.",
        term_months=6, measures="The log written down by the end of March; a check-in at the "
        "circle's meeting after the swap.",
    )  # fmt: skip
    for pk in services_consent.consent_order(selection, nora.pk):
        services_consent.answer(selection=selection, actor=User.objects.get(pk=pk), consents=True)


def _welcome_host(org: Organisation) -> None:
    community = Circle.objects.get(organisation=org, slug="community-life")
    wren, elif_, tara, uma, viktor = (_p(n) for n in ("wren", "elif", "tara", "uma", "viktor"))
    role = community.roles.get(name="Welcome Host")
    selection = services.start_selection(
        role=role, actor=wren, facilitator=wren,
        qualifications="Warm with strangers\nAnswers messages within two days\nFree on the "
        "first Saturday of the month",
    )  # fmt: skip
    for person in User.objects.filter(pk__in=services.voters(selection)):
        services.answer_preparation(selection=selection, actor=person, consents=True)
    services.open_nominations(selection=selection, actor=wren)
    for nominator, nominee, reason in [
        (elif_, uma, "Uma welcomed me when I arrived, and she loves the open days."),
        (tara, uma, "Uma speaks four languages; visitors come from everywhere."),
        (viktor, tara, "Tara answers everyone quickly and kindly."),
    ]:
        services.nominate(selection=selection, actor=nominator, nominee=nominee, reason=reason)
