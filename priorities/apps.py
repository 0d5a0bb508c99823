from django.apps import AppConfig


class PrioritiesConfig(AppConfig):
    name = "priorities"
    verbose_name = "Priorities"

    def ready(self):
        # Registers this app's outbox email builders (members.outbox).
        from . import emails  # noqa: F401
