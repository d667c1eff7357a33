"""Pages for organisations, circles, roles and terms. Browsing in views/browse.py, changes in
views/manage/ (organisation, circles, members, roles). Every view authorises through
circles.permissions."""

from django.urls import path

from .views import browse, terms
from .views.manage import circles, members, organisation, roles

app_name = "circles"

org = "o/<slug:org>/"
circle = org + "c/<slug:circle>/"

urlpatterns = [
    # The organisation
    path(org, browse.org_home, name="org_home"),
    path(org + "about/", browse.org_about, name="org_about"),
    path(org + "glossary/", browse.org_glossary, name="org_glossary"),
    path(org + "edit/", organisation.org_edit, name="org_edit"),
    path(org + "members/", organisation.org_members, name="org_members"),
    path(org + "members/invite/", organisation.invite, name="invite"),
    path(
        org + "invitations/<int:invitation_id>/revoke/",
        organisation.revoke_invitation,
        name="revoke_invitation",
    ),
    path(org + "members/<int:user_id>/admin/", organisation.set_admin, name="set_admin"),
    path(org + "members/<int:user_id>/remove/", organisation.remove_member, name="remove_member"),
    path(org + "people/<int:user_id>/", browse.person_detail, name="person_detail"),
    path(org + "circles/", browse.circle_list, name="circle_list"),
    path(org + "chart/", browse.org_chart, name="org_chart"),
    path(org + "circles/new/", circles.circle_create, name="circle_create"),
    path(org + "terms/", browse.terms, name="terms"),
    path(org + "terms/timeline/", terms.terms_timeline, name="terms_timeline"),
    path(org + "feed/", browse.org_feed, name="org_feed"),
    path(org + "feed/export/", browse.feed_export, name="feed_export"),
    path(org + "ledger/", browse.ledger, name="ledger"),
    path(org + "ledger/export/", browse.ledger_export, name="ledger_export"),
    # One circle
    path(circle, browse.circle_detail, name="circle_detail"),
    path(circle + "feed/", browse.circle_feed, name="circle_feed"),
    path(circle + "edit/", circles.circle_edit, name="circle_edit"),
    path(circle + "archive/", circles.circle_archive, name="circle_archive"),
    path(circle + "members/add/", members.member_add, name="member_add"),
    path(circle + "members/<int:user_id>/end/", members.member_end, name="member_end"),
    path(circle + "roles/new/", roles.role_create, name="role_create"),
    path(circle + "roles/<int:role_id>/", browse.role_detail, name="role_detail"),
    path(circle + "roles/<int:role_id>/edit/", roles.role_edit, name="role_edit"),
    path(circle + "roles/<int:role_id>/assign/", roles.role_assign, name="role_assign"),
    path(
        circle + "assignments/<int:assignment_id>/end/",
        roles.assignment_end,
        name="assignment_end",
    ),
]
