"""The priorities pages' lists and tables written in Python: the template language spent milliseconds on their
cells, tags and includes (issue 12: the priorities list and the exercise page). Their templates stay as the reference
(templates/priorities/includes/turnout_by_pcn_rows.html, open_exercise_rows.html, finished_exercise_items.html and
state_tag.html): tests/priorities/test_priorities_rows.py requires the same HTML from both."""

from django import template
from django.utils import timezone
from django.utils.dates import MONTHS_3
from django.utils.safestring import mark_safe

from members.rows import address_of, text

register = template.Library()

# priorities/includes/state_tag.html: by the exercise's status, then by its window's state
_STATUS_TAGS = {"draft": ("grey", "Draft"), "published": ("blue", "Result published"),
                "closed": ("purple", "Closed, counted")}
_STATE_TAGS = {"open": ("green", "Open"), "not yet open": ("white", "Opens soon")}


def state_tag(exercise, state: str) -> str:
    colour, words = _STATUS_TAGS.get(exercise.status) or _STATE_TAGS.get(state, ("orange", "Closing"))
    return f'<strong class="nhsuk-tag nhsuk-tag--{colour}">{words}</strong>'


def _linked_title(exercise, url) -> str:
    return f'<a href="{url(exercise.pk)}">{text(exercise.title)}</a> {state_tag(exercise, exercise.state)}'


def _closes(value) -> str:
    """As the `date:"H:i, j M Y"` filter writes a moment, on the local clock."""
    value = timezone.localtime(value)
    return f"{value:%H:%M}, {value.day} {str(MONTHS_3[value.month]).title()} {value.year:04d}"


@register.simple_tag
def open_exercise_rows(open_exercises, *, show_turnout: bool, eligible: int) -> str:
    """A row per open exercise (priorities.selectors.exercise_list): its title and state, when it closes, and for
    the group its turnout."""
    url = address_of("priorities:exercise")
    cell = '<td class="nhsuk-table__cell">'
    return mark_safe("".join(  # noqa: S308 - titles escaped by text(); the rest are numbers and our own words
        f'<tr class="nhsuk-table__row">{cell}{_linked_title(e, url)}</td>{cell}{_closes(e.closes_at)}</td>'
        + (f"{cell}{e.ballot_count} of {eligible} practices ({e.turnout_percent}%)</td>" if show_turnout else "")
        + "</tr>"
        for e in open_exercises))


@register.simple_tag
def finished_exercise_items(finished) -> str:
    """A list item per counted exercise: its title and state."""
    url = address_of("priorities:exercise")
    return mark_safe("".join(f"<li>{_linked_title(e, url)}</li>" for e in finished))  # noqa: S308 - as above


@register.simple_tag
def turnout_by_pcn_rows(turnout) -> str:
    """A row per PCN of `turnout` (priorities.services.turnout, or the turnout stored at the close): its name, its
    eligible practices and how many of them voted."""
    number = '<td class="nhsuk-table__cell nhsuk-table__cell--numeric">'
    return mark_safe("".join(  # noqa: S308 - text() escapes the name; the counts are numbers
        f'<tr class="nhsuk-table__row"><th scope="row" class="nhsuk-table__header">{text(row["pcn"])}</th>'
        f'{number}{text(row["eligible"])}</td>{number}{text(row["voted"])}</td></tr>'
        for row in turnout["by_pcn"]))
