"""The decision log's rows and the status tag written in Python: fifty rows of six cells, each with a link, a tag
and dates, took the template language most of the log's time (issue 12)."""

from django import template
from django.utils.safestring import mark_safe

from decisions.models import DecisionItem
from members.rows import address_of, cell, day_writer, text

register = template.Library()

Status = DecisionItem.Status
TAG_COLOURS = {status.value: colour for status, colour in [
    (Status.DRAFT, "nhsuk-tag--grey"), (Status.DISCUSSION, "nhsuk-tag--blue"),
    (Status.CONSENSUS_CHECK, "nhsuk-tag--yellow"), (Status.AGREED, "nhsuk-tag--green"),
    (Status.NOT_AGREED, "nhsuk-tag--orange"), (Status.REDIRECTED, "nhsuk-tag--purple"),
]}


# get_status_display() looks the label up afresh on every call (Django flattens the choices each time).
STATUS_LABELS = {value: str(label) for value, label in Status.choices}


def _status_tag(item, round_number) -> str:
    colour = TAG_COLOURS.get(item.status, "nhsuk-tag--white")
    round_text = f" – round {round_number}" if item.status == Status.CONSENSUS_CHECK and round_number else ""
    return (f'<strong class="nhsuk-tag {colour}">{text(STATUS_LABELS.get(item.status, item.status))}{round_text}'
            '</strong>')


@register.filter
def status_tag(item, round_number=None) -> str:
    """The item's status as an NHS.UK tag, with the round of a consensus check."""
    return mark_safe(_status_tag(item, round_number))  # noqa: S308 - the label is escaped in _status_tag


NOT_PUBLISHED = '<span class="nhsuk-u-visually-hidden">Not published</span><span aria-hidden="true">–</span>'


@register.simple_tag
def log_rows(items, awaiting_me, practice_count, filtered) -> str:
    """The log table's rows: `items` with selectors.with_log_columns; `awaiting_me`, the pks of items waiting for
    the reader's seat."""
    address, day = address_of("decisions:item"), day_writer()
    rows = []
    for item in items:
        notes = ""
        if item.status == Status.REDIRECTED and item.redirected_to_name:
            notes += f'<br><span class="nhsuk-body-s">To {text(item.redirected_to_name)}</span>'
        if item.open_round_deadline:
            notes += f'<br><span class="nhsuk-body-s">Positions due by {day(item.open_round_deadline)}</span>'
        if item.pk in awaiting_me:
            notes += '<br><strong class="nhsuk-tag nhsuk-tag--orange">Waiting for your seat</strong>'
        principles = "; ".join(text(title) for title in item.principle_titles) or "–"
        seen = f"{item.acknowledged} of {practice_count}" if item.published_at else NOT_PUBLISHED
        rows.append(
            '<tr class="nhsuk-table__row">'
            + cell("Ref", text(item.reference))
            + cell("Item", f'<a href="{address(item.pk)}">{text(item.title)}</a>{notes}')
            + cell("Status", _status_tag(item, item.round_count))
            + cell("Date", day(item.log_date), extra_class="portal-nowrap")
            + cell("Principles", principles)
            + cell("Practices that have seen it", seen)
            + '</tr>'
        )
    if not rows:
        match = " match these filters" if filtered else ""
        rows.append(f'<tr class="nhsuk-table__row"><td class="nhsuk-table__cell" colspan="6">No items{match}.</td>'
                    '</tr>')
    return mark_safe("\n".join(rows))  # noqa: S308 - every value is escaped above
