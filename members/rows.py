"""The pieces of long tables and lists written in Python rather than in the template language, which spends tens of
microseconds on every tag, filter and `{% url %}` of every row (issue 12: a queue of 180 requests took 60 ms). The
HTML is what the templates wrote: NHS.UK responsive table cells, links, day dates."""

from collections.abc import Callable
from datetime import date, datetime
from functools import lru_cache
from html import escape as _escape

from django.conf import settings
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils import timezone
from django.utils.dates import MONTHS, MONTHS_3
from django.utils.translation import get_language

# Stands for the object's id while an address is reversed once; no object has it.
_PK = 2_147_483_646


@lru_cache(maxsize=1024)
def _halves(urlconf: str, script_prefix: str, name: str, leading: tuple = ()) -> tuple[str, str] | None:
    # The script prefix names the place (members.middleware.PlaceMiddleware), so it is part of the key.
    parts = reverse(name, urlconf=urlconf, args=[*leading, _PK]).split(str(_PK))
    return (parts[0], parts[1]) if len(parts) == 2 else None


def address_of(name: str, *leading) -> Callable[[object], str]:
    """`reverse(name, args=[*leading, pk])` for every row's pk, reversed once: for an address whose last argument
    is an id (and whose `leading` arguments, if any, are the same for every row)."""
    halves = _halves(get_urlconf() or settings.ROOT_URLCONF, get_script_prefix(), name, leading)
    if halves is None:  # the stand-in number is elsewhere in the address too: reverse each
        return lambda pk: reverse(name, args=[*leading, pk])
    before, after = halves
    return lambda pk: f"{before}{pk}{after}"


@lru_cache(maxsize=8192)
def _address(urlconf: str, script_prefix: str, name: str) -> str:
    return reverse(name, urlconf=urlconf)


def address(name: str) -> str:
    """reverse(name) for an address without arguments, remembered per URLconf and place (the menu, the cards)."""
    return _address(get_urlconf() or settings.ROOT_URLCONF, get_script_prefix(), name)


def addresses(names) -> list[str]:
    """`address(name)` for each of `names`, the URLconf and the place looked up once (each costs microseconds)."""
    urlconf, script_prefix = get_urlconf() or settings.ROOT_URLCONF, get_script_prefix()
    return [_address(urlconf, script_prefix, name) for name in names]


@lru_cache(maxsize=64)
def _month_names(language: str | None, long: bool) -> tuple[str, ...]:
    """The months' names in `language`, worked out once per language (each lazy name costs microseconds)."""
    return ("", *(str(MONTHS[month]) if long else str(MONTHS_3[month]).title() for month in range(1, 13)))


def day_writer(*, long: bool = False) -> Callable[[date | datetime | None], str]:
    """Writes a day as the `date:"j M Y"` filter does (3 Dec 2026; `long`: as `date:"j F Y"` does, 3 December
    2026), a moment on its local day, "" for none: the month names of the active language and the time zone of
    this request looked up once for every row (each lookup costs microseconds)."""
    months = _month_names(get_language(), long)
    zone = timezone.get_current_timezone()

    def day(value: date | datetime | None) -> str:
        if value is None:
            return ""
        if isinstance(value, datetime):
            value = value.astimezone(zone)
        return f"{value.day} {months[value.month]} {value.year:04d}"

    return day


def cell(heading: str, content: str, *, extra_class: str = "") -> str:
    """One cell of an NHS.UK responsive table: `heading` (our own plain text) is what a narrow screen shows before
    the `content` (HTML, already escaped)."""
    return (f'<td class="nhsuk-table__cell{extra_class and " " + extra_class}"><span '
            f'class="nhsuk-table-responsive__heading" aria-hidden="true">{heading} </span>{content}</td>')


def option(value, label, *, selected: bool = False, disabled: bool = False) -> str:
    """One <option> of a select, as Django's option template writes it (a list of a place's people has hundreds). An
    id needs no escaping."""
    value = value if type(value) is int else text("" if value is None else value)
    return (f'<option value="{value}"{" selected" if selected else ""}'
            f'{" disabled" if disabled else ""}>{text(label)}</option>')


def options(choices, chosen) -> str:
    """The <option>s of `choices`, (value, label) pairs, each as option() writes it (selected where its value as a
    string is in `chosen`), one to a line. A place's hundreds of people: their labels are escaped in one pass over
    them all, joined by NUL (which no label read from PostgreSQL holds; should one, each is escaped alone)."""
    values, labels = [], []
    for value, label in choices:
        values.append(value)
        labels.append(str(label))
    escaped = _escape("\0".join(labels)).split("\0")
    if len(escaped) != len(labels):
        escaped = [_escape(label) for label in labels]
    return "\n".join(
        f'<option value="{value if type(value) is int else text("" if value is None else value)}"'
        f'{" selected" if str(value) in chosen else ""}>{label}</option>'
        for value, label in zip(values, escaped, strict=True))


def text(value) -> str:
    """Plain text made safe for HTML, as the template language's autoescaping writes it (django.utils.html.escape,
    without its lazy-string wrapper, which costs more than the escaping on every cell)."""
    return _escape(str(value))


def link(url: str, words) -> str:
    """A link with plain text."""
    return f'<a href="{url}">{text(words)}</a>'


def csrf_input(context) -> str:
    """The hidden CSRF field of a form, as `{% csrf_token %}` writes it (nothing where the context has no token)."""
    token = context.get("csrf_token")
    if not token or token == "NOTPROVIDED":
        return ""
    return f'<input type="hidden" name="csrfmiddlewaretoken" value="{text(token)}">'
