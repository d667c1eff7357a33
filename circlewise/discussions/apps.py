from django.apps import AppConfig


class DiscussionsConfig(AppConfig):
    name = "circlewise.discussions"
    label = "discussions"

    def ready(self) -> None:
        from circlewise.core import feed

        from . import feed as discussions_feed

        feed.register(discussions_feed.DESCRIBERS, hidden=discussions_feed.HIDDEN)
