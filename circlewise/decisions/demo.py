"""Proposals in every state for the demo organisation, made through the consent services."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from circlewise.accounts.models import User
from circlewise.circles.models import Circle, Organisation

from . import services
from .models import Decision, Objection, Proposal


def _p(local: str) -> User:
    return User.objects.get(email=f"{local}@riverbend.example")


def _everyone_consents(round_: object, circle: Circle, *, except_: tuple[str, ...] = ()) -> None:
    for member in circle.memberships.current().select_related("user"):
        if member.user.email.split("@")[0] in except_:
            continue
        services.respond(round_=round_, user=member.user, answer="consent")  # type: ignore[arg-type]


@transaction.atomic
def load(org: Organisation) -> None:
    today = timezone.localdate()
    land = org.circles.get(slug="land-gardens")
    community = org.circles.get(slug="community-life")
    buildings = org.circles.get(slug="buildings-energy")
    general = org.circles.get(slug="general-circle")
    kai, chiara, omar, lena, finn, mateo = (
        _p(x) for x in ("kai", "chiara", "omar", "lena", "finn", "mateo")
    )
    wren, zoe, tara = _p("wren"), _p("zoe"), _p("tara")
    services.update_settings(circle=land, actor=chiara, allow_concerns=True)

    # 1. Decided after an objection was heard and integrated: an active policy.
    tools = services.create_proposal(
        circle=land, author=lena, title="Tool shed sign-out",
        driver="Tools go missing and nobody knows who has them.",
        text="Everyone signs tools out on the board by the shed door and back in when returned.",
        aim="Keep the tools where people can find them.", feedback_channel="The Land & Gardens backlog",
    )  # fmt: skip
    services.present(proposal=tools, actor=lena)
    question = services.ask_question(
        proposal=tools, member=mateo, text="Does this include wheelbarrows?"
    )
    services.answer_question(
        question=question, actor=lena, text="Yes, everything kept in the shed."
    )
    services.advance(proposal=tools, actor=kai)
    services.react(proposal=tools, member=finn, text="Good idea, long overdue.")
    services.react(proposal=tools, member=omar, text="Worried it becomes bureaucracy.")
    services.advance(proposal=tools, actor=kai)
    first = services.open_consent_round(proposal=tools, actor=kai)
    services.respond(round_=first, user=omar, answer="objection",
                     reason="Volunteers on pruning days will not sign out twenty pairs of secateurs.")  # fmt: skip
    _everyone_consents(first, land, except_=("omar",))
    objection = Objection.objects.get(proposal=tools)
    services.discuss_objection(objection=objection, author=kai, text="What would you fear happens?")
    services.discuss_objection(
        objection=objection, author=omar, text="People skip the day rather than queue."
    )
    services.state_back(objection=objection, actor=lena,
                        text="Signing out every small tool would put volunteers off on busy days.")  # fmt: skip
    services.confirm_heard(objection=objection, objector=omar)
    services.revise(
        proposal=tools, actor=kai, change_note="Pruning days are exempt; the steward signs out a whole kit.",
        text="Everyone signs tools out on the board by the shed door and back in when returned. On "
        "pruning days the Orchard Steward signs out the pruning kit as one item.",
        review_on=today + dt.timedelta(days=180),
        measures_to_add=[("Tools missing at the monthly count", "More than 3", omar)],
        integrations={objection.pk: "Pruning kits are signed out as one item by the steward; "
                      "we count missing tools monthly and review in six months."},
    )  # fmt: skip
    second = services.open_consent_round(proposal=tools, actor=kai)
    services.respond(round_=second, user=mateo, answer="concern", reason="The board must stay dry.")
    _everyone_consents(second, land, except_=("mateo",))

    # 2. An older policy whose review falls due in a few days.
    seeds = services.create_proposal(
        circle=land, author=chiara, title="Seed budget",
        driver="We overspent on seeds two springs running.",
        text="The seed budget is 600 a year; anything more comes to the circle.",
        review_on=today + dt.timedelta(days=9),
    )  # fmt: skip
    services.present(proposal=seeds, actor=chiara)
    round_ = services.open_consent_round(proposal=seeds, actor=kai)
    _everyone_consents(round_, land)

    # 2b. A policy replaced by a newer one (superseded), and one retired, both by consent.
    def decide(circle: Circle, author: User, facilitator: User, **fields: object) -> Proposal:
        proposal = services.create_proposal(circle=circle, author=author, **fields)  # type: ignore[arg-type]
        services.present(proposal=proposal, actor=author)
        _everyone_consents(
            services.open_consent_round(proposal=proposal, actor=facilitator), circle
        )
        return proposal

    watering = decide(
        land, mateo, kai, title="Watering rota",
        driver="Beds dried out in the heat while everyone thought someone else had watered.",
        text="Two people a day water the beds by hand, on a rota on the shed board.",
    )  # fmt: skip
    decide(
        land, omar, kai, title="Drip irrigation schedule",
        driver="Hand watering takes two hours a day and still misses the far beds.",
        text="Drip lines water every bed at dawn on a timer; the rota only checks the lines weekly.",
        amends=Decision.objects.get(proposal=watering).policy, policy_action="replace",
    )  # fmt: skip
    bonfire = decide(
        community, wren, wren, title="Bonfire nights",
        driver="People want to gather outside in autumn.",
        text="A bonfire in the meadow on the first Saturday of each autumn month.",
    )  # fmt: skip
    decide(
        community, zoe, wren, title="Retire “Bonfire nights”",
        driver="The council now bans open fires in the meadow; the policy cannot be followed.",
        text="The bonfire nights policy ends. Autumn gatherings move to the common house.",
        amends=Decision.objects.get(proposal=bonfire).policy, policy_action="retire",
    )  # fmt: skip

    # 3. In the consent round now, waiting for some answers.
    meals = services.create_proposal(
        circle=community, author=tara, title="Common meals twice a week",
        driver="People miss eating together since we moved to one meal a week.",
        text="Common meals on Tuesdays and Fridays, cooked by teams of three on a rota.",
    )  # fmt: skip
    services.present(proposal=meals, actor=tara)
    services.advance(proposal=meals, actor=wren)
    services.react(proposal=meals, member=zoe, text="Yes please!")
    services.advance(proposal=meals, actor=wren)
    round_ = services.open_consent_round(proposal=meals, actor=wren)
    for local in ("tara", "zoe", "wren"):
        services.respond(round_=round_, user=_p(local), answer="consent")

    # 4. In objection handling: stated back, not yet confirmed.
    quiet = services.create_proposal(
        circle=community, author=zoe, title="Quiet hours after 22:00",
        driver="Late noise from the common house keeps families awake.",
        text="No amplified music in the common house after 22:00.",
    )  # fmt: skip
    services.present(proposal=quiet, actor=zoe)
    round_ = services.open_consent_round(proposal=quiet, actor=wren)
    services.respond(round_=round_, user=_p("viktor"), answer="objection",
                     reason="The monthly dance would end before it begins.")  # fmt: skip
    _everyone_consents(round_, community, except_=("viktor",))
    services.state_back(objection=Objection.objects.get(proposal=quiet), actor=wren,
                        text="A fixed 22:00 end rules out our monthly dance night.")  # fmt: skip

    # 5. Clarifying questions, asynchronously.
    solar = services.create_proposal(
        circle=buildings, author=_p("priya"), title="Battery storage for the solar roof",
        driver="We export most of the midday solar power and buy it back in the evening.",
        text="Add a 10 kWh battery to the common house system, within the solar project's budget.",
    )  # fmt: skip
    services.present(
        proposal=solar, actor=_p("priya"), clarifying_until=timezone.now() + dt.timedelta(days=5)
    )
    services.ask_question(
        proposal=solar, member=_p("sam"), text="How long does a battery like that last?"
    )

    # 6. Quick reactions.
    hens = services.create_proposal(
        circle=land, author=finn, title="Keep a dozen hens",
        driver="Kitchen scraps go to waste and we buy eggs in.",
        text="Build a hen house by the orchard and keep twelve hens, cared for on a rota.",
    )  # fmt: skip
    services.present(proposal=hens, actor=finn)
    services.advance(proposal=hens, actor=kai)
    services.react(proposal=hens, member=omar, text="The orchard would love them.")
    services.suggest_amendment(proposal=hens, member=mateo, text="Start with six, then grow.")

    # 7. A draft, visible only to its author.
    services.create_proposal(
        circle=general, author=chiara, title="Budget cycle",
        driver="Circles ask for money at random times of the year.",
        text="Each circle proposes its budget in October; the General Circle consents in November.",
    )  # fmt: skip

    # 8. Postponed by consent.
    sauna = services.create_proposal(
        circle=community, author=_p("uma"), title="A wood-fired sauna",
        driver="Winters are long and we have no warm place to gather.",
        text="Build a small sauna by the pond from our own timber.",
    )  # fmt: skip
    services.present(proposal=sauna, actor=_p("uma"))
    round_ = services.open_consent_round(proposal=sauna, actor=wren, subject="postpone")
    _everyone_consents(round_, community)

    # 9. Dropped by consent, and 10. escalated to the parent circle by consent.
    lights = services.create_proposal(
        circle=buildings, author=_p("rosa"), title="Floodlights on the car park",
        driver="The car park is dark in winter.",
        text="Install two floodlights on the common house wall.",
    )  # fmt: skip
    services.present(proposal=lights, actor=_p("rosa"))
    round_ = services.open_consent_round(proposal=lights, actor=_p("priya"), subject="drop")
    _everyone_consents(round_, buildings)
    loan = services.create_proposal(
        circle=buildings, author=_p("dev"), title="A loan for the heat pumps",
        driver="Heat pumps for every house cost more than our reserves.",
        text="Take a community loan of 80,000 over ten years.",
    )  # fmt: skip
    services.present(proposal=loan, actor=_p("dev"))
    round_ = services.open_consent_round(proposal=loan, actor=_p("priya"), subject="escalate")
    _everyone_consents(round_, buildings)

    # A member of another circle raises a topic with Land & Gardens; reviews and terms fall due.
    services.add_backlog_item(circle=land, actor=_p("hugo"), topic="Compost for the common house garden",
                              description="Could Land & Gardens share compost with Community Life?",
                              desired_outcome="explore")  # fmt: skip
    services.send_reminders(today=today)
