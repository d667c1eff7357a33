from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "circlewise.accounts"
    label = "accounts"

    def ready(self) -> None:
        from circlewise.core import feed

        from . import feed as accounts_feed

        feed.register(accounts_feed.DESCRIBERS, hidden=accounts_feed.HIDDEN)
