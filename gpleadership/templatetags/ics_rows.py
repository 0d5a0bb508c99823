"""The rows of the ICS leaders' page written in Python: the template language spent milliseconds on a system's few
places (issue 12: the ICS page). templates/gpleadership/includes/ics_place_rows.html stays as the reference:
tests/gpleadership/test_ics.py requires the same HTML from both (spaces between tags aside)."""

from django import template
from django.utils.safestring import mark_safe

from members.rows import day_writer, text

register = template.Library()

# priorities/includes/rag_tag.html
_RAG_TAGS = {"red": ("red", "Red"), "amber": ("yellow", "Amber"), "complete": ("blue", "Complete")}


def _rag_tag(status: str) -> str:
    if not status:
        return '<strong class="nhsuk-tag nhsuk-tag--grey">No plan yet</strong>'
    colour, words = _RAG_TAGS.get(status, ("green", "Green"))
    return f'<strong class="nhsuk-tag nhsuk-tag--{colour}">{words}</strong>'


def _plural(count) -> str:  # the pluralize filter
    return "" if count == 1 else "s"


def _cell(content: str) -> str:
    return f'<td class="nhsuk-table__cell">{content}</td>'


@register.simple_tag
def ics_place_rows(rows) -> str:
    """A row per place (gpleadership.ics.ics_page): its agreed priorities with their plans' state, the decisions it
    published to the system, its representatives on the ICS's forums, the requests waiting for it, and how its
    practices take part."""
    day = day_writer()

    def row(r) -> str:
        priorities = ('<ul class="nhsuk-list">'
                      + "".join(f"<li>{text(p.title)} {_rag_tag(p.rag)}</li>" for p in r["priorities"]) + "</ul>"
                      ) if r["priorities"] else "None agreed yet"
        latest = (f'<ul class="nhsuk-list nhsuk-body-s">'
                  f'{"".join(f"<li>{text(d.title)} ({day(d.published_at)})</li>" for d in r["latest_public"])}</ul>'
                  if r["latest_public"] else "")
        representatives = (
            '<ul class="nhsuk-list">' + "".join(
                f'<li>{text(s["representative"].user.get_full_name())} <span class="nhsuk-body-s">'
                f'({text(str(s["representative"].get_role_display()).lower())}, {text(s["forum"].name)})</span></li>'
                for s in r["representatives"]) + "</ul>"
        ) if r["representatives"] else "None"
        if r["acknowledgement_percent"] is None:
            acknowledged = "no decisions to acknowledge"
        else:
            decisions, practices = r["decisions_published"], r["practices"]
            acknowledged = (f'<strong>{r["acknowledgement_percent"]}%</strong> ({r["acknowledged"]} of '
                            f'{r["expected_acknowledgements"]}: {decisions} decision{_plural(decisions)} × '
                            f"{practices} open practice{_plural(practices)})")
        turnout = r["turnout"]
        voted = (f'<strong>{text(turnout["percent"])}%</strong> ({text(turnout["voted"])} of '
                 f'{text(turnout["eligible"])} practices, {text(r["exercise"].title)})' if turnout
                 else "no vote closed yet")
        return (
            '<tr class="nhsuk-table__row">'
            f'<th scope="row" class="nhsuk-table__header"><a href="{text(r["url"])}">{text(r["place"].name)}</a></th>'
            + _cell(priorities)
            + _cell(f'<strong>{r["decisions_public"]}</strong> {latest}')
            + _cell(representatives)
            + _cell(f'<strong>{r["open_requests"]}</strong> awaiting triage')
            + _cell(f'<p class="nhsuk-body-s nhsuk-u-margin-bottom-2">Acknowledged: {acknowledged}</p> '
                    f'<p class="nhsuk-body-s nhsuk-u-margin-bottom-0">Turnout: {voted}</p>')
            + "</tr>"
        )

    return mark_safe("\n".join(row(r) for r in rows))  # noqa: S308 - every value is escaped above
