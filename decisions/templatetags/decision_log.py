"""The decision log's rows, the cards of published decisions and the status tag written in Python: fifty rows of six
cells, each with a link, a tag and dates, took the template language most of the log's time, and a page of twenty
cards a third of published decisions' (issue 12)."""

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


SEEN_BY_MY_PRACTICE = ('<p class="nhsuk-u-margin-bottom-0"><strong class="nhsuk-tag nhsuk-tag--green">Seen by your '
                       'practice</strong></p>')


@register.simple_tag
def published_cards(items, practice_count, has_practice, unseen_only) -> str:
    """Published decisions' cards (selectors.published_page): each with its principles, how many practices have
    seen it and, for a practice's people, whether theirs has."""
    address, day = address_of("decisions:item"), day_writer(long=True)
    cards = []
    for item in items:
        url, title = address(item.pk), text(item.title)
        titles = item.principle_titles
        rests_on = (" · Rests on: " + "; ".join(text(t) for t in titles)) if titles else ""
        mark = ""
        if has_practice:
            mark = SEEN_BY_MY_PRACTICE if item.seen_by_my_practice else (
                '<p class="nhsuk-u-margin-bottom-0"><strong class="nhsuk-tag nhsuk-tag--grey">Not yet acknowledged'
                f'</strong> <a href="{url}#golden-thread">Acknowledge it<span class="nhsuk-u-visually-hidden">: '
                f'{title}</span></a></p>')
        cards.append(
            '\n<div class="nhsuk-card">\n  <div class="nhsuk-card__content">\n'
            f'    <h2 class="nhsuk-card__heading nhsuk-heading-m"><a class="nhsuk-card__link" href="{url}">{title}'
            '</a></h2>\n'
            f'    <p class="nhsuk-card__description portal-pre-wrap">{text(item.statement)}</p>\n'
            f'    <p class="nhsuk-body-s">Agreed {day(item.decided_on)}{rests_on} · Seen by {item.acknowledged} of '
            f'{practice_count} practices</p>\n'
            f'    {mark}\n  </div>\n</div>\n')
    if not cards:
        return mark_safe("<p>Your practice has acknowledged every published decision.</p>" if unseen_only
                         else "<p>No decisions have been published yet.</p>")
    return mark_safe("".join(cards))  # noqa: S308 - every value is escaped above
