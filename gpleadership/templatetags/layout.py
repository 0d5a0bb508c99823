"""The layout's header and messages, drawn in Python: every page draws them (issue 12), and the template language
spends tens of microseconds on each tag, include and `{% url %}`. `templates/includes/header.html` and
`templates/includes/messages.html` stay as the reference: tests/gpleadership/test_layout_drawing.py requires the
same HTML from both, signed in or not, in a place or not, with every kind of message."""

from django import template
from django.contrib.staticfiles.storage import staticfiles_storage
from django.templatetags.static import static
from django.urls import reverse
from django.utils.html import conditional_escape as escape
from django.utils.safestring import mark_safe

from members import rows
from members.rows import addresses, csrf_input, text

register = template.Library()

LOGO = None  # the NHS logo's SVG, read once from its template
FOCUS = ' tabindex="-1" data-portal-focus'


def _logo() -> str:
    global LOGO
    if LOGO is None:
        LOGO = template.loader.get_template("includes/nhs_logo.html").render({})
    return LOGO


@register.simple_tag(takes_context=True)
def portal_header(context):
    """The NHS.UK header: the service's name (and the place's), the account links, the menu."""
    user, place = context.get("user"), context.get("place")
    signed_in = bool(user and user.is_authenticated)
    home, about, account, chooser, logout, login = addresses(
        ("home", "about", "me:account", "place_chooser", "account_logout", "account_login"))
    home = home if signed_in or not place else about
    place_name = f'<span class="portal-place-name">: {text(place.name)}</span>' if place else ""
    out = [
        '<header class="nhsuk-header" data-module="nhsuk-header" role="banner">\n'
        '  <div class="nhsuk-header__container nhsuk-width-container">\n'
        '    <div class="nhsuk-header__service">\n'
        f'      <a class="nhsuk-header__service-logo" href="{home}" aria-label="GP Leadership Portal homepage">\n'
        f"        {_logo()}\n"
        f'        <span class="nhsuk-header__service-name">GP Leadership Portal{place_name}</span>\n'
        "      </a>\n"
        "    </div>\n"
        '    <nav class="nhsuk-header__account" aria-label="Account">\n'
        '      <ul class="nhsuk-header__account-list">\n'
    ]
    if signed_in:
        out.append(
            '        \n        <li class="nhsuk-header__account-item"><a class="nhsuk-header__account-link" '
            f'href="{account}">{text(user.get_full_name())}<span class="nhsuk-u-visually-hidden">'
            " (your account)</span></a></li>\n        ")
        if place and context.get("switches_place"):
            out.append(
                '<li class="nhsuk-header__account-item"><a class="nhsuk-header__account-link" '
                f'href="{chooser}">Switch place<span class="nhsuk-u-visually-hidden"> (you are in '
                f"{text(place.name)})</span></a></li>")
        out.append(
            '\n        <li class="nhsuk-header__account-item">\n'
            f'          <form class="nhsuk-header__account-form" action="{logout}" '
            'method="post">\n'
            f'            {csrf_input(context)}<button class="nhsuk-header__account-button">Sign out</button>\n'
            "          </form>\n"
            "        </li>\n"
            "        \n")
    else:
        out.append(
            '        \n        <li class="nhsuk-header__account-item"><a class="nhsuk-header__account-link" '
            f'href="{login}">Sign in</a></li>\n        \n')
    out.append("      </ul>\n    </nav>\n  </div>\n  ")
    if signed_in and place:
        out.append(
            '\n  <nav class="nhsuk-header__navigation" aria-label="Menu">\n'
            '    <div class="nhsuk-header__navigation-container nhsuk-width-container">\n'
            '      <ul class="nhsuk-header__navigation-list">\n'
            f"        {escape(context.get('menu', ''))}\n\n"  # the menu's template ends with a newline
            '        <li class="nhsuk-header__menu" hidden>\n'
            '          <button class="nhsuk-header__menu-toggle nhsuk-header__navigation-link" id="toggle-menu" '
            'aria-expanded="false">\n'
            '            <span class="nhsuk-u-visually-hidden">Browse </span>More\n'
            "          </button>\n"
            "        </li>\n"
            "      </ul>\n"
            "    </div>\n"
            "  </nav>\n  ")
    out.append("\n</header>\n")
    return mark_safe("".join(out))


@register.simple_tag(takes_context=True)
def portal_messages(context):
    """The page's messages (django.contrib.messages) as NHS.UK inset text; the first takes the focus."""
    messages = context.get("messages")
    if not messages:
        return ""
    out = []
    for number, message in enumerate(messages):
        error = message.level_tag == "error"
        focus = FOCUS if number == 0 else ""
        out.append(
            f'\n<div class="nhsuk-inset-text{" portal-inset-error" if error else ""}" role="status"{focus}>\n'
            f'  <span class="nhsuk-u-visually-hidden">{"Error: " if error else "Information: "}</span>\n'
            f"  <p>{escape(message)}</p>\n"
            "</div>\n")
    return mark_safe("".join(out))


def asset(path: str) -> str:
    """`{% static path %}`'s address, as the tag writes it (escaped), looked up once per static files storage: the
    storage reads its manifest once and each lookup of it costs the template tens of microseconds (five on every
    page). Kept on the storage itself, so a storage set up afresh (a changed setting) starts afresh."""
    try:
        known = staticfiles_storage.portal_assets
    except AttributeError:
        known = staticfiles_storage.portal_assets = {}
    url = known.get(path)
    if url is None:
        url = known[path] = escape(static(path))
    return url


class AssetNode(template.Node):
    def __init__(self, path: str):
        self.path = path

    def render(self, context):
        return asset(self.path)


@register.tag(name="asset")
def asset_tag(parser, token):
    """`{% asset 'portal.css' %}`: a static file's address, as `{% static 'portal.css' %}` writes it."""
    bits = token.split_contents()
    if len(bits) != 2 or len(bits[1]) < 2 or bits[1][0] not in "'\"" or bits[1][0] != bits[1][-1]:
        raise template.TemplateSyntaxError("{% asset %} takes one quoted path: {% asset 'portal.css' %}")
    return AssetNode(bits[1][1:-1])


@register.simple_tag
def address(name: str, *args) -> str:
    """`{% address 'name' pk %}` writes what `{% url 'name' pk %}` writes (escaped as it is, `as` a variable too),
    the address of a name without arguments or with an id looked up once per URLconf and place (members.rows):
    `{% url %}` costs a page tens of microseconds each time."""
    if not args:
        return rows.address(name)
    if len(args) == 1:
        return rows.address_of(name)(args[0])
    return reverse(name, args=args)


@register.simple_tag
def portal_pagination(page, query=""):
    """NHS.UK pagination as `templates/includes/pagination.html` (the reference) writes it, whitespace and all:
    `page` a Django Page, `query` the other filters, urlencoded, kept on every link. Seven list pages draw it."""
    if not hasattr(page, "has_other_pages") or not page.has_other_pages():  # no page (""), as the template reads it
        return "\n\n"
    query = f"{escape(query)}&amp;" if query else ""
    last = page.paginator.num_pages
    out = ['\n\n<nav class="nhsuk-pagination" role="navigation" aria-label="Pagination">\n'
           '  <ul class="nhsuk-list nhsuk-pagination__list">\n    ']
    if page.has_previous():
        number = page.previous_page_number()
        out.append(
            '<li class="nhsuk-pagination-item--previous"><a class="nhsuk-pagination__link '
            f'nhsuk-pagination__link--prev" href="?{query}page={number}"><span class="nhsuk-pagination__title">'
            'Previous</span><span class="nhsuk-u-visually-hidden">:</span><span class="nhsuk-pagination__page">'
            f"Page {number} of {last}</span></a></li>")
    out.append("\n    ")
    if page.has_next():
        number = page.next_page_number()
        out.append(
            '<li class="nhsuk-pagination-item--next"><a class="nhsuk-pagination__link '
            f'nhsuk-pagination__link--next" href="?{query}page={number}"><span class="nhsuk-pagination__title">'
            'Next</span><span class="nhsuk-u-visually-hidden">:</span><span class="nhsuk-pagination__page">'
            f"Page {number} of {last}</span></a></li>")
    out.append("\n  </ul>\n</nav>\n\n")
    return mark_safe("".join(out))
