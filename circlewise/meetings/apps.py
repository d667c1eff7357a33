from django.apps import AppConfig


class MeetingsConfig(AppConfig):
    name = "circlewise.meetings"
    label = "meetings"

    def ready(self) -> None:
        from circlewise.core import feed

        from . import feed as meetings_feed

        feed.register(meetings_feed.DESCRIBERS, hidden=meetings_feed.HIDDEN)

        from circlewise.circles import services as circle_services

        from .broadcast import member_left_circle

        if member_left_circle not in circle_services.MEMBERSHIP_ENDED:
            circle_services.MEMBERSHIP_ENDED.append(member_left_circle)
