"""A priority's delivery plan and its progress history, row by row in Python (members.rows says why: the template
language spent tens of microseconds on every tag, include and `{% url %}` of every row, issue 12). The HTML is what
the page's template wrote; `templates/priorities/includes/rag_tag.html` stays as the reference for the RAG tags
(tests/priorities/test_plan_drawing.py)."""

from django import template
from django.utils import timezone
from django.utils.safestring import mark_safe

from members.rows import address_of, day_writer, text

register = template.Library()

_RAG_TAGS = {"red": '<strong class="nhsuk-tag nhsuk-tag--red">Red</strong>',
             "amber": '<strong class="nhsuk-tag nhsuk-tag--yellow">Amber</strong>',
             "complete": '<strong class="nhsuk-tag nhsuk-tag--blue">Complete</strong>'}
_GREEN = '<strong class="nhsuk-tag nhsuk-tag--green">Green</strong>'
_HEADING = '<span class="nhsuk-table-responsive__heading" aria-hidden="true">'


def rag_tag(status) -> str:
    """A RAG status as its tag, as priorities/includes/rag_tag.html writes it (with the file's closing newline)."""
    return _RAG_TAGS.get(status, _GREEN) + "\n"


@register.simple_tag
def plan_rows(tree, priority, manage):
    """The plan's rows in tree order (views._plan_tree): the item (its kind, indented by its depth), lead, due date
    (and whether it is overdue), funding, RAG status; for those who keep the plan, links to update the item and to
    add the kind of item that goes under it."""
    day, today = day_writer(), timezone.localdate()
    edit_url, add_url = address_of("priorities:plan_item_edit"), address_of("priorities:plan_item_add")
    add_under = add_url(priority.pk) if manage else ""

    def row(entry) -> str:
        item = entry["item"]
        title = text(item.title)
        overdue = ' <strong class="nhsuk-tag nhsuk-tag--orange">Overdue</strong>' if item.is_overdue(today) else ""
        change = ""
        if manage:
            child = entry["child_kind"]
            add = (f'<br><a href="{add_under}?parent={item.pk}">Add {text(child)}<span class="nhsuk-u-visually-hidden">'
                   f" to {title}</span></a>") if child else ""
            change = (f'<td class="nhsuk-table__cell">{_HEADING}Change </span><span><a href="{edit_url(item.pk)}">'
                      f'Update<span class="nhsuk-u-visually-hidden"> {title}</span></a>{add}</span></td>')
        return (
            '\n  <tr class="nhsuk-table__row">\n'
            f'    <th scope="row" class="nhsuk-table__header portal-plan-depth-{entry["depth"]}">{_HEADING}Plan item '
            f'</span><span><span class="nhsuk-caption-m nhsuk-u-margin-bottom-0">{text(item.get_kind_display())}'
            f"</span>{title}</span></th>\n"
            f'    <td class="nhsuk-table__cell">{_HEADING}Lead </span>{text(item.lead)}</td>\n'
            f'    <td class="nhsuk-table__cell">{_HEADING}Due </span><span>{day(item.due_date) or "–"}{overdue}'
            "</span></td>\n"
            f'    <td class="nhsuk-table__cell">{_HEADING}Funding </span>{text(item.funding_note) or "–"}</td>\n'
            f'    <td class="nhsuk-table__cell">{_HEADING}Status </span>{rag_tag(item.rag_status)}</td>\n'
            f"    {change}\n  </tr>\n  ")

    return mark_safe("".join(row(entry) for entry in tree))  # noqa: S308 - every text is escaped


@register.simple_tag
def progress_items(updates):
    """The progress history, an item of a list each: when (local time), which plan item, its RAG status, the note
    and who recorded it."""
    day, zone = day_writer(), timezone.get_current_timezone()

    def item(update) -> str:
        when = update.recorded_at.astimezone(zone)
        return (f"<li><strong>{day(when)}, {when:%H:%M}</strong> – {text(update.item.title)}: "
                f"{rag_tag(update.rag_status)} {text(update.note)} <span class=\"nhsuk-body-s\">"
                f"({text(update.recorded_by.get_full_name())})</span></li>\n")

    return mark_safe("".join(item(update) for update in updates))  # noqa: S308 - every text is escaped
