from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "circlewise.accounts"
    label = "accounts"
