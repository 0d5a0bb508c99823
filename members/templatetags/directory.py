"""The directory's repeated parts written in Python: a place's directory lists hundreds of practices, each with its
people, and the template language spends milliseconds on every hundred rows (issue 12: directory, organisation)."""

from django import template
from django.utils.safestring import mark_safe

from members.models import compact_phone
from members.rows import address_of, cell, link, text
from members.selectors import DirectoryPerson

register = template.Library()


def _shared(email: str, phone: str) -> str:
    # What a person shares (User.shared_email, User.shared_phone, or a DirectoryPerson's). Plain strings and
    # members.rows.text: format_html's checks for lazy strings cost more than the row itself.
    if not (email or phone):
        return ""
    links = []
    if email:
        links.append(f'<a href="mailto:{text(email)}">{text(email)}</a>')
    if phone:
        links.append(f'<a href="tel:{text(compact_phone(phone))}">{text(phone)}</a>')
    return f'<span class="portal-contact"> – {", ".join(links)}</span>'


def _contact(person) -> str:
    return _shared(person.shared_email, person.shared_phone)


def _people(memberships) -> list[DirectoryPerson]:
    # The directory reads its people as rows (DirectoryPerson); a practice's page and a search, as memberships.
    return [m if type(m) is DirectoryPerson else DirectoryPerson.of(m) for m in memberships]


@register.filter
def contact(person) -> str:
    """What `person` chose to share with the group (User.shared_email, User.shared_phone), and nothing else."""
    return mark_safe(_contact(person)) if person else ""  # noqa: S308 - every value is escaped in _contact


def _practice_people(memberships) -> str:
    if not memberships:
        return "–"
    return "; ".join(
        f"{text(p.name)} ({text(p.role_title)}{', voting contact' if p.is_voting_contact else ''})"
        f"{_shared(p.email, p.phone)}"
        for p in _people(memberships)
    )


NO_PRACTICES = (
    '<tr class="nhsuk-table__row"><td class="nhsuk-table__cell" colspan="4">No practices.</td></tr>'
)


def practice_rows(practices) -> str:
    """The rows of practice_table: each practice (with `current_memberships` prefetched), its ODS code, registered
    patients and people."""
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
    return rows or NO_PRACTICES


@register.simple_tag
def practice_table(practices, caption) -> str:
    """A table of practices (practice_rows) with its `caption` for screen readers (members/includes/practice_table.html,
    and each PCN of the directory)."""
    return mark_safe(  # noqa: S308 - every value is escaped here and in practice_rows
        '<table class="nhsuk-table-responsive">\n'
        f'  <caption class="nhsuk-table__caption nhsuk-u-visually-hidden">Practices: {text(caption)}</caption>\n'
        '  <thead class="nhsuk-table__head"><tr class="nhsuk-table__row">\n'
        '    <th scope="col" class="nhsuk-table__header">Practice</th>\n'
        '    <th scope="col" class="nhsuk-table__header">ODS code</th>\n'
        '    <th scope="col" class="nhsuk-table__header nhsuk-table__header--numeric">Patients</th>\n'
        '    <th scope="col" class="nhsuk-table__header">People</th>\n'
        '  </tr></thead>\n'
        '  <tbody class="nhsuk-table__body">\n'
        f'  {practice_rows(practices)}\n'
        '  </tbody>\n'
        '</table>'
    )


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def pcn_summary(pcn) -> str:
    """The paragraph under a PCN's heading in the directory (members.selectors.directory_page fills the PCN): its
    open practices and their patients, its ODS code, its people and its seats on the group, with what each person
    shares."""
    ods = f" · ODS {text(pcn.ods_code)}" if pcn.ods_code else ""
    people = "; ".join(f"{text(p.role_title)}: {text(p.name)}{_shared(p.email, p.phone)}"
                       for p in _people(pcn.current_memberships))
    seats = "".join(
        f" Seat on the group: {text(seat.holder.get_full_name()) if seat.holder else 'vacant'}"
        f"{_contact(seat.holder) if seat.holder else ''}"
        f"{f' (deputy {text(seat.deputy.get_full_name())}{_contact(seat.deputy)})' if seat.deputy else ''}."
        for seat in pcn.active_seats
    )
    return (f"<p>{_plural(pcn.practice_count, 'practice')}, {pcn.patients or 0:,} patients{ods}.\n"
            f"{people}{'.' if people else ''}\n{seats}</p>")


def pcn_section(pcn, address) -> str:
    """A PCN's section of the directory: its name, linked to its page (`address`: members:organisation's for an
    id), pcn_summary and its practice_table."""
    return (
        f'<section aria-labelledby="pcn-{pcn.pk}">\n'
        f'<h2 id="pcn-{pcn.pk}"><a href="{address(pcn.pk)}">{text(pcn.name)}</a></h2>\n'
        f"{pcn_summary(pcn)}\n\n{practice_table(pcn.practice_list, pcn.name)}\n\n</section>"
    )


@register.filter
def pcn_sections(pcns) -> str:
    """Each PCN's section (pcn_section), each on lines of its own, as a loop of the template language wrote them."""
    address = address_of("members:organisation")
    return mark_safe("".join(  # noqa: S308 - every value is escaped in pcn_section and the functions it calls
        f"\n{pcn_section(pcn, address)}\n" for pcn in pcns))


@register.filter
def pcn_contents(pcns) -> str:
    """The items of the list of a directory page's PCNs, each linked to its section."""
    return mark_safe("".join(  # noqa: S308 - every value is escaped here
        f'<li class="nhsuk-contents-list__item"><a class="nhsuk-contents-list__link" href="#pcn-{pcn.pk}">'
        f"{text(pcn.name)}</a></li>" for pcn in pcns))


@register.filter
def other_rows(organisations) -> str:
    """The rows of the directory's table of other organisations: each linked to its page, its kind, and its people
    with their roles and what they share."""
    address = address_of("members:organisation")

    def people(memberships) -> str:
        return ", ".join(f"{text(p.name)} ({text(p.role_title)}){_shared(p.email, p.phone)}"
                         for p in _people(memberships)) or "–"

    return mark_safe("".join(  # noqa: S308 - every value is escaped here
        f'<tr class="nhsuk-table__row"><td class="nhsuk-table__cell">{link(address(org.pk), org.name)}</td>'
        f'<td class="nhsuk-table__cell">{text(org.get_kind_display())}</td>'
        f'<td class="nhsuk-table__cell">{people(org.current_memberships)}</td></tr>'
        for org in organisations
    ))
