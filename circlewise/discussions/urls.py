from django.urls import path

from . import views

app_name = "discussions"

org = "o/<slug:org>/"

urlpatterns = [
    path(org + "c/<slug:circle>/discussions/", views.circle_threads, name="circle_threads"),
    path(org + "backlog/<int:item_id>/discussion/", views.item_thread, name="item_thread"),
    path(
        org + "backlog/<int:item_id>/discussion/propose/", views.item_propose, name="item_propose"
    ),
    path(
        org + "proposals/<int:proposal_id>/discussion/",
        views.proposal_thread,
        name="proposal_thread",
    ),
    path(org + "proposals/<int:proposal_id>/share/", views.share, name="share"),
    path(org + "proposals/<int:proposal_id>/unshare/", views.unshare, name="unshare"),
    path(org + "comments/<int:comment_id>/edit/", views.comment_edit, name="comment_edit"),
    path(
        org + "comments/<int:comment_id>/withdraw/", views.comment_withdraw, name="comment_withdraw"
    ),
]
