from django.apps import AppConfig


class GPLeadershipConfig(AppConfig):
    name = "gpleadership"
    verbose_name = "Portal"

    def ready(self):
        # Registers this app's outbox email builders (members.outbox).
        from . import emails  # noqa: F401
