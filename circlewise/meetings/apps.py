from django.apps import AppConfig


class MeetingsConfig(AppConfig):
    name = "circlewise.meetings"
    label = "meetings"

    def ready(self) -> None:
        from circlewise.core import feed

        from . import feed as meetings_feed

        feed.register(meetings_feed.DESCRIBERS, hidden=meetings_feed.HIDDEN)
