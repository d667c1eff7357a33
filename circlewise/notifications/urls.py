from django.urls import path

from . import views

app_name = "notifications"
urlpatterns = [
    path("notifications/", views.notification_list, name="list"),
    path("notifications/read/", views.mark_all_read, name="mark_all_read"),
    path("notifications/<int:notification_id>/read/", views.mark_read, name="mark_read"),
    path("me/email/<slug:org>/", views.email_preferences, name="email_preferences"),
    path("email/unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
]
