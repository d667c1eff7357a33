from django.apps import AppConfig


class ReviewsConfig(AppConfig):
    name = "circlewise.reviews"
    label = "reviews"

    def ready(self) -> None:
        from circlewise.core import feed
        from circlewise.notifications import selectors as notifications

        from . import feed as reviews_feed

        feed.register(reviews_feed.DESCRIBERS, hidden=reviews_feed.HIDDEN)
        # Their notifications and emails are said to their reader ("asked you to review").
        notifications.address(reviews_feed.ADDRESSED, reviews_feed.ASKED)
