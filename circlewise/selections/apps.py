from django.apps import AppConfig


class SelectionsConfig(AppConfig):
    name = "circlewise.selections"
    label = "selections"

    def ready(self) -> None:
        from circlewise.core import feed

        from . import feed as selections_feed

        feed.register(selections_feed.DESCRIBERS)
