from django.apps import AppConfig


class GPLeadershipConfig(AppConfig):
    name = "gpleadership"
    verbose_name = "Portal"
