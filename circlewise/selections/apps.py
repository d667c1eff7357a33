from django.apps import AppConfig


class SelectionsConfig(AppConfig):
    name = "circlewise.selections"
    label = "selections"

    def ready(self) -> None:
        from circlewise.core import feed
        from circlewise.notifications import selectors as notifications

        from . import feed as selections_feed

        feed.register(selections_feed.DESCRIBERS)
        # What each email asks of the member it reaches.
        notifications.address({}, selections_feed.ASKED)
