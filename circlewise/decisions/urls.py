"""Pages of the consent process, the policy register and the backlog.

Reading in views/browse.py; every step of the process in views/steps.py; dropping and
reopening backlog items in views/backlog.py. Every view authorises
through decisions.permissions and acts through decisions.services."""

from django.urls import path

from .views import backlog, browse, steps

app_name = "decisions"

org = "o/<slug:org>/"
circle = org + "c/<slug:circle>/"
proposal = org + "proposals/<int:proposal_id>/"

urlpatterns = [
    # What needs me, across my circles
    path(org + "needs-me/", browse.needs_me, name="needs_me"),
    # A circle's proposals, backlog and settings
    path(circle + "proposals/", browse.circle_proposals, name="circle_proposals"),
    path(circle + "proposals/new/", steps.proposal_create, name="proposal_create"),
    path(circle + "backlog/", browse.backlog, name="backlog"),
    path(circle + "backlog/add/", steps.backlog_add, name="backlog_add"),
    path(org + "backlog/<int:item_id>/close/", steps.backlog_close, name="backlog_close"),
    path(org + "backlog/<int:item_id>/drop/", backlog.backlog_drop, name="backlog_drop"),
    path(org + "backlog/<int:item_id>/reopen/", backlog.backlog_reopen, name="backlog_reopen"),
    path(circle + "decision-settings/", steps.decision_settings, name="decision_settings"),
    # One proposal
    path(proposal, browse.proposal_detail, name="proposal_detail"),
    path(proposal + "versions/", browse.proposal_versions, name="proposal_versions"),
    path(proposal + "edit/", steps.proposal_edit, name="proposal_edit"),
    path(proposal + "present/", steps.proposal_present, name="proposal_present"),
    path(proposal + "questions/", steps.question_ask, name="question_ask"),
    path(
        proposal + "questions/<int:question_id>/answer/",
        steps.question_answer,
        name="question_answer",
    ),
    path(proposal + "reactions/", steps.reaction_add, name="reaction_add"),
    path(proposal + "amendments/", steps.amendment_suggest, name="amendment_suggest"),
    path(
        proposal + "amendments/<int:amendment_id>/resolve/",
        steps.amendment_resolve,
        name="amendment_resolve",
    ),
    path(proposal + "advance/", steps.proposal_advance, name="proposal_advance"),
    path(proposal + "revise/", steps.proposal_revise, name="proposal_revise"),
    path(proposal + "rounds/open/", steps.round_open, name="round_open"),
    path(org + "rounds/<int:round_id>/answer/", steps.round_answer, name="round_answer"),
    path(org + "rounds/<int:round_id>/close/", steps.round_close, name="round_close"),
    # Objection handling
    path(org + "objections/<int:objection_id>/", browse.objection_detail, name="objection_detail"),
    path(
        org + "objections/<int:objection_id>/discuss/",
        steps.objection_discuss,
        name="objection_discuss",
    ),
    path(
        org + "objections/<int:objection_id>/state-back/",
        steps.objection_state_back,
        name="objection_state_back",
    ),
    path(
        org + "objections/<int:objection_id>/confirm/",
        steps.objection_confirm,
        name="objection_confirm",
    ),
    path(
        org + "objections/<int:objection_id>/withdraw/",
        steps.objection_withdraw,
        name="objection_withdraw",
    ),
    # Decisions and the policy register
    path(org + "decisions/<int:decision_id>/", browse.decision_detail, name="decision_detail"),
    path(org + "policies/", browse.policy_register, name="policy_register"),
    path(org + "policies/<int:policy_id>/", browse.policy_detail, name="policy_detail"),
    path(org + "policies/<int:policy_id>/review/", steps.policy_review, name="policy_review"),
    path(
        org + "policies/<int:policy_id>/withdraw-consent/",
        steps.policy_withdraw_consent,
        name="policy_withdraw_consent",
    ),
]
