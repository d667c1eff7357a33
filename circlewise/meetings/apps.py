from django.apps import AppConfig


class MeetingsConfig(AppConfig):
    name = "circlewise.meetings"
    label = "meetings"

    def ready(self) -> None:
        from circlewise.core import feed

        from . import feed as meetings_feed

        feed.register(meetings_feed.DESCRIBERS, hidden=meetings_feed.HIDDEN)

        from circlewise.accounts import services as account_services
        from circlewise.circles import services as circle_services
        from circlewise.decisions import services as decision_services

        from .broadcast import account_deactivated, member_left_circle, proposal_changed

        if account_deactivated not in account_services.ACCOUNT_DEACTIVATED:
            account_services.ACCOUNT_DEACTIVATED.append(account_deactivated)
        if member_left_circle not in circle_services.MEMBERSHIP_ENDED:
            circle_services.MEMBERSHIP_ENDED.append(member_left_circle)
        if proposal_changed not in decision_services.PROPOSAL_CHANGED:
            decision_services.PROPOSAL_CHANGED.append(proposal_changed)
