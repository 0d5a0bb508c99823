from django.conf import settings
from django.contrib.auth.models import AnonymousUser

from members import access


def portal(request):
    # A bad Host header is refused before AuthenticationMiddleware runs, and the 400 page still renders this.
    user = getattr(request, "user", None) or AnonymousUser()
    return {
        "DEMO_MODE": settings.DEMO_MODE,
        "nav": {
            "is_group": access.is_group(user),
            "is_chair": access.is_chair(user),
            "is_gatekeeper": access.is_gatekeeper(user),
            "is_practice_user": access.is_practice_user(user),
            "can_invite": access.can_invite(user),
        },
    }
