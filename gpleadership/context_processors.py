from functools import lru_cache

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.functional import SimpleLazyObject
from django.utils.html import format_html_join
from django.utils.safestring import mark_safe

from members import access
from members.selectors import places_of

# The header's menu: (label, address name, who sees it, from the person's roles here). Written in Python, not in
# the template language: every signed-in page draws it (issue 12).
MENU = [
    ("Home", "home", lambda nav: True),
    ("Dashboard", "dashboard", lambda nav: nav["can_see_dashboard"]),
    ("Directory", "members:directory", lambda nav: True),
    ("The group", "members:group", lambda nav: True),
    ("Interests", "members:declarations", lambda nav: nav["is_group"]),
    ("Invitations", "members:invitations", lambda nav: nav["can_invite"]),
    ("Decisions", "decisions:log", lambda nav: nav["is_group"] or nav["is_practice_user"]),
    ("Priorities", "priorities:list", lambda nav: nav["is_group"] or nav["is_practice_user"]),
    ("Representation", "representation:forums", lambda nav: nav["is_group"]),
    ("Actions", "representation:actions", lambda nav: nav["is_group"]),
    ("Requests", "representation:requests", lambda nav: nav["is_gatekeeper"] or nav["is_chair"]),
]


@lru_cache(maxsize=8192)
def _address(urlconf: str, script_prefix: str, name: str) -> str:
    # The script prefix names the place (members.middleware.PlaceMiddleware), so it is part of the key.
    return reverse(name, urlconf=urlconf)


def menu_html(nav: dict, path: str):
    """The header menu's items for this person, the current page marked."""
    urlconf, prefix = get_urlconf() or settings.ROOT_URLCONF, get_script_prefix()
    items = [(label, _address(urlconf, prefix, name)) for label, name, shown in MENU if shown(nav)]
    return format_html_join("", ITEM, ((url, CURRENT if url == path else "", label) for label, url in items))


ITEM = '<li class="nhsuk-header__navigation-item"><a class="nhsuk-header__navigation-link" href="{}"{}>{}</a></li>'
CURRENT = mark_safe(' aria-current="page"')


def portal(request):
    # A bad Host header is refused before AuthenticationMiddleware runs, and the 400 page still renders this.
    user = getattr(request, "user", None) or AnonymousUser()
    nav = {
        "is_group": access.is_group(user),
        "is_chair": access.is_chair(user),
        "is_gatekeeper": access.is_gatekeeper(user),
        "is_practice_user": access.is_practice_user(user),
        "can_invite": access.can_invite(user),
        "can_see_dashboard": access.can_see_dashboard(user),
    }
    return {
        "DEMO_MODE": settings.DEMO_MODE,
        "place": getattr(request, "place", None),
        # Read only by the pages that show the place switcher (signed in, with a place).
        "my_places": SimpleLazyObject(lambda: places_of(user)),
        "nav": nav,
        "menu": SimpleLazyObject(lambda: menu_html(nav, request.path)),
    }
