"""Role improvement reviews for the demo organisation, through the review services: Chiara's
completed review of her work as leader of Land & Gardens, with feedback from reviewers of Land
& Gardens and of the General Circle, and a plan everyone consented to (after one objection and
an amendment); and Kai's review as its facilitator, under way in the "what went well" round."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from circlewise.accounts.models import User
from circlewise.circles.models import Organisation, RoleAssignment

from . import services, services_plan
from .models import Review


def _p(local: str) -> User:
    return User.objects.get(email=f"{local}@riverbend.example")


def _term(org: Organisation, circle: str, kind: str, holder: User) -> RoleAssignment:
    return RoleAssignment.objects.current().get(
        role__circle__organisation=org, role__circle__slug=circle, role__kind=kind, holder=holder
    )


@transaction.atomic
def load(org: Organisation) -> None:
    chiara, kai, lena, dev, elif_, omar = (
        _p(n) for n in ("chiara", "kai", "lena", "dev", "elif", "omar")
    )
    _completed(org, chiara, kai, lena, dev, elif_)
    review = services.start_review(
        assignment=_term(org, "land-gardens", "facilitator", kai), actor=kai, facilitator=chiara,
        meets_on=timezone.localdate() + dt.timedelta(days=9),
    )  # fmt: skip
    for person in (lena, omar):
        services.add_reviewer(review=review, person=person, actor=kai)
    services.write_opening(
        review=review, actor=kai,
        text="I like holding the rounds, and I am learning to keep us to time. I would like to "
        "hear how the check-ins feel, and whether the agendas come early enough.",
    )  # fmt: skip
    services.move_on(review=review, actor=chiara)
    services.give_feedback(
        review=review, author=lena, round="went_well",
        text="When the round on the tool shed got heated, you slowed us down and asked each "
        "person what they needed. I felt heard, and we found the rota in ten minutes.",
    )  # fmt: skip


def _completed(
    org: Organisation, chiara: User, kai: User, lena: User, dev: User, elif_: User
) -> Review:
    review = services.start_review(
        assignment=_term(org, "land-gardens", "leader", chiara), actor=chiara, facilitator=elif_
    )
    for person in (kai, lena, dev):  # two from Land & Gardens, one from the General Circle
        services.add_reviewer(review=review, person=person, actor=chiara)
    services.write_opening(
        review=review, actor=chiara,
        text="I link the General Circle to Land & Gardens. I enjoy it, but I am not sure the "
        "circle hears enough of what General decides, and I am often late with the reports.",
    )  # fmt: skip
    services.move_on(review=review, actor=elif_)
    went_well = {
        kai: "You brought the budget question from General back to us the same week, with the "
        "numbers. We could decide the seed order in time.",
        lena: "When we disagreed about the polytunnel, you asked General for more time rather "
        "than deciding for us. That kept our domain ours.",
        dev: "In General you speak for Land & Gardens clearly and briefly; I always know what "
        "your circle needs from us.",
    }
    better = {
        kai: "Twice this year I learned what General decided from the minutes a month later. I "
        "need to hear it at our next meeting: could it be a standing agenda item?",
        lena: "The written reports come the evening before. I need a few days to read them: "
        "could they come with the agenda?",
        dev: "General often does not know Land & Gardens' open tensions until late. A short "
        "list each month would help us plan the budget.",
    }
    for person, text in went_well.items():
        services.give_feedback(review=review, author=person, round="went_well", text=text)
    for person, text in better.items():
        services.give_feedback(review=review, author=person, round="could_be_better", text=text)
    services.write_summary(
        review=review, actor=chiara,
        text="What works: bringing questions back quickly and guarding the circle's domain. "
        "What to improve: news from General arrives late, and my reports come too close to the "
        "meetings.",
    )  # fmt: skip
    services.agree_areas(
        review=review, actor=elif_,
        text="News from the General Circle reaches Land & Gardens at its next meeting.\n"
        "Reports come with the agenda.",
    )  # fmt: skip
    until = timezone.localdate() + dt.timedelta(days=180)
    services_plan.propose_plan(
        review=review, actor=elif_, text="Chiara reports from General as a standing item.",
        measures="Asked at each evaluation round.", until=until,
    )  # fmt: skip
    services_plan.answer_plan(
        review=review, person=lena, consents=False,
        reason="The reports would still come late: the plan should say when they are sent.",
    )  # fmt: skip
    services_plan.amend_plan(
        review=review, actor=elif_,
        text="Chiara reports from General as a standing item at every Land & Gardens meeting, "
        "and sends a short written report with the agenda, three days before.",
        measures="Each evaluation round asks: did we hear General's news in time? The secretary "
        "notes when the report arrived. Better: on time in five meetings of six.",
        until=until,
    )  # fmt: skip
    for person in (kai, lena, dev, chiara):
        services_plan.answer_plan(review=review, person=person, consents=True)
    return services.complete_review(review=review, actor=elif_)
