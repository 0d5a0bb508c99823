from django.apps import AppConfig


class RepresentationConfig(AppConfig):
    name = "representation"
    verbose_name = "Representation"

    def ready(self):
        # Registers this app's outbox email builders (members.outbox).
        from . import emails  # noqa: F401
