"""The long tables of a decision item written in Python: the reach of a published decision by PCN (a row for each
of the place's PCNs, sixty and more) and every position given, which took the template language most of the item
page's time at national scale (issue 12). The HTML is what the templates wrote."""

from django import template
from django.utils import timezone
from django.utils.safestring import mark_safe

from members.rows import cell, day_writer, text

register = template.Library()

NUMERIC_CELL = '<td class="nhsuk-table__cell nhsuk-table__cell--numeric">{}</td>'


def percent(part: int, whole: int) -> str:
    """`{% widthratio part whole 100 %}`: the share as a whole percentage, rounded as the template rounds it."""
    return str(round(part / whole * 100)) if whole else "0"


@register.simple_tag
def acknowledgement_rows(by_pcn) -> str:
    """The rows of "Acknowledgement by PCN" (selectors.acknowledgement_by_pcn)."""
    if not by_pcn:
        return mark_safe('<tr class="nhsuk-table__row"><td class="nhsuk-table__cell" colspan="4">No practices are '
                         'registered yet.</td></tr>')
    return mark_safe("".join(  # noqa: S308 - names escaped by text(), the rest are numbers
        f'<tr class="nhsuk-table__row"><th scope="row" class="nhsuk-table__header">'
        f'{text(row["name"] or "Not in a PCN")}</th>'
        + NUMERIC_CELL.format(row["acknowledged"]) + NUMERIC_CELL.format(row["practices"])
        + NUMERIC_CELL.format(percent(row["acknowledged"], row["practices"]) + "%") + "</tr>"
        for row in by_pcn))


def moment_writer():
    """Writes a moment as the `date:"j M Y H:i"` filter does, on its local day."""
    day, zone = day_writer(), timezone.get_current_timezone()

    def moment(value) -> str:
        local = value.astimezone(zone)
        return f"{day(local)} {local.hour:02d}:{local.minute:02d}"

    return moment


@register.simple_tag
def position_history_rows(records) -> str:
    """The rows of "Every position given" (selectors.position_history): when, round, seat, position, given by."""
    moment = moment_writer()
    return mark_safe("".join(  # noqa: S308 - every value escaped by text()
        '<tr class="nhsuk-table__row">'
        + cell("When", moment(record.history_date), extra_class="portal-nowrap")
        + cell("Round", text(record.round.number))
        + cell("Seat", text(record.seat.title))
        + cell("Position", text(record.get_stance_display()))
        + cell("Given by", text(record.responded_by.get_full_name()))
        + "</tr>"
        for record in records))
