from django.apps import AppConfig


class DecisionsConfig(AppConfig):
    name = "circlewise.decisions"
    label = "decisions"

    def ready(self) -> None:
        from circlewise.circles import services as circle_services
        from circlewise.core import feed

        from . import feed as decisions_feed
        from . import services

        feed.register(decisions_feed.DESCRIBERS, hidden=decisions_feed.HIDDEN)
        if services.member_left_circle not in circle_services.MEMBERSHIP_ENDED:
            circle_services.MEMBERSHIP_ENDED.append(services.member_left_circle)
        if services.term_ended not in circle_services.TERM_ENDED:
            circle_services.TERM_ENDED.append(services.term_ended)
