"""Pages of the consent process, the policy register and the backlog.

One views module per stage of the process, with the same names as decisions/services and
decisions/api: proposals (and versions), rounds, objections, policies (and decision records),
backlog, circle_settings, and needs_me across circles. Every view authorises
through decisions.permissions and acts through decisions.services."""

from django.urls import path

from .views import backlog, circle_settings, needs_me, objections, policies, proposals, rounds

app_name = "decisions"

org = "o/<slug:org>/"
circle = org + "c/<slug:circle>/"
proposal = org + "proposals/<int:proposal_id>/"

urlpatterns = [
    # What needs me, across my circles
    path(org + "needs-me/", needs_me.needs_me, name="needs_me"),
    path(org + "needs-me/count/", needs_me.needs_me_count, name="needs_me_count"),
    # A circle's proposals, backlog and settings
    path(circle + "proposals/", proposals.circle_proposals, name="circle_proposals"),
    path(circle + "proposals/new/", proposals.proposal_create, name="proposal_create"),
    path(circle + "backlog/", backlog.backlog, name="backlog"),
    path(circle + "backlog/add/", backlog.backlog_add, name="backlog_add"),
    path(org + "backlog/<int:item_id>/close/", backlog.backlog_close, name="backlog_close"),
    path(org + "backlog/<int:item_id>/drop/", backlog.backlog_drop, name="backlog_drop"),
    path(org + "backlog/<int:item_id>/reopen/", backlog.backlog_reopen, name="backlog_reopen"),
    path(
        circle + "decision-settings/", circle_settings.decision_settings, name="decision_settings"
    ),
    # One proposal
    path(proposal, proposals.proposal_detail, name="proposal_detail"),
    path(proposal + "versions/", proposals.proposal_versions, name="proposal_versions"),
    path(proposal + "edit/", proposals.proposal_edit, name="proposal_edit"),
    path(proposal + "present/", proposals.proposal_present, name="proposal_present"),
    path(proposal + "questions/", proposals.question_ask, name="question_ask"),
    path(
        proposal + "questions/<int:question_id>/answer/",
        proposals.question_answer,
        name="question_answer",
    ),
    path(proposal + "reactions/", proposals.reaction_add, name="reaction_add"),
    path(proposal + "amendments/", proposals.amendment_suggest, name="amendment_suggest"),
    path(
        proposal + "amendments/<int:amendment_id>/resolve/",
        proposals.amendment_resolve,
        name="amendment_resolve",
    ),
    path(proposal + "advance/", proposals.proposal_advance, name="proposal_advance"),
    path(proposal + "revise/", proposals.proposal_revise, name="proposal_revise"),
    path(proposal + "step-end/", proposals.step_end_change, name="step_end_change"),
    path(proposal + "rounds/open/", rounds.round_open, name="round_open"),
    path(org + "rounds/<int:round_id>/answer/", rounds.round_answer, name="round_answer"),
    path(org + "rounds/<int:round_id>/close/", rounds.round_close, name="round_close"),
    # Objection handling
    path(
        org + "objections/<int:objection_id>/", objections.objection_detail, name="objection_detail"
    ),
    path(
        org + "objections/<int:objection_id>/discuss/",
        objections.objection_discuss,
        name="objection_discuss",
    ),
    path(
        org + "objections/<int:objection_id>/state-back/",
        objections.objection_state_back,
        name="objection_state_back",
    ),
    path(
        org + "objections/<int:objection_id>/confirm/",
        objections.objection_confirm,
        name="objection_confirm",
    ),
    path(
        org + "objections/<int:objection_id>/withdraw/",
        objections.objection_withdraw,
        name="objection_withdraw",
    ),
    # Decisions and the policy register
    path(org + "decisions/<int:decision_id>/", policies.decision_detail, name="decision_detail"),
    path(org + "policies/", policies.policy_register, name="policy_register"),
    path(org + "policies/<int:policy_id>/", policies.policy_detail, name="policy_detail"),
    path(org + "policies/<int:policy_id>/review/", policies.policy_review, name="policy_review"),
    path(
        org + "policies/<int:policy_id>/withdraw-consent/",
        policies.policy_withdraw_consent,
        name="policy_withdraw_consent",
    ),
]
