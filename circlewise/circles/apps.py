from django.apps import AppConfig


class CirclesConfig(AppConfig):
    name = "circlewise.circles"
    label = "circles"

    def ready(self) -> None:
        from circlewise.core import feed

        from . import feed as circles_feed

        feed.register(circles_feed.DESCRIBERS, hidden=circles_feed.HIDDEN)
