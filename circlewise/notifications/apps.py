from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "circlewise.notifications"
    label = "notifications"
