from django.conf import settings

from members import access


def portal(request):
    user = request.user
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
