"""The turnout of an exercise by PCN written in Python: a place has dozens of PCNs, and the template language spent
milliseconds on their cells (issue 12: the exercise page). templates/priorities/includes/turnout_by_pcn_rows.html
stays as the reference: tests/priorities/test_turnout_rows.py requires the same HTML from both."""

from django import template
from django.utils.safestring import mark_safe

from members.rows import text

register = template.Library()


@register.simple_tag
def turnout_by_pcn_rows(turnout) -> str:
    """A row per PCN of `turnout` (priorities.services.turnout, or the turnout stored at the close): its name, its
    eligible practices and how many of them voted."""
    number = '<td class="nhsuk-table__cell nhsuk-table__cell--numeric">'
    return mark_safe("".join(  # noqa: S308 - text() escapes the name; the counts are numbers
        f'<tr class="nhsuk-table__row"><th scope="row" class="nhsuk-table__header">{text(row["pcn"])}</th>'
        f'{number}{text(row["eligible"])}</td>{number}{text(row["voted"])}</td></tr>'
        for row in turnout["by_pcn"]))
