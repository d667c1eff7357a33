from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "circlewise.core"
    label = "core"
