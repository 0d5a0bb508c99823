from django.apps import AppConfig


class MembersConfig(AppConfig):
    name = "members"
    verbose_name = "Members"

    def ready(self):
        # Registers this app's outbox email builders (members.outbox).
        from . import emails  # noqa: F401
