from django.apps import AppConfig


class ReviewsConfig(AppConfig):
    name = "circlewise.reviews"
    label = "reviews"

    def ready(self) -> None:
        from circlewise.core import feed

        from . import feed as reviews_feed

        feed.register(reviews_feed.DESCRIBERS, hidden=reviews_feed.HIDDEN)
