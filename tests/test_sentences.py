"""Every ledger event says what happened to what: in the feed, in the notification and in the API
it names its object and its true actor (the person who acted, or the circle, or Circlewise where
nobody did), and leads to the object itself.

The kinds of event are read from the code (every verb passed to `ledger.append` or to the
decisions' `_append`), so a new kind without a sentence, or without a case here, fails.
"""

from __future__ import annotations

import ast
import datetime as dt
import html
import pathlib
from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.template.loader import render_to_string
from django.test import TestCase
from django.urls import reverse
from django.utils import timezone

import circlewise
from circlewise.accounts import services as accounts
from circlewise.accounts.models import User
from circlewise.circles import services as circles
from circlewise.circles.models import (
    Circle,
    CircleMembership,
    Organisation,
    OrgMembership,
    Role,
    RoleAssignment,
)
from circlewise.circles.templatetags.circle_page import event_rows
from circlewise.core import feed
from circlewise.core.models import LedgerEvent
from circlewise.decisions import services as decisions
from circlewise.decisions.models import (
    BacklogItem,
    ConsentRound,
    Decision,
    Objection,
    Policy,
    Proposal,
)
from circlewise.decisions.services import helping as mandates
from circlewise.discussions import services as discussions
from circlewise.meetings import services as meetings
from circlewise.meetings import services_actions as actions
from circlewise.meetings import services_evaluations as evaluations
from circlewise.meetings import services_hands as hands
from circlewise.meetings import services_minutes as minutes
from circlewise.meetings import services_notes as room_notes
from circlewise.meetings import services_reminders as reminders
from circlewise.meetings import services_room as room
from circlewise.meetings.models import ActionItem, AgendaItem, Meeting, Minutes, Repeat, Round
from circlewise.notifications import services as notifications
from circlewise.notifications.models import Notification
from circlewise.notifications.views import _item
from circlewise.reviews import services as reviews
from circlewise.reviews import services_plan as review_plan
from circlewise.reviews import services_reminders as review_reminders
from circlewise.reviews.models import Review

from . import factories as f
from .conftest import _flushes_database, _load_world, layer_value, open_layer
from .selections.sentences import _selection, _selection_story

SOURCE = pathlib.Path(circlewise.__file__).parent
# The story is built once per test process that runs these tests: all of them in one.
pytestmark = pytest.mark.xdist_group("sentences")


def _verbs_in(node: ast.AST) -> list[str]:
    return [
        n.value for n in ast.walk(node) if isinstance(n, ast.Constant) and isinstance(n.value, str)
    ]


def ledger_verbs() -> set[str]:
    """Every kind of ledger event the code can append, read from its source."""
    found: set[str] = set()
    for path in SOURCE.rglob("*.py"):
        if "migrations" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            verb: ast.AST | None = None
            if (
                isinstance(func, ast.Attribute)
                and func.attr == "append"
                and isinstance(func.value, ast.Name)
                and func.value.id == "ledger"
            ):
                verb = next((k.value for k in node.keywords if k.arg == "verb"), None)
            elif (
                isinstance(func, ast.Name)
                and func.id in ("_append", "append")
                and len(node.args) >= 3
            ):
                verb = node.args[2]  # the decisions' _append, the selections' append
            elif isinstance(func, ast.Name) and func.id == "_to_consent" and len(node.args) >= 4:
                verb = node.args[3]  # the selections' way into a consent round
            if verb is None or (isinstance(verb, ast.Name) and verb.id == "verb"):
                continue  # _append handing its own argument on
            names = _verbs_in(verb)
            assert names, f"{path}:{node.lineno}: a verb that is not written out"
            found.update(names)
    return found


# The story --------------------------------------------------------------------------------


def _consent_all(proposal: Proposal, steerer: Any, **kwargs: Any) -> ConsentRound:
    round_ = decisions.open_consent_round(proposal=proposal, actor=steerer, **kwargs)
    for entry in round_.roster.all():
        decisions.respond(round_=round_, user=entry.user, answer="consent")
    round_.refresh_from_db()
    return round_


def _proposal(circle: Circle, author: Any, title: str, **kwargs: Any) -> Proposal:
    return decisions.create_proposal(
        circle=circle, author=author, title=title, driver=f"Why {title}.",
        text=f"What {title} does.", **kwargs,
    )  # fmt: skip


def _build_story() -> dict[str, Any]:
    """A community's year in Orchard, through the services, making every kind of event: the
    primary keys of who and what the tests look at."""
    world = _load_world()
    django_capture_on_commit_callbacks = TestCase.captureOnCommitCallbacks
    admin = world.admin
    org = world.org
    circles.update_organisation(organisation=org, actor=admin, vision="Good soil.")
    circles.set_org_admin(organisation=org, user=world.member, is_admin=True, actor=admin)
    invitation, _raw = circles.invite(organisation=org, email="new@example.org", actor=admin)
    circles.revoke_invitation(invitation=invitation, actor=admin)
    shed = f.make_circle(org, "Old shed", parent=world.general)
    circles.archive_circle(circle=shed, actor=admin)
    # An account deactivated by site staff, then reactivated.
    staff = f.make_user("Stef Staff", is_staff=True)
    away = f.join(org, name="Sol Away")
    accounts.deactivate_account(user=away, actor=staff)
    accounts.reactivate_account(user=away, actor=staff)

    orchard = f.make_circle(org, "Orchard", parent=world.general)
    fay, ari, bo, cai, dara = (
        f.join(org, name=n) for n in ("Fay Steer", "Ari Author", "Bo Objector", "Cai", "Dara")
    )
    f.add(orchard, fay, ari, bo, cai, dara)
    f.give_role(orchard, "facilitator", fay)
    circles.update_circle(circle=orchard, actor=fay, aim="Apples for everyone.")
    keeper = circles.create_role(circle=orchard, actor=fay, name="Seed keeper")
    circles.update_role(role=keeper, actor=fay, aim="Keeps the seeds.")
    term = circles.assign_role(role=keeper, holder=cai, actor=fay)
    circles.end_assignment(assignment=term, actor=fay)
    decisions.update_settings(circle=orchard, actor=fay, allow_concerns=True)

    # Budget 2027: the whole process, an objection heard and withdrawn, then decided.
    budget = _proposal(orchard, ari, "Budget 2027")
    decisions.update_draft(proposal=budget, actor=ari, driver="We need a budget.")
    decisions.present(proposal=budget, actor=ari)
    question = decisions.ask_question(proposal=budget, member=bo, text="How much?")
    decisions.answer_question(question=question, actor=ari, text="Enough.")
    decisions.advance(proposal=budget, actor=fay)
    decisions.react(proposal=budget, member=bo, text="Fine by me.")
    amendment = decisions.suggest_amendment(proposal=budget, member=cai, text="Add apples.")
    decisions.resolve_amendment(amendment=amendment, actor=fay, accept=True)
    decisions.advance(proposal=budget, actor=fay)
    decisions.revise(proposal=budget, actor=fay, change_note="Apples added.")
    with django_capture_on_commit_callbacks(execute=True):  # its notifications are delivered
        round_ = decisions.open_consent_round(proposal=budget, actor=fay)
    decisions.respond(round_=round_, user=bo, answer="objection", reason="Too little for trees.")
    for person in (fay, ari, cai, dara):
        decisions.respond(round_=round_, user=person, answer="consent")
    objection = Objection.objects.get(proposal=budget)
    decisions.discuss_objection(objection=objection, author=cai, text="What do you fear?")
    decisions.state_back(objection=objection, actor=cai, text="The trees go hungry.")
    decisions.confirm_heard(objection=objection, objector=bo)
    decisions.withdraw_objection(objection=objection, actor=bo)
    budget_policy = Policy.objects.get(current_decision__proposal=budget)

    # A policy replaced, then the replacement retired.
    replacing = _proposal(
        orchard, ari, "Budget 2028", amends=budget_policy, policy_action="replace"
    )
    decisions.present(proposal=replacing, actor=ari)
    _consent_all(replacing, fay)
    replacement = Policy.objects.get(current_decision__proposal=replacing)
    retiring = _proposal(orchard, ari, "No budget", amends=replacement, policy_action="retire")
    decisions.present(proposal=retiring, actor=ari)
    _consent_all(retiring, fay)

    # Postponed by consent.
    later = _proposal(orchard, ari, "Sauna")
    decisions.present(proposal=later, actor=ari)
    _consent_all(later, fay, subject="postpone")

    # Someone leaves the circle while a round waits for them.
    ladder = _proposal(orchard, ari, "Ladder rota")
    decisions.present(proposal=ladder, actor=ari)
    decisions.open_consent_round(proposal=ladder, actor=fay)
    circles.end_membership(circle=orchard, user=dara, actor=admin)
    # Its end moved by the facilitator, then a reminder before it and the overdue step after it.
    ends = timezone.now() + dt.timedelta(days=7)
    decisions.change_step_end(proposal=ladder, actor=fay, ends_at=ends, reason="Harvest week.")
    decisions.keep_steps_moving(now=ends - dt.timedelta(hours=1))
    decisions.keep_steps_moving(now=ends + dt.timedelta(hours=1))

    # A lazy consent closed early in a meeting, reopened by the absentee's objection.
    decisions.update_settings(circle=orchard, actor=fay, absentee_policy="lazy")
    hens = _proposal(orchard, ari, "Hens")
    decisions.present(proposal=hens, actor=ari, mode=Proposal.Mode.LIVE)
    hens_round = decisions.open_consent_round(proposal=hens, actor=fay)
    for person in (fay, ari, bo):
        decisions.respond(round_=hens_round, user=person, answer="consent")
    decisions.close_round(round_=hens_round, actor=fay, reason="The meeting ends.")
    decisions.respond(round_=hens_round, user=cai, answer="objection", reason="The noise.")

    # The backlog, a review called, and a reminder sent by Circlewise itself.
    item = decisions.add_backlog_item(circle=orchard, actor=bo, topic="Mend the gate")
    decisions.close_backlog_item(item=item, actor=bo)
    # Another topic dropped with a reason by the facilitator, and reopened by who raised it.
    fence = decisions.add_backlog_item(circle=orchard, actor=cai, topic="Paint the fence")
    decisions.drop_backlog_item(item=fence, actor=fay, reason="It weathers well.")
    decisions.reopen_backlog_item(item=fence, actor=cai)
    wall = _proposal(orchard, ari, "Stone wall")
    decisions.present(proposal=wall, actor=ari)
    decisions.update_settings(circle=orchard, actor=fay, absentee_policy="everyone")
    _consent_all(wall, fay)
    wall_policy = Policy.objects.get(current_decision__proposal=wall)
    decisions.call_early_review(policy=wall_policy, actor=bo, reason="Stones fall.")
    assert wall_policy.review_on is not None
    decisions.send_reminders(today=wall_policy.review_on)

    # A topic talked through (a reply, a mention, an edit, a comment withdrawn) and turned into a
    # proposal; a draft shared for comment, unshared, shared again, then presented.
    talk = decisions.add_backlog_item(circle=orchard, actor=cai, topic="Teen room")
    first = discussions.post_comment(actor=cai, item=talk, text="What do they want, @bo-objector?")
    discussions.post_comment(actor=bo, item=talk, text="Ask them.", reply_to=first)
    discussions.edit_comment(comment=first, actor=cai, text="What would they use it for?")
    discussions.withdraw_comment(comment=first, actor=cai)
    discussions.start_proposal(item=talk, actor=ari, title="A teen room", driver="Teens need a place.",
                               text="The loft becomes theirs.")  # fmt: skip
    shared = _proposal(orchard, ari, "Quiet hours")
    discussions.share_draft(proposal=shared, actor=ari)
    discussions.post_comment(actor=bo, proposal=shared, text="After ten, please.")
    discussions.stop_sharing(proposal=shared, actor=ari)
    discussions.share_draft(proposal=shared, actor=ari)
    decisions.present(proposal=shared, actor=ari)

    # A helping circle of Orchard runs out with a topic open, and Orchard extends its mandate.
    today = timezone.localdate()
    helpers = f.make_circle(org, "Ladder helpers", parent=orchard, kind="helping",
                            ends_on=today - dt.timedelta(days=1))  # fmt: skip
    f.add(helpers, cai)
    decisions.add_backlog_item(circle=helpers, actor=cai, topic="Check the ladders")
    mandates.end_expired_helping_circles()
    more = _proposal(orchard, ari, "More time for ladders", extends_circle=helpers,
                     extends_until=today + dt.timedelta(days=60))  # fmt: skip
    decisions.present(proposal=more, actor=ari)
    _consent_all(more, fay)
    # Orchard's meetings: a weekly meeting, its agenda from the backlog, by hand and from members'
    # proposals (one taken on, one declined), an item moved and one removed, the meeting moved,
    # the series topped up three weeks on, and one of its meetings cancelled.
    weekly = meetings.plan_meeting(circle=orchard, actor=fay, title="Orchard meets",
                                   starts_at=timezone.now() + dt.timedelta(days=2),
                                   repeat=Repeat.WEEKLY)  # fmt: skip
    stile = decisions.add_backlog_item(circle=orchard, actor=bo, topic="Mend the stile")
    from_backlog = meetings.add_agenda_item(meeting=weekly, actor=fay, backlog_item=stile)
    pruning = meetings.add_agenda_item(meeting=weekly, actor=fay, title="Pruning", minutes=20)
    press = meetings.add_agenda_item(meeting=weekly, actor=bo, title="Cider press")
    meetings.accept_agenda_item(item=press, actor=fay)
    pool = meetings.add_agenda_item(meeting=weekly, actor=cai, title="Swimming pool")
    meetings.decline_agenda_item(item=pool, actor=fay, reason="Not ours to decide.")
    meetings.move_agenda_item(item=pruning, actor=fay, up=True)
    meetings.remove_agenda_item(item=from_backlog, actor=fay)
    meetings.update_meeting(meeting=weekly, actor=fay, place="The cider barn")
    # the day before, its agenda goes to the members
    reminders.send_agendas(now=weekly.starts_at - dt.timedelta(hours=20))
    meetings.extend_series(now=timezone.now() + dt.timedelta(days=21))
    later_meeting = Meeting.objects.filter(series=weekly.series).order_by("starts_at")[1]
    meetings.cancel_meeting(meeting=later_meeting, actor=fay, reason="Harvest festival.")
    # The meeting held: opened, Bo and Cai in the room (Cai recorded by Fay), a check-in round in
    # which Bo asks to be come back to, Cai passes (recorded) and Bo writes his turn, the meeting
    # moved on to an item, a round ended early, and closed.
    room.open_room(meeting=weekly, actor=fay)
    room.join_room(meeting=weekly, user=bo)
    room.join_room(meeting=weekly, user=cai, recorded_by=fay)
    check_in = room.start_round(meeting=weekly, actor=fay, kind="check_in", first=bo)
    room.complete_turn(round_=check_in, actor=bo, come_back=True)
    room.complete_turn(round_=check_in, actor=fay, passed=True)  # Cai's, said in the room
    room.complete_turn(round_=check_in, actor=fay)
    room.complete_turn(round_=check_in, actor=bo, written="Glad to be here.")
    pruning.refresh_from_db()
    room.move_to(meeting=weekly, actor=fay, phase="items", item=pruning)
    room_notes.edit_notes(meeting=weekly, item_id=pruning.pk, actor=fay, text="Prune in March.")
    # Outside rounds Bo raises a hand and lowers it, Cai raises one and is given the floor; Fay
    # puts those who have spoken least first, and moves Cai a seat earlier.
    hands.start_discussion(meeting=weekly, actor=fay, minutes=10)
    hands.raise_hand(meeting=weekly, user=bo)
    hands.raise_hand(meeting=weekly, user=bo, up=False)
    hands.raise_hand(meeting=weekly, user=cai)
    hands.order_hands(meeting=weekly, actor=fay, least_first=True)
    hands.give_floor(meeting=weekly, actor=fay, user=cai)
    hands.move_seat(meeting=weekly, actor=fay, user=cai, earlier=True)
    clarifying = room.start_round(meeting=weekly, actor=fay, kind="clarifying")
    room.end_round(round_=clarifying, actor=fay)
    room.close_room(meeting=weekly, actor=fay)
    minutes.edit_minutes(meeting=weekly, actor=fay, text="# Orchard\n\nWe met.")
    # Its minutes sent for consent, objected to by Bo, sent again and approved by lazy consent;
    # the next meeting's approved by Fay.
    minutes.send_for_consent(meeting=weekly, actor=fay, days=3)
    minutes.object_to_minutes(meeting=weekly, user=bo, reason="Cai was there too.")
    minutes.send_for_consent(meeting=weekly, actor=fay, days=3)
    minutes.approve_by_lazy_consent(now=timezone.now() + dt.timedelta(days=4))
    following = Meeting.objects.filter(series=weekly.series, status="planned").order_by(
        "starts_at"
    )[0]
    room.open_room(meeting=following, actor=fay)
    room.close_room(meeting=following, actor=fay)
    minutes.approve_minutes(meeting=following, actor=fay)
    seeds = actions.add_action_item(circle=orchard, actor=fay, title="Order seeds", owner=cai,
                                    due_on=timezone.localdate() + dt.timedelta(days=1))  # fmt: skip
    actions.remind_action_items(today=timezone.localdate())
    actions.close_action_item(action=seeds, actor=cai)
    ladders = actions.add_action_item(circle=orchard, actor=fay, title="Check ladders", owner=bo)
    actions.close_action_item(action=ladders, actor=fay, done=False, reason="Fay did it.")
    evaluations.evaluate(
        meeting=weekly, user=bo, went_well="Short and clear.",
        ratings={"heard": 4, "on_time": 5, "clear": 4, "respected": 5, "served_aim": 4},
    )  # fmt: skip
    _review_story(orchard, fay, ari, bo, cai)
    _selection_story(orchard, fay, ari, bo, cai)
    return {
        "org": org.pk, "orchard": orchard.pk, "admin": admin.pk, "fay": fay.pk, "ari": ari.pk,
        "bo": bo.pk, "cai": cai.pk, "dara": dara.pk, "budget": budget.pk, "round": round_.pk,
        "ladder": ladder.pk,
    }  # fmt: skip


def _review_story(orchard: Circle, fay: Any, ari: Any, bo: Any, cai: Any) -> None:
    """Fay's review of her work as Orchard's facilitator, Ari facilitating: every step, an
    objection to the plan and its amendment; then a second review measuring the plan."""
    term = RoleAssignment.objects.current().get(role__circle=orchard, holder=fay)
    review = reviews.start_review(assignment=term, actor=fay, facilitator=ari)
    reviews.add_reviewer(review=review, person=bo, actor=fay)
    reviews.add_reviewer(review=review, person=cai, actor=fay)
    reviews.remove_reviewer(review=review, person=cai, actor=fay)
    reviews.write_opening(review=review, actor=fay, text="It goes well.")
    reviews.move_on(review=review, actor=ari)
    reviews.give_feedback(review=review, author=bo, round="went_well", text="Calm.")
    reviews.give_feedback(review=review, author=bo, round="could_be_better", text="Time.")
    reviews.write_summary(review=review, actor=fay, text="Time matters.")
    reviews.agree_areas(review=review, actor=fay, text="Timekeeping.")
    until = timezone.localdate() + dt.timedelta(days=90)
    review_plan.propose_plan(review=review, actor=ari, text="A timer.", until=until)
    review_plan.answer_plan(review=review, person=bo, consents=False, reason="Too loud.")
    review_plan.amend_plan(review=review, actor=ari, text="A quiet timer.", until=until)
    review_plan.answer_plan(review=review, person=bo, consents=True)
    review_plan.answer_plan(review=review, person=fay, consents=True)
    reviews.complete_review(review=review, actor=ari)
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    again = reviews.start_review(assignment=term, actor=fay, facilitator=ari, meets_on=tomorrow)
    reviews.add_reviewer(review=again, person=bo, actor=fay)
    noon = dt.datetime.combine(timezone.localdate(), dt.time(12), tzinfo=ZoneInfo(fay.timezone))
    review_reminders.remind_of_dates(now=noon)
    reviews.write_opening(review=again, actor=fay, text="Again.")
    reviews.move_on(review=again, actor=ari)
    reviews.give_feedback(review=again, author=bo, round="last_plan", text="It helped.")
    reviews.move_on(review=again, actor=ari)
    reviews.move_on(review=again, actor=ari)


def _review(event: LedgerEvent) -> tuple[str, str]:
    """A review, by its role; the sentence leads to the review (for those who may see it)."""
    review = Review.objects.select_related("role").get(pk=event.object_id)
    return review.role.name, reverse(
        "reviews:review_detail", args=[event.organisation.slug, review.pk]
    )


_STORY_MODELS = {
    "org": Organisation, "orchard": Circle, "budget": Proposal, "round": ConsentRound,
    "ladder": Proposal,
}  # fmt: skip


@pytest.fixture
def _story_layer(request: pytest.FixtureRequest, django_db_setup: None) -> None:
    if "story" in request.fixturenames and not _flushes_database(request.node):
        open_layer("story", _build_story)


@pytest.fixture
def db(_story_layer: None, db: None) -> None:
    """The test's database, over the story's layer when the test asks for the story."""


@pytest.fixture
def story(world) -> dict[str, Any]:
    """The story, built once for the tests of this module that ask for it (see `open_layer`),
    read afresh for each."""
    pks = layer_value("story") or _build_story()
    return {name: _STORY_MODELS.get(name, User).objects.get(pk=pk) for name, pk in pks.items()}


# What each kind of event is about, found from the database (not from the sentence) -------------


def _org(event: LedgerEvent) -> tuple[str, str]:
    org = event.organisation
    return org.name, reverse("circles:org_about", args=[org.slug])


def _invitation(event: LedgerEvent) -> tuple[str, str]:
    org = event.organisation
    return org.name, reverse("circles:org_members", args=[org.slug])


def _person(user_id: int, event: LedgerEvent) -> tuple[str, str]:
    membership = OrgMembership.objects.filter(user_id=user_id).select_related("user").first()
    assert membership is not None
    url = reverse("circles:person_detail", args=[event.organisation.slug, user_id])
    return membership.user.name, url


def _org_member(event: LedgerEvent) -> tuple[str, str]:
    return _person(OrgMembership.objects.get(pk=event.object_id).user_id, event)


def _circle_member(event: LedgerEvent) -> tuple[str, str]:
    return _person(CircleMembership.objects.get(pk=event.object_id).user_id, event)


def _circle(event: LedgerEvent) -> tuple[str, str]:
    circle = Circle.objects.get(pk=event.object_id)
    return circle.name, reverse(
        "circles:circle_detail", args=[circle.organisation.slug, circle.slug]
    )


def _role_url(role: Role) -> str:
    circle = role.circle
    return reverse("circles:role_detail", args=[circle.organisation.slug, circle.slug, role.pk])


def _role(event: LedgerEvent) -> tuple[str, str]:
    role = Role.objects.get(pk=event.object_id)
    return role.name, _role_url(role)


def _term(event: LedgerEvent) -> tuple[str, str]:
    role = RoleAssignment.objects.get(pk=event.object_id).role
    return role.name, _role_url(role)


def _proposal_of(event: LedgerEvent) -> tuple[str, str]:
    proposal = Proposal.objects.get(pk=event.payload["proposal"])
    title = proposal.versions.order_by("number").first().title  # titles are kept in the story
    return title, reverse("decisions:proposal_detail", args=[event.organisation.slug, proposal.pk])


def _objection(event: LedgerEvent) -> tuple[str, str]:
    objection = Objection.objects.get(pk=event.payload["objection"])
    title, _url = _proposal_of(event)
    return title, reverse(
        "decisions:objection_detail", args=[event.organisation.slug, objection.pk]
    )


def _decision(event: LedgerEvent) -> tuple[str, str]:
    decision = Decision.objects.get(pk=event.object_id)
    return decision.version.title, reverse(
        "decisions:decision_detail", args=[event.organisation.slug, decision.pk]
    )


def _policy(event: LedgerEvent) -> tuple[str, str]:
    policy = Policy.objects.get(pk=event.payload["policy"])
    return event.payload["title"], reverse(
        "decisions:policy_detail", args=[event.organisation.slug, policy.pk]
    )


def _backlog(event: LedgerEvent) -> tuple[str, str]:
    item = BacklogItem.objects.get(pk=event.object_id)
    circle = item.circle
    url = reverse("decisions:backlog", args=[circle.organisation.slug, circle.slug])
    return item.topic, f"{url}#item-{item.pk}"


def _helping_ended(event: LedgerEvent) -> tuple[str, str]:
    """The helping circle that ended; the sentence leads to its parent's backlog, where its
    open work now is."""
    helping = Circle.objects.get(pk=event.object_id)
    parent = event.circle
    assert parent is not None
    return helping.name, reverse("decisions:backlog", args=[parent.organisation.slug, parent.slug])


def _settings(event: LedgerEvent) -> tuple[str, str]:
    circle = event.circle
    assert circle is not None
    return circle.name, reverse(
        "decisions:decision_settings", args=[circle.organisation.slug, circle.slug]
    )


def _discussed(event: LedgerEvent) -> tuple[str, str]:
    """The topic or the proposal discussed; the sentence leads to the thread (to the comment)."""
    p, slug = event.payload, event.organisation.slug
    if "item" in p:
        name = BacklogItem.objects.get(pk=p["item"]).topic
        url = reverse("discussions:item_thread", args=[slug, p["item"]])
    else:
        name = Proposal.objects.get(pk=p["proposal"]).current_version.title
        url = reverse("discussions:proposal_thread", args=[slug, p["proposal"]])
    return name, f"{url}#comment-{p['comment']}" if "comment" in p else url


def _meeting(event: LedgerEvent) -> tuple[str, str]:
    """A meeting is named by its circle (and its time); the sentence leads to its page."""
    meeting = Meeting.objects.select_related("circle").get(pk=event.object_id)
    slug = event.organisation.slug
    return meeting.circle.name, reverse("meetings:meeting_detail", args=[slug, meeting.pk])


def _agenda_item(event: LedgerEvent) -> tuple[str, str]:
    """An agenda item by its topic (one taken off the agenda since: as the ledger kept it); the sentence
    leads to the meeting's agenda."""
    item = AgendaItem.objects.filter(pk=event.payload["item"]).select_related("meeting").first()
    if item is None:  # taken off since
        assert AgendaItem.objects.filter(pk=event.payload["item"]).count() == 0
        meeting, topic = Meeting.objects.get(pk=event.payload["meeting"]), event.payload["topic"]
    else:
        meeting, topic = item.meeting, item.title
    url = reverse("meetings:meeting_detail", args=[event.organisation.slug, meeting.pk])
    return topic, f"{url}#agenda"


def _in_room(event: LedgerEvent) -> tuple[str, str]:
    """What happens in a meeting's room leads to the room."""
    meeting = Meeting.objects.select_related("circle").get(pk=event.object_id)
    slug = event.organisation.slug
    return meeting.circle.name, reverse("meetings:meeting_room", args=[slug, meeting.pk])


def _round(event: LedgerEvent) -> tuple[str, str]:
    """A round (or a turn in it) is named by its meeting's circle; the sentence leads to the room."""
    round_ = Round.objects.select_related("meeting__circle").get(pk=event.payload["round"])
    meeting = round_.meeting
    return meeting.circle.name, reverse(
        "meetings:meeting_room", args=[event.organisation.slug, meeting.pk]
    )


def _minutes(event: LedgerEvent) -> tuple[str, str]:
    """Minutes, named by their meeting's circle; the sentence leads to them."""
    written = Minutes.objects.select_related("meeting__circle").get(pk=event.object_id)
    slug = event.organisation.slug
    return written.meeting.circle.name, reverse(
        "meetings:meeting_minutes", args=[slug, written.meeting_id]
    )


def _action(event: LedgerEvent) -> tuple[str, str]:
    """An action item by what is to be done; the sentence leads to it on its circle's list."""
    action = ActionItem.objects.select_related("circle").get(pk=event.object_id)
    circle = action.circle
    url = reverse("meetings:circle_actions", args=[event.organisation.slug, circle.slug])
    return action.title, f"{url}#action-{action.pk}"


def _evaluated(event: LedgerEvent) -> tuple[str, str]:
    """An evaluated meeting, by its circle; the sentence leads to the circle's trend."""
    meeting = Meeting.objects.select_related("circle").get(pk=event.object_id)
    circle = meeting.circle
    return circle.name, reverse(
        "meetings:circle_evaluations", args=[event.organisation.slug, circle.slug]
    )


def _series(event: LedgerEvent) -> tuple[str, str]:
    circle = event.circle
    assert circle is not None
    return circle.name, reverse(
        "meetings:circle_meetings", args=[circle.organisation.slug, circle.slug]
    )


OBJECT: dict[str, Callable[[LedgerEvent], tuple[str, str]]] = {
    "organisation.created": _org,
    "organisation.updated": _org,
    "organisation.member_joined": _org_member,
    "organisation.member_removed": _org_member,
    "organisation.admin_changed": _org_member,
    "account.deactivated": _org_member,
    "account.reactivated": _org_member,
    "invitation.sent": _invitation,
    "invitation.revoked": _invitation,
    "circle.created": _circle,
    "circle.updated": _circle,
    "circle.archived": _circle,
    "circle.ended": _circle,
    "circle.helping_ended": _helping_ended,
    "circle.mandate_extended": _circle,
    "circle.member_added": _circle_member,
    "circle.member_removed": _circle_member,
    "role.created": _role,
    "role.updated": _role,
    "role.assigned": _term,
    "role.ended": _term,
    "decisions.settings_changed": _settings,
    "proposal.drafted": _proposal_of,
    "proposal.draft_updated": _proposal_of,
    "proposal.presented": _proposal_of,
    "proposal.question_asked": _proposal_of,
    "proposal.question_answered": _proposal_of,
    "proposal.reacted": _proposal_of,
    "proposal.amendment_suggested": _proposal_of,
    "proposal.amendment_resolved": _proposal_of,
    "proposal.step_changed": _proposal_of,
    "proposal.revised": _proposal_of,
    "proposal.step_end_changed": _proposal_of,
    "proposal.step_reminder": _proposal_of,
    "proposal.step_overdue": _proposal_of,
    "consent.round_opened": _proposal_of,
    "consent.answered": _proposal_of,
    "consent.round_closed": _proposal_of,
    "consent.roster_member_left": _proposal_of,
    "proposal.decided": _decision,
    "proposal.exited": _proposal_of,
    "proposal.reopened": _proposal_of,
    "objection.discussed": _objection,
    "objection.stated_back": _objection,
    "objection.confirmed": _objection,
    "objection.withdrawn": _objection,
    "policy.superseded": _policy,
    "policy.retired": _policy,
    "policy.review_called": _policy,
    "backlog.item_added": _backlog,
    "backlog.item_closed": _backlog,
    "backlog.item_reopened": _backlog,
    "backlog.reminder": _backlog,
    "discussion.commented": _discussed,
    "discussion.comment_edited": _discussed,
    "discussion.comment_withdrawn": _discussed,
    "discussion.draft_shared": _discussed,
    "discussion.draft_unshared": _discussed,
    "discussion.proposal_started": _discussed,
    "meeting.planned": _meeting,
    "meeting.agenda_sent": _meeting,
    "meeting.updated": _meeting,
    "meeting.cancelled": _meeting,
    "meeting.series_extended": _series,
    "agenda.item_added": _agenda_item,
    "agenda.item_proposed": _agenda_item,
    "agenda.item_accepted": _agenda_item,
    "agenda.item_declined": _agenda_item,
    "agenda.item_removed": _agenda_item,
    "agenda.item_moved": _agenda_item,
    "meeting.opened": _in_room,
    "meeting.joined": _in_room,
    "meeting.moved_on": _in_room,
    "meeting.closed": _meeting,
    "agenda.notes_edited": _in_room,
    "hand.raised": _in_room,
    "hand.lowered": _in_room,
    "hand.called": _in_room,
    "hand.queue_ordered": _in_room,
    "meeting.seats_changed": _in_room,
    "discussion.started": _in_room,
    "round.started": _round,
    "round.turn_taken": _round,
    "round.ended": _round,
    "meeting.evaluated": _evaluated,
    "minutes.edited": _minutes,
    "minutes.approved": _minutes,
    "minutes.sent_for_consent": _minutes,
    "minutes.objected": _minutes,
    "action.added": _action,
    "action.done": _action,
    "action.dropped": _action,
    "action.reminder": _action,
    "review.started": _review,
    "review.reviewer_added": _review,
    "review.reviewer_removed": _review,
    "review.opening_written": _review,
    "review.moved_on": _review,
    "review.feedback_given": _review,
    "review.summary_written": _review,
    "review.areas_agreed": _review,
    "review.plan_proposed": _review,
    "review.plan_amended": _review,
    "review.plan_answered": _review,
    "review.plan_consented": _review,
    "review.completed": _review,
    "review.date_reminder": _review,
    "selection.started": _selection,
    "selection.prepared": _selection,
    "selection.qualification_added": _selection,
    "selection.preparation_answered": _selection,
    "selection.nominations_opened": _selection,
    "selection.nominated": _selection,
    "selection.revealed": _selection,
    "selection.changed": _selection,
    "selection.change_round_closed": _selection,
    "selection.handed_over": _selection,
    "selection.step_end_set": _selection,
    "selection.proposed": _selection,
    "selection.renewal_proposed": _selection,
    "selection.integrated": _selection,
    "selection.answered": _selection,
    "selection.objection_withdrawn": _selection,
    "selection.completed": _selection,
    "selection.cancelled": _selection,
    "selection.step_reminder": _selection,
    "selection.step_overdue": _selection,
}


def _true_actor(event: LedgerEvent) -> str:
    """The person who acted; where nobody did, the circle it happened in, or Circlewise."""
    if event.actor is not None:
        return f"<bdi>{html.escape(event.actor.name)}</bdi>"
    if event.circle is not None:
        return f"<bdi>{html.escape(event.circle.name)}</bdi>"
    return "Circlewise"


def _named(name: str) -> str:
    return f"<bdi>{html.escape(name)}</bdi>"


def test_every_kind_of_event_in_the_code_has_a_sentence_and_a_case_here():
    verbs = ledger_verbs()
    assert len(verbs) > 40  # the reading of the source found them
    assert verbs - set(feed.DESCRIBERS) == set(), "kinds of event without a sentence"
    assert verbs - set(OBJECT) == set(), "kinds of event this test does not build"


def test_every_event_names_its_object_and_true_actor_and_leads_to_the_object(story, client):
    # given a year of Orchard's events, each kind at least once, and its admin reading them
    org, admin = story["org"], story["admin"]
    events = list(
        LedgerEvent.objects.filter(organisation=org)
        .select_related("actor", "circle__organisation", "organisation")
        .order_by("sequence")
    )
    hidden = {c.pk for c in Circle.objects.filter(visibility="private")}
    assert ledger_verbs() <= {e.verb for e in events}, "the story makes every kind of event"
    client.force_login(admin)
    for event in events:
        name, url = OBJECT[event.verb](event)
        # when its sentence is written
        said = feed.sentence(event)
        where = f"{event.verb} (#{event.sequence}): {said.html}"
        # then it names what happened to what, who did it, and leads there
        assert _named(name) in said.html, where
        assert _true_actor(event) in said.html, where
        assert said.url == url, where
        assert "<" not in said.text and html.unescape(_named(name)[5:-6]) in said.text, where
        if event.verb in feed.HIDDEN_VERBS or event.circle_id in hidden:
            continue
        # and the feed shows it as a link to the object
        row = event_rows([event], org.slug)
        assert said.html in row and f'href="{url}"' in row, where
        # and so does its notification: it says the same, and opening it leads to the object
        notifications.deliver(event_id=event.pk, recipient_ids=[admin.pk])
        notification = Notification.objects.get(recipient=admin, event=event)
        item = _item(admin, notification)
        assert item.text == said.html and item.target == url, where
        page = render_to_string("notifications/notification_list.html#item", {"item": item})
        assert said.html in page, where
        opened = client.post(reverse("notifications:mark_read", args=[notification.pk]))
        assert opened.status_code == 302 and opened["Location"] == url, where


def test_a_decision_by_the_last_answer_is_the_circles_not_the_last_answerers(story):
    # given Budget 2027, decided when Bo withdrew his objection, after Dara answered last
    budget, bo, dara = story["budget"], story["bo"], story["dara"]
    decided = LedgerEvent.objects.get(verb="proposal.decided", payload__proposal=budget.pk)
    closed = LedgerEvent.objects.get(verb="consent.round_closed", payload__round=story["round"].pk)
    # then neither the round's closing nor the decision is credited to a person
    for event in (closed, decided):
        said = feed.sentence(event)
        assert event.actor is None
        assert dara.name not in said.html and bo.name not in said.html
        assert "<bdi>Orchard</bdi>" in said.html and "<bdi>Budget 2027</bdi>" in said.html
    assert feed.sentence(closed).text == (
        "The consent round on “Budget 2027” closed in Orchard: objections to work through."
    )
    assert feed.sentence(decided).text == "Orchard decided “Budget 2027” by consent."


def test_someone_who_left_is_named_in_the_round_they_are_no_longer_asked_in(story):
    # given Dara, who left Orchard while the round on "Ladder rota" waited for her
    left = LedgerEvent.objects.get(verb="consent.roster_member_left")
    said = feed.sentence(left)
    # then the sentence names her, the round's proposal and the circle
    assert said.text == (
        "Orchard no longer waits for Dara in the consent round on “Ladder rota”: "
        "they left the circle."
    )
    ladder = story["ladder"]
    assert said.url == reverse("decisions:proposal_detail", args=["willow", ladder.pk])


def test_someone_who_left_and_is_not_known_any_more_is_still_a_sentence(story):
    # given the same event, told without the person's name (as an older event is)
    left = LedgerEvent.objects.get(verb="consent.roster_member_left")
    left.payload = {k: v for k, v in left.payload.items() if k != "user_name"}
    # then it still says who and what, in words
    assert feed.sentence(left).text == (
        "Orchard no longer waits for a member who left the circle in the consent round on "
        "“Ladder rota”."
    )


def test_a_consent_round_notification_names_the_proposal_and_leads_to_it(story, client):
    # given Bo's notification that the round on Budget 2027 opened
    bo, budget = story["bo"], story["budget"]
    opened = LedgerEvent.objects.filter(verb="consent.round_opened", payload__proposal=budget.pk)
    notification = Notification.objects.get(recipient=bo, event=opened.first())
    client.force_login(bo)
    # when he reads his notifications
    page = client.get(reverse("notifications:list")).content.decode()
    # then it says who opened which round, and opening it leads to the proposal, not the circle
    assert (
        "<bdi>Fay Steer</bdi> opened the consent round on “<bdi>Budget 2027</bdi>” in "
        "<bdi>Orchard</bdi>." in page
    )
    answer = client.post(reverse("notifications:mark_read", args=[notification.pk]))
    assert answer["Location"] == reverse("decisions:proposal_detail", args=["willow", budget.pk])


def test_the_api_feed_gives_plain_sentences_with_the_objects_address(story, client):
    # given the admin reading Orchard's feed through the API
    client.force_login(story["admin"])
    orchard = story["orchard"]
    body = client.get(f"/api/v1/circles/{orchard.pk}/feed").json()
    # then every sentence is plain text, with the address of what it is about
    assert body["items"]
    for item in body["items"]:
        assert "<" not in item["sentence"] and item["url"].startswith("/o/willow/")


def test_names_in_sentences_are_escaped_and_isolated(world):
    # given a circle whose name is markup with a right-to-left override
    name = "<b>Evil</b>\u202e"
    circle = f.make_circle(world.org, name, parent=world.general)
    event = LedgerEvent.objects.get(verb="circle.created", object_id=circle.pk)
    # then the sentence shows it as text, isolated
    said = feed.sentence(event)
    assert "<b>" not in said.html
    assert "<bdi>&lt;b&gt;Evil&lt;/b&gt;\u202e</bdi>" in said.html
