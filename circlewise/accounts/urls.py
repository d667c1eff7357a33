from django.urls import path

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("invitations/<str:token>/", views.accept_invitation, name="accept_invitation"),
    path("me/", views.profile, name="profile"),
    path("me/tokens/", views.tokens, name="tokens"),
    path("me/tokens/<int:token_id>/revoke/", views.revoke_token, name="revoke_token"),
    path("me/calendar/", views.calendar, name="calendar"),
    path("calendar/<str:token>.ics", views.calendar_feed, name="calendar_feed"),
]
