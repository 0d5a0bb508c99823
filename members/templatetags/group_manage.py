"""The rows of the chair's seats and roles written in Python: the template language spent about a millisecond a row
on them (issue 12: group manage). templates/members/includes/seat_rows.html and role_rows.html stay as the
reference: tests/members/test_group_manage_drawing.py requires the same HTML from both."""

from django import template
from django.utils.safestring import mark_safe

from members.rows import address_of, cell, csrf_input, day_writer, text

register = template.Library()

_ROW = '\n  <tr class="nhsuk-table__row">\n    '
_BUTTON = '<button class="nhsuk-button nhsuk-button--secondary nhsuk-button--small" type="submit">'


@register.simple_tag(takes_context=True)
def seat_rows(context, seats) -> str:
    """A row per active seat (members.selectors.ManagedSeat): its title (and organisation), kind, holder, deputy,
    and the links to change its people and to retire it."""
    edit, retire, csrf = address_of("members:seat_edit"), address_of("members:seat_retire"), csrf_input(context)

    def row(seat) -> str:
        title = text(seat.title)
        organisation = seat.organisation_name
        shown = f"{title}<br>{text(organisation)}" if organisation and organisation != seat.title else title
        return (
            _ROW + cell("Seat", shown)
            + "\n    " + cell("Kind", text(seat.kind_label))
            + "\n    " + cell("Holder", text(seat.holder_name or "Vacant"))
            + "\n    " + cell("Deputy", text(seat.deputy_name or "None"))
            + f'\n    <td class="nhsuk-table__cell"><a href="{edit(seat.pk)}">Change holder and deputy'
            f'<span class="nhsuk-u-visually-hidden"> of {title}</span></a>\n'
            f'      <form method="post" action="{retire(seat.pk)}" class="portal-inline-form">{csrf}{_BUTTON}Retire'
            f'<span class="nhsuk-u-visually-hidden"> the seat {title}</span></button></form></td>\n  </tr>\n  '
        )

    return mark_safe("".join(row(seat) for seat in seats) or (  # noqa: S308 - every value is escaped above
        '<tr class="nhsuk-table__row"><td class="nhsuk-table__cell" colspan="5">No active seats.</td></tr>'))


@register.simple_tag(takes_context=True)
def role_rows(context, roles) -> str:
    """A row per live role on the group (members.selectors.ManagedRole): the person, the role, since when, and the
    button that ends it."""
    end, csrf, day = address_of("members:group_role_end"), csrf_input(context), day_writer()

    def row(role) -> str:
        person, role_name = text(role.person), role.role_label
        return (
            _ROW + cell("Person", person)
            + "\n    " + cell("Role", text(role_name))
            + "\n    " + cell("Since", day(role.started_on))
            + f'\n    <td class="nhsuk-table__cell"><form method="post" action="{end(role.pk)}" '
            f'class="portal-inline-form">{csrf}{_BUTTON}End<span class="nhsuk-u-visually-hidden"> {person}'
            f"'s role as {text(role_name.lower())}</span></button></form></td>\n  </tr>\n  "
        )

    return mark_safe("".join(row(role) for role in roles) or (  # noqa: S308 - every value is escaped above
        '<tr class="nhsuk-table__row"><td class="nhsuk-table__cell" colspan="4">No roles.</td></tr>'))
