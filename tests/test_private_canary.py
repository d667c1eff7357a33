"""Nothing written in a private circle reaches anyone outside it, on any route.

Every text field of the private circle Care (and of a private helping circle beside it) holds a
canary: a word found nowhere else. The whole site is then crawled as every persona outside Care
(the organisation admin, who is not in Care, among them): every page with GET, again as an htmx
request, and with each other method it accepts; every API operation with the smallest body its
schema accepts. No answer, whatever its status, may contain a canary.

The crawl reuses the permission matrix's objects (tests/test_permission_matrix.py), and adds the
places where a private circle is most often named by accident: the person who is in it (their
page, their removal from the organisation), the parent circle (its page, its archive page, its
facilitator), a circle that a member of Care raises a topic with, proposals whose facilitator may
hand them to a helping circle, and the notifications of someone who has left Care. And a role
review in the open circle Garden, confidential to those taking part (Cy, Cara and a reviewer from
Care), with a canary in everything written in it: Garden's facilitator and the admin are outside.
And a selection in Care with a canary in everything written in it, and one in Garden whose only
nomination, Cy's, is a canary until the nominations are revealed (tests/selections/canary.py).
"""

from __future__ import annotations

import logging
import re
from typing import Any

from django.apps import apps
from django.db import models

from circlewise.accounts.models import User
from circlewise.circles import services as circle_services
from circlewise.circles.models import Circle, Role
from circlewise.core.models import LedgerEvent
from circlewise.decisions import services as consent
from circlewise.decisions.models import Objection, Policy
from circlewise.notifications.models import Notification

from . import factories as f
from . import permission_table as table
from .selections.canary import plant_selections
from .test_permission_matrix import (
    PERSONAS,
    Target,
    _bodies,
    _clients,
    _request,
    _url,
    build_targets,
)

# Canaries: "Cqxcanary" and a name for the field it was put in. Searched without regard to
# case, so that a slug or an upper-cased heading is caught too.
PREFIX = "Cqxcanary"
FOUND = re.compile(PREFIX + r"\w*", re.IGNORECASE)
# The only persona in Care (and in its private helping circle); everyone else is outside.
INSIDE = {"circle_member"}


class Canaries:
    def __init__(self) -> None:
        self.planted: dict[str, str] = {}

    def __call__(self, where: str) -> str:
        word = PREFIX + "".join(part.capitalize() for part in where.split())
        assert word not in self.planted.values(), where
        self.planted[where] = word
        return word


def plant(world: Any, canary: Canaries) -> dict[str, Any]:
    """Put a canary in every text field of Care, through the services; returns what was made."""
    cy, mo = world.circle_member, world.member
    care = Circle.objects.get(pk=world.care.pk)
    helper = User.objects.get(email="cara@example.org")  # Care's facilitator (the matrix's)
    # The circle and its roles
    circle_services.update_circle(
        circle=care,
        actor=cy,
        name=canary("circle name"),
        aim=canary("circle aim"),
        domain=canary("circle domain"),
        mandate=canary("circle mandate"),
    )
    role = circle_services.create_role(
        circle=care,
        actor=cy,
        name=canary("role name"),
        aim=canary("role aim"),
        domain=canary("role domain"),
        responsibilities=canary("role responsibilities"),
    )
    circle_services.assign_role(role=role, holder=cy, actor=cy)
    circle_services.update_role(
        role=care.roles.get(kind=Role.Kind.SECRETARY),
        actor=cy,
        aim=canary("secretary aim"),
        domain=canary("secretary domain"),
        responsibilities=canary("secretary responsibilities"),
    )
    # Its backlog, and a topic its member raises with the parent circle (raised from Care)
    consent.add_backlog_item(
        circle=care,
        actor=cy,
        topic=canary("backlog topic"),
        description=canary("backlog details"),
    )
    consent.add_backlog_item(circle=world.general, actor=cy, topic="A question for General")
    # A draft, and a proposal taken from presenting through an objection to a policy. Mo is in
    # Care while it runs (and is notified of it), then leaves.
    f.add(care, mo)
    draft = consent.create_proposal(
        circle=care, author=cy, title=canary("draft title"), driver="A need.", text="Do it."
    )
    plant_discussions(world, canary, care, draft, helper)
    meeting, cancelled = plant_meetings(world, canary, care)
    proposal = consent.create_proposal(
        circle=care,
        author=cy,
        title=canary("proposal title"),
        driver=canary("proposal driver"),
        text=canary("proposal text"),
        aim=canary("proposal aim"),
        measures=canary("proposal measures"),
        feedback_channel=canary("proposal feedback channel"),
    )
    consent.present(proposal=proposal, actor=cy)
    question = consent.ask_question(proposal=proposal, member=helper, text=canary("question"))
    consent.answer_question(question=question, actor=cy, text=canary("answer"))
    consent.advance(proposal=proposal, actor=helper)
    consent.react(proposal=proposal, member=helper, text=canary("reaction"))
    amendment = consent.suggest_amendment(
        proposal=proposal, member=helper, text=canary("amendment")
    )
    consent.resolve_amendment(amendment=amendment, actor=helper, accept=True)
    first = consent.open_consent_round(proposal=proposal, actor=helper)
    consent.respond(round_=first, user=cy, answer="objection", reason=canary("objection reason"))
    for user in (helper, mo):
        consent.respond(round_=first, user=user, answer="consent")
    objection = Objection.objects.get(proposal=proposal)
    consent.discuss_objection(objection=objection, author=helper, text=canary("objection message"))
    consent.state_back(objection=objection, actor=helper, text=canary("objection stated back"))
    consent.confirm_heard(objection=objection, objector=cy)
    consent.revise(
        proposal=proposal,
        actor=helper,
        change_note=canary("change note"),
        measures_to_add=[(canary("measure metric"), canary("measure threshold"), cy)],
        integrations={objection.pk: canary("integration")},
        text=canary("revised text"),
    )
    second = consent.open_consent_round(proposal=proposal, actor=helper)
    for user in (cy, helper, mo):
        consent.respond(round_=second, user=user, answer="consent")
    policy = Policy.objects.get(current_decision__proposal=proposal)
    consent.call_early_review(policy=policy, actor=cy, reason=canary("early review reason"))
    consent.withdraw_consent(policy=policy, actor=helper, reason=canary("consent withdrawn"))
    # An open circle inside Care: Mo links it to Care as its leader (and then leaves Care), Fay
    # facilitates it and steers a proposal that could be escalated to Care
    nook = circle_services.create_circle(
        organisation=world.org, actor=cy, name="Nook", aim="Nook's own work.", parent=care
    )
    f.give_role(nook, "leader", mo)
    f.give_role(nook, "facilitator", world.facilitator)
    nook_proposal = consent.create_proposal(
        circle=nook, author=world.facilitator, title="Nook's plan", driver="A need.", text="Do."
    )
    consent.present(proposal=nook_proposal, actor=world.facilitator)
    consent.advance(proposal=nook_proposal, actor=world.facilitator)
    circle_services.end_membership(circle=care, user=mo, actor=mo)
    # A private helping circle beside Care, with Cy in it: the hand-over list of every proposal
    # must not offer it to anyone else
    helping = f.make_circle(
        world.org,
        canary("helping circle name"),
        parent=world.general,
        kind=Circle.Kind.HELPING,
        visibility=Circle.Visibility.PRIVATE,
    )
    f.add(helping, cy)
    if helping.memberships.current().filter(user=world.admin).exists():  # its first member
        circle_services.end_membership(circle=helping, user=world.admin, actor=world.admin)
    circle_services.update_circle(
        circle=helping,
        actor=cy,
        aim=canary("helping circle aim"),
        domain=canary("helping circle domain"),
        mandate=canary("helping circle mandate"),
    )
    review = plant_review(world, canary, helper)
    selections = plant_selections(world, canary, care, role, helper)
    care.refresh_from_db()
    return {
        "selections": selections,
        "review": review,
        "meeting": meeting,
        "cancelled_meeting": cancelled,
        "care": care,
        "helping": helping,
        "proposal": proposal,
        "nook": nook,
        "nook_proposal": nook_proposal,
    }


def more_targets(world: Any, made: dict[str, Any], targets: dict[str, list[Target]]) -> None:
    """The parent circle (with a facilitator outside Care), the circle inside Care and its
    proposal, and the person in Care."""
    general = world.general
    f.give_role(general, "facilitator", world.facilitator)
    org = {"org": world.org.slug, "slug": world.org.slug, "organisation_id": world.org.pk}
    ids = {**org, "circle": general.slug, "circle_id": general.pk}
    targets["circle"].append(Target("general", ids, org="willow", circle="general"))
    nook = made["nook"]
    targets["circle"].append(
        Target("nook", {**org, "circle": nook.slug, "circle_id": nook.pk}, org="willow")
    )
    targets["proposal"].append(
        Target("nook: reacting", {**org, "proposal_id": made["nook_proposal"].pk}, org="willow")
    )
    fay = world.facilitator
    targets["circle_member"].append(
        Target(
            "general: member",
            {**ids, "user_id": fay.pk, "id": fay.pk},
            org="willow",
            circle="general",
        )
    )
    cy = world.circle_member
    targets["person"].append(Target("willow: Cy", {**ids, "user_id": cy.pk}, org="willow"))
    # The search through approved minutes, for what every canary holds (without its first
    # letter, so that the page repeating the query is no leak; a hit would name Care's meeting)
    targets["org"].append(Target("willow: searched", org, org="willow", query=f"?q={PREFIX[1:]}"))
    review = made["review"]
    targets["review"].append(
        Target("garden: Cy's review", {**org, "review_id": review.pk, "person_id": cy.pk},
               org="willow", circle="garden")
    )  # fmt: skip
    targets["person"].append(
        Target("willow: Rae", {**ids, "user_id": review.reviewers.get().person_id}, org="willow")
    )
    for selection in made["selections"]:
        circle = "care" if selection.circle_id == made["care"].pk else "garden"
        targets["selection"].append(
            Target(f"{circle}: selection {selection.pk}", {**org, "selection_id": selection.pk},
                   org="willow", circle=circle)
        )  # fmt: skip
    care = {**org, "circle": made["care"].slug, "circle_id": made["care"].pk}
    for name in ("meeting", "cancelled_meeting"):
        meeting = made[name]
        targets["meeting"].append(
            Target(f"care: {name}", {**care, "meeting_id": meeting.pk}, org="willow", circle="care")
        )
        for item in meeting.agenda.all():
            targets["agenda_item"].append(
                Target(f"care: item {item.pk}", {**care, "item_id": item.pk}, org="willow",
                       circle="care")
            )  # fmt: skip


def plant_review(world: Any, canary: Canaries, helper: Any) -> Any:
    """A role review in the OPEN circle Garden, of Cy's work as its seed steward: Cara
    facilitates, Rae (in Care) reviews. Everything written in it holds a canary, so no one
    outside the review (Garden's facilitator and the admin among them) may read any of it."""
    from datetime import timedelta

    from django.utils import timezone

    from circlewise.reviews import services as reviews
    from circlewise.reviews import services_plan as plan

    cy = world.circle_member
    rae = f.join(world.org, f.make_user("Rae Reviewer", email="rae@example.org"))
    f.add(world.care, rae)
    role = circle_services.create_role(circle=world.garden, actor=world.admin, name="Seed steward")
    term = circle_services.assign_role(role=role, holder=cy, actor=world.admin)
    review = reviews.start_review(assignment=term, actor=cy, facilitator=helper)
    reviews.add_reviewer(review=review, person=rae, actor=cy)
    reviews.write_opening(review=review, actor=cy, text=canary("review opening"))
    reviews.move_on(review=review, actor=helper)
    reviews.give_feedback(
        review=review, author=rae, round="went_well", text=canary("review went well")
    )
    reviews.give_feedback(
        review=review, author=rae, round="could_be_better", text=canary("review could be better")
    )
    reviews.write_summary(review=review, actor=cy, text=canary("review summary"))
    reviews.agree_areas(review=review, actor=helper, text=canary("review areas"))
    plan.propose_plan(
        review=review, actor=helper, text=canary("review plan"),
        measures=canary("review plan measures"), until=timezone.localdate() + timedelta(days=60),
    )  # fmt: skip
    plan.answer_plan(
        review=review, person=rae, consents=False, reason=canary("review plan objection")
    )
    return review


def _text(response: Any) -> str:
    if response.streaming:
        return b"".join(response.streaming_content).decode("utf-8", "replace")
    return response.content.decode("utf-8", "replace")


def test_no_text_of_a_private_circle_reaches_anyone_outside_it(
    world, django_capture_on_commit_callbacks
):
    logger = logging.getLogger("django.request")
    logger.disabled = True
    try:
        _crawl(world, django_capture_on_commit_callbacks)
    finally:
        logger.disabled = False


def _crawl(world: Any, on_commit: Any) -> None:
    # given the matrix's objects, a canary in every text field of Care and of a private helping
    # circle, and notifications of Care's events for someone who has since left it
    Circle.objects.filter(pk=world.care.pk).update(slug="cqxcanary-slug")
    world.care.refresh_from_db()
    targets = build_targets(world)
    canary = Canaries()
    with on_commit(execute=True):  # notifications are delivered after commit
        made = plant(world, canary)
    more_targets(world, made, targets)
    assert Notification.objects.filter(
        recipient=world.member, event__circle=made["care"]
    ).exists(), "Mo was told of Care's events while in it"
    # (an organisation admin and a member who were never in Care, told of them anyway)
    for persona in ("admin", "facilitator"):
        for event in LedgerEvent.objects.filter(circle=made["care"]).order_by("-sequence")[:5]:
            Notification.objects.get_or_create(recipient=getattr(world, persona), event=event)
    _every_text_field_holds_a_canary(made)
    clients = _clients(world)
    found = {route.key: route for route in table.found_routes()}
    bodies = _bodies()
    outside = [p for p in PERSONAS if p not in INSIDE]
    leaks: list[str] = []
    requests = 0
    # when every route is requested for every object by every persona outside Care
    for route in table.ROUTES:
        if route.key not in found:
            continue
        methods = (
            route.methods if route.is_api else ("GET", *(m for m in route.methods if m != "GET"))
        )
        for target in targets[route.target]:
            if route.is_api and target.pages_only:
                continue
            url = _url(route, found[route.key], target)
            for method in methods:
                for persona in outside:
                    variants: list[dict[str, Any]] = [{}]
                    if route.is_api:
                        body = bodies.get(route.key)
                        if body is not None or method != "GET":
                            body = {**(body or {}), **target.body}
                        variants = [{"body": body}]
                    elif method == "GET":
                        variants.append({"htmx": True})
                    for how in variants:
                        response = _request(clients[persona], method, url, **how)
                        requests += 1
                        words = sorted(set(FOUND.findall(_text(response))))
                        if words:
                            htmx = " (htmx)" if how.get("htmx") else ""
                            leaks.append(
                                f"{method} {url}{htmx} as {persona} ({response.status_code}):"
                                f" {', '.join(words)}"
                            )
    # then no answer holds any canary
    assert requests > 5000
    assert not leaks, f"{len(leaks)} answers name what is private to Care:\n" + "\n".join(leaks)


# Every text field of Care's rows ---------------------------------------------------------------

# The apps whose rows belong to a circle.
APPS = ("circles", "decisions", "discussions", "meetings", "reviews", "selections")
# Fields that hold no one's words: hashes, names the software gives, rules and zones chosen from
# a list.
NOT_WRITTEN = {
    ("circles", "role", "name"),
    ("circles", "circle", "ledger_head"),
    ("decisions", "decision", "ledger_hash"),
    ("meetings", "series", "rule"),
    ("meetings", "series", "time_zone"),
    ("meetings", "meeting", "time_zone"),
}


def _paths_to_circle(model: type[models.Model], depth: int = 3) -> list[str]:
    """Lookups from a model to the circle its rows belong to ("proposal__circle")."""
    if model is Circle:
        return ["pk"]
    paths = []
    for field in model._meta.get_fields():
        if not isinstance(field, models.ForeignKey) or field.name in ("raised_from", "handed_to"):
            continue
        target = field.related_model
        if target is Circle:
            paths.append(field.name)
        elif depth > 1 and target._meta.app_label in APPS:
            paths += [f"{field.name}__{p}" for p in _paths_to_circle(target, depth - 1)]
    return paths


def _every_text_field_holds_a_canary(made: dict[str, Any]) -> None:
    """Each text field that any row of Care (or of the helping circle) fills holds a canary in
    at least one of those rows: a new field gets a canary here or this fails."""
    missing = []
    circles = [made["care"].pk, made["helping"].pk]
    for app in APPS:
        for model in apps.get_app_config(app).get_models():
            paths = _paths_to_circle(model)
            if not paths:
                continue
            texts = [
                fld.name
                for fld in model._meta.get_fields()
                if isinstance(fld, (models.CharField, models.TextField))
                and not fld.choices
                and not isinstance(fld, models.SlugField)
                and (app, model._meta.model_name, fld.name) not in NOT_WRITTEN
            ]
            for name in texts:
                for path in paths:
                    rows = model._default_manager.filter(**{f"{path}__in": circles})
                    values = [v for v in rows.values_list(name, flat=True) if v]
                    if values and not any(FOUND.search(v) for v in values):
                        missing.append(f"{model.__name__}.{name} (through {path})")
    assert not missing, "text fields of Care without a canary: " + ", ".join(missing)


def plant_meetings(world: Any, canary: Canaries, care: Circle) -> tuple[Any, Any]:
    """Care's meetings, planned by Cy (its secretary): a weekly meeting, its agenda (an item from
    the backlog, one by hand, one Mo proposed and Cy declined), and one of them cancelled."""
    import datetime as dt

    from django.utils import timezone

    from circlewise.decisions.models import BacklogItem
    from circlewise.meetings import services as meetings

    cy, mo = world.circle_member, world.member
    meeting = meetings.plan_meeting(
        circle=care,
        actor=cy,
        starts_at=timezone.now() + dt.timedelta(days=2),
        title=canary("meeting title"),
        place=canary("meeting place"),
        video_url=f"https://{canary('video link')}.example/room",
        repeat="weekly",
    )
    meetings.add_agenda_item(
        meeting=meeting,
        actor=cy,
        backlog_item=BacklogItem.objects.filter(circle=care, topic__startswith=PREFIX).first(),
    )
    meetings.add_agenda_item(
        meeting=meeting, actor=cy, title=canary("agenda topic"), details=canary("agenda details")
    )
    proposed = meetings.add_agenda_item(meeting=meeting, actor=mo, title=canary("proposed topic"))
    meetings.decline_agenda_item(item=proposed, actor=cy, reason=canary("decline reason"))
    later = meeting.series.meetings.exclude(pk=meeting.pk).order_by("starts_at").first()
    meetings.cancel_meeting(meeting=later, actor=cy, reason=canary("cancel reason"))
    # The meeting held in its room: a round with a prompt, and a turn given in writing
    from circlewise.meetings import services_room as room

    room.open_room(meeting=meeting, actor=cy)
    round_ = room.start_round(meeting=meeting, actor=cy, kind="check_in", prompt=canary("prompt"))
    room.complete_turn(round_=round_, actor=cy, written=canary("written turn"))
    room.close_room(meeting=meeting, actor=cy)
    # Its minutes written up, sent for consent, objected to (Mo is in Care for now), sent again
    # and approved: the circle's record, which the search must not show outside Care.
    from circlewise.meetings import services_minutes as minutes

    minutes.edit_minutes(meeting=meeting, actor=cy, text=canary("minutes text"))
    minutes.send_for_consent(meeting=meeting, actor=cy, days=3)
    minutes.object_to_minutes(meeting=meeting, user=mo, reason=canary("minutes objection"))
    minutes.send_for_consent(meeting=meeting, actor=cy, days=3)
    minutes.approve_minutes(meeting=meeting, actor=cy)
    from circlewise.meetings import services_evaluations as evaluations

    evaluations.evaluate(
        meeting=meeting,
        user=cy,
        ratings={"heard": 5, "on_time": 4, "clear": 3, "respected": 5, "served_aim": 4},
        went_well=canary("went well"),
        could_improve=canary("could improve"),
    )
    from circlewise.meetings import services_actions as actions

    action = actions.add_action_item(
        circle=care, actor=cy, title=canary("action item"), owner=cy, meeting=None
    )
    actions.close_action_item(action=action, actor=cy, done=False, reason="Done elsewhere.")
    return meeting, later


def plant_discussions(world: Any, canary: Canaries, care: Circle, draft: Any, helper: Any) -> None:
    """Care's discussions: a topic's thread with a comment that mentions Mo (in Care for now), a
    reply, an edited comment (its earlier text kept), and the draft shared for comment."""
    from circlewise.decisions.models import BacklogItem
    from circlewise.discussions import services as discussions
    from circlewise.discussions.models import handle_of

    cy, mo = world.circle_member, world.member
    item = BacklogItem.objects.filter(circle=care).first()
    mention = f"@{handle_of(mo.name, mo.pk)}"
    first = discussions.post_comment(
        actor=cy, item=item, text=f"{canary('comment before its edit')} {mention}"
    )
    discussions.edit_comment(comment=first, actor=cy, text=canary("comment"))
    discussions.post_comment(actor=helper, item=item, text=canary("reply"), reply_to=first)
    discussions.share_draft(proposal=draft, actor=cy)
    discussions.post_comment(actor=helper, proposal=draft, text=canary("comment on a draft"))
