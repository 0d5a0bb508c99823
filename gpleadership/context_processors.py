from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.utils.functional import SimpleLazyObject
from django.utils.safestring import mark_safe

from members import access
from members.rows import addresses, text

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


def menu_html(nav: dict, path: str) -> str:
    """The header menu's items for this person, the current page marked. Written with f-strings: format_html and
    its lazy-string checks cost more than the rest of the header."""
    shown = [(label, name) for label, name, show in MENU if show(nav)]
    urls = addresses(name for _, name in shown)
    return mark_safe("".join(
        f'<li class="nhsuk-header__navigation-item"><a class="nhsuk-header__navigation-link" href="{text(url)}"'
        f'{CURRENT if url == path else ""}>{text(label)}</a></li>'
        for (label, _), url in zip(shown, urls, strict=True)))


CURRENT = ' aria-current="page"'


def nav_of(user) -> dict[str, bool]:
    """What the person is here, as the menu and the home page's cards ask it (members.access decides each)."""
    return {
        "is_group": access.is_group(user),
        "is_chair": access.is_chair(user),
        "is_gatekeeper": access.is_gatekeeper(user),
        "is_practice_user": access.is_practice_user(user),
        "can_invite": access.can_invite(user),
        "can_see_dashboard": access.can_see_dashboard(user),
    }


def portal(request):
    # A bad Host header is refused before AuthenticationMiddleware runs, and the 400 page still renders this.
    user = getattr(request, "user", None) or AnonymousUser()
    nav = nav_of(user)
    return {
        "DEMO_MODE": settings.DEMO_MODE,
        "place": getattr(request, "place", None),
        # The header offers "Switch place" to a person who works in more than one.
        "switches_place": SimpleLazyObject(lambda: len(access.place_ids_of(user)) > 1),
        "nav": nav,
        "menu": SimpleLazyObject(lambda: menu_html(nav, request.path)),
    }
