from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.utils.functional import SimpleLazyObject

from members import access
from members.selectors import places_of


def portal(request):
    # A bad Host header is refused before AuthenticationMiddleware runs, and the 400 page still renders this.
    user = getattr(request, "user", None) or AnonymousUser()
    return {
        "DEMO_MODE": settings.DEMO_MODE,
        "place": getattr(request, "place", None),
        # Read only by the pages that show the place switcher (signed in, with a place).
        "my_places": SimpleLazyObject(lambda: places_of(user)),
        "nav": {
            "is_group": access.is_group(user),
            "is_chair": access.is_chair(user),
            "is_gatekeeper": access.is_gatekeeper(user),
            "is_practice_user": access.is_practice_user(user),
            "can_invite": access.can_invite(user),
        },
    }
