from django.apps import AppConfig


class DecisionsConfig(AppConfig):
    name = "decisions"
    verbose_name = "Decisions"

    def ready(self):
        # Registers this app's outbox email builders (members.outbox).
        from . import emails  # noqa: F401
