"""The directory's repeated parts written in Python: a place's directory lists hundreds of practices, each with its
people, and the template language spends milliseconds on every hundred rows (issue 12: directory, organisation)."""

from django import template
from django.utils.safestring import mark_safe

from members.rows import address_of, cell, link, text

register = template.Library()


def _contact(person) -> str:
    # Plain strings and members.rows.text: format_html's checks for lazy strings cost more than the row itself.
    email, phone = person.shared_email, person.shared_phone
    if not (email or phone):
        return ""
    links = []
    if email:
        links.append(f'<a href="mailto:{text(email)}">{text(email)}</a>')
    if phone:
        links.append(f'<a href="tel:{text(person.shared_phone_link)}">{text(phone)}</a>')
    return f'<span class="portal-contact"> – {", ".join(links)}</span>'


@register.filter
def contact(person) -> str:
    """What `person` chose to share with the group (User.shared_email, User.shared_phone), and nothing else."""
    return mark_safe(_contact(person)) if person else ""  # noqa: S308 - every value is escaped in _contact


def _practice_people(memberships) -> str:
    if not memberships:
        return "–"
    return "; ".join(
        f"{text(m.user.get_full_name())} ({text(m.role_title)}{', voting contact' if m.is_voting_contact else ''})"
        f"{_contact(m.user)}"
        for m in memberships
    )


NO_PRACTICES = (
    '<tr class="nhsuk-table__row"><td class="nhsuk-table__cell" colspan="4">No practices.</td></tr>'
)


@register.filter
def practice_rows(practices) -> str:
    """The rows of members/includes/practice_table.html: each practice (with `current_memberships` prefetched),
    its ODS code, registered patients and people."""
    address = address_of("members:organisation")
    rows = "".join(
        '<tr class="nhsuk-table__row">'
        + cell("Practice", link(address(p.pk), p.name))
        + cell("ODS code", text(p.ods_code or "–"))
        + cell("Patients", "–" if p.list_size is None else f"{p.list_size:,}", extra_class="nhsuk-table__cell--numeric")
        + cell("People", _practice_people(p.current_memberships))
        + "</tr>\n"
        for p in practices
    )
    return mark_safe(rows or NO_PRACTICES)  # noqa: S308 - every value is escaped above
