from django.apps import AppConfig


class DecisionsConfig(AppConfig):
    name = "circlewise.decisions"
    label = "decisions"

    def ready(self) -> None:
        from circlewise.core import feed

        from . import feed as decisions_feed

        feed.register(decisions_feed.DESCRIBERS, hidden=decisions_feed.HIDDEN)
