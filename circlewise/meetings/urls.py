from django.urls import path

from . import views, views_minutes

app_name = "meetings"

org = "o/<slug:org>/"

urlpatterns = [
    path(org + "c/<slug:circle>/meetings/", views.circle_meetings, name="circle_meetings"),
    path(org + "c/<slug:circle>/meetings/new/", views.meeting_new, name="meeting_new"),
    path(org + "meetings/<int:meeting_id>/", views.meeting_detail, name="meeting_detail"),
    path(org + "meetings/<int:meeting_id>/edit/", views.meeting_edit, name="meeting_edit"),
    path(org + "meetings/<int:meeting_id>/cancel/", views.meeting_cancel, name="meeting_cancel"),
    path(org + "meetings/<int:meeting_id>/meeting.ics", views.meeting_ics, name="meeting_ics"),
    path(org + "meetings/<int:meeting_id>/agenda/", views.agenda_add, name="agenda_add"),
    path(org + "meetings/<int:meeting_id>/room/", views.meeting_room, name="meeting_room"),
    path(org + "meetings/<int:meeting_id>/room/act/", views.room_act, name="room_act"),
    path(org + "meetings/<int:meeting_id>/display/", views.room_display, name="room_display"),
    path(
        org + "meetings/<int:meeting_id>/evaluate/", views.meeting_evaluate, name="meeting_evaluate"
    ),
    path(
        org + "c/<slug:circle>/meetings/evaluations/",
        views.circle_evaluations,
        name="circle_evaluations",
    ),
    path(org + "c/<slug:circle>/actions/", views.circle_actions, name="circle_actions"),
    path(org + "actions/<int:action_id>/close/", views.action_close, name="action_close"),
    path(org + "my-actions/", views.my_actions, name="my_actions"),
    path(
        org + "meetings/<int:meeting_id>/minutes/",
        views_minutes.meeting_minutes,
        name="meeting_minutes",
    ),
    path(
        org + "meetings/<int:meeting_id>/minutes/object/",
        views_minutes.minutes_object,
        name="minutes_object",
    ),
    path(org + "c/<slug:circle>/minutes/", views_minutes.circle_minutes, name="circle_minutes"),
    path(org + "minutes/search/", views_minutes.minutes_search, name="minutes_search"),
    path(org + "agenda/<int:item_id>/accept/", views.agenda_accept, name="agenda_accept"),
    path(org + "agenda/<int:item_id>/decline/", views.agenda_decline, name="agenda_decline"),
    path(org + "agenda/<int:item_id>/remove/", views.agenda_remove, name="agenda_remove"),
    path(org + "agenda/<int:item_id>/move/", views.agenda_move, name="agenda_move"),
]
