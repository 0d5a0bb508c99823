"""The representation pages' long tables, row by row in Python (members.rows says why)."""

from django import template
from django.template.defaultfilters import pluralize
from django.urls import NoReverseMatch
from django.utils import timezone
from django.utils.safestring import mark_safe

from members.rows import address_of, cell, day_writer, link, text

register = template.Library()


def _published(name: str):
    """address_of(name), or None while the app has not published that page (as representation_links.link_to)."""
    try:
        return address_of(name)
    except NoReverseMatch:
        return None


def _linked(url, pk, words) -> str:
    return link(url(pk), words) if url else text(words)


def _target(r, day, today) -> str:
    if r.triaged_at:
        tag = ('<strong class="nhsuk-tag nhsuk-tag--red">Target missed</strong>' if r.is_past_target()
               else '<strong class="nhsuk-tag nhsuk-tag--green">Within target</strong>')
        days = r.working_days_to_triage
        return f"{tag} {days} working day{pluralize(days)}"
    if r.is_past_target(today):
        return f'<strong class="nhsuk-tag nhsuk-tag--red">Past target</strong> was due {day(r.triage_due_on)}'
    return f'<strong class="nhsuk-tag nhsuk-tag--blue">Due {day(r.triage_due_on)}</strong>'


@register.simple_tag
def target_tag(r):
    """A request's triage target: when it is due, or whether it was met and in how many working days."""
    return mark_safe(_target(r, day_writer(), timezone.localdate()))  # noqa: S308 - no text but dates


def _rows(requests, last_cells) -> str:
    url, day, today = address_of("representation:request"), day_writer(), timezone.localdate()
    return mark_safe("\n".join(  # noqa: S308 - every text is escaped
        '<tr class="nhsuk-table__row">'
        + cell("Request", link(url(r.pk), r.summary))
        + cell("From", f"{text(r.requester_name)}, {text(r.organisation_name)}")
        + last_cells(r, day, today)
        + "</tr>"
        for r in requests
    ))


def _waiting_cells(r, day, today) -> str:
    return (cell("Received", day(r.received_at)) + cell("Needed by", day(r.needed_by))
            + cell("Triage target", _target(r, day, today)))


def _triaged_cells(r, day, today) -> str:
    outcome = text(r.get_outcome_display())
    if r.redirected_to:
        outcome += f": {text(r.redirected_to.name)}"
    by = text(r.triaged_by.get_full_name()) if r.triaged_by else ""
    return (cell("Outcome", f'{outcome}<br><span class="nhsuk-body-s">by {by}</span>')
            + cell("Triage time", _target(r, day, today)))


@register.simple_tag
def waiting_rows(requests):
    """The queue's rows of requests awaiting triage: request, from, received, needed by, triage target."""
    return _rows(requests, _waiting_cells)


@register.simple_tag
def triaged_rows(requests):
    """The queue's rows of triaged requests: request, from, outcome and who triaged it, triage time."""
    return _rows(requests, _triaged_cells)


_ACTION_TAGS = {
    "done": '<strong class="nhsuk-tag nhsuk-tag--green">Done</strong>',
    "dropped": '<strong class="nhsuk-tag nhsuk-tag--grey">No longer needed</strong>',
    "in_progress": '<strong class="nhsuk-tag nhsuk-tag--blue">In progress</strong>',
}


def _action_tag(a, today) -> str:
    if a.is_overdue(today):
        return f'<strong class="nhsuk-tag nhsuk-tag--red">Overdue</strong> {text(a.get_status_display())}'
    return _ACTION_TAGS.get(a.status, '<strong class="nhsuk-tag nhsuk-tag--white">Not started</strong>')


@register.simple_tag
def action_tag(a):
    """An action's status, overdue first."""
    return mark_safe(_action_tag(a, timezone.localdate()))  # noqa: S308 - our own words


@register.simple_tag
def action_rows(actions):
    """The action log's rows (selectors.action_list): what (a link to the action), owner and support, where it came
    from (a meeting, a decision, a priority), due date and status."""
    action_url, meeting_url = address_of("representation:action"), address_of("representation:meeting")
    decision_url, priority_url = _published("decisions:item"), _published("priorities:priority")
    day, today = day_writer(), timezone.localdate()

    def row(a) -> str:
        people = text(a.owner.get_full_name())
        if a.support:
            people += f"<br>Support: {text(a.support.get_full_name())}"
        origin = ""
        if a.meeting:
            origin += f"{link(meeting_url(a.meeting.pk), f'{a.meeting.forum.name}, {day(a.meeting.held_on)}')}<br>"
        if a.decision_id:
            origin += f"Decision: {_linked(decision_url, a.decision_id, a.decision_title)}<br>"
        if a.priority_id:
            origin += f"Priority: {_linked(priority_url, a.priority_id, a.priority_title)}"
        return ('<tr class="nhsuk-table__row">' + cell("What", link(action_url(a.pk), a.title))
                + cell("Owner and support", people) + cell("From", origin or "–") + cell("Due", day(a.due_on))
                + cell("Status", _action_tag(a, today)) + "</tr>")

    return mark_safe("\n".join(row(a) for a in actions))  # noqa: S308 - every text is escaped


@register.simple_tag
def meeting_action_items(actions):
    """A meeting's first actions (selectors.meeting_page), an item of a list each: what (a link to the action), its
    owner, due date and status; or that there are none yet."""
    if not actions:
        return mark_safe("<li>No actions yet.</li>")
    url, day = address_of("representation:action"), day_writer()
    return mark_safe("".join(  # noqa: S308 - every text is escaped
        f"<li>{link(url(a.pk), a.title)} – {text(a.owner.get_full_name())}, due {day(a.due_on)}, "
        f"{text(a.get_status_display().lower())}</li>"
        for a in actions
    ))


def _feedback_tag(meeting, day, today) -> str:
    if meeting.feedback_completed_at:
        if meeting.was_fed_back_late:
            return '<strong class="nhsuk-tag nhsuk-tag--yellow">Fed back late</strong>'
        return '<strong class="nhsuk-tag nhsuk-tag--green">Fed back</strong>'
    if meeting.is_feedback_late(today):
        return f'<strong class="nhsuk-tag nhsuk-tag--red">Late</strong> was due {day(meeting.feedback_due_on)}'
    if meeting.forum.is_archived:
        return '<strong class="nhsuk-tag nhsuk-tag--grey">Not fed back</strong> not chased: the forum is archived'
    if not meeting.takes_feedback(today):
        return '<strong class="nhsuk-tag nhsuk-tag--blue">Coming up</strong>'
    return f'<strong class="nhsuk-tag nhsuk-tag--grey">Due {day(meeting.feedback_due_on)}</strong>'


@register.simple_tag
def feedback_tag(meeting):
    """A forum meeting's feedback: fed back (late or not), late, not chased, coming up or due."""
    return mark_safe(_feedback_tag(meeting, day_writer(), timezone.localdate()))  # noqa: S308 - no text but dates


@register.simple_tag
def meeting_rows(meetings):
    """A forum's meetings (selectors.forum_page), a row each: the day (a link to the meeting), how many agenda
    items, the feedback."""
    url, day, long_day, today = (address_of("representation:meeting"), day_writer(), day_writer(long=True),
                                 timezone.localdate())
    return mark_safe("\n".join(  # noqa: S308 - no text but dates and numbers
        '<tr class="nhsuk-table__row">' + cell("Date", f'<a href="{url(m.pk)}">{long_day(m.held_on)}</a>')
        + cell("Agenda items", str(m.item_count)) + cell("Feedback", _feedback_tag(m, day, today)) + "</tr>"
        for m in meetings
    ))


@register.simple_tag
def sign_off_items(decisions):
    """The agenda's decisions for sign-off, an item of a list each: its title, a link to it, its tag."""
    url = _published("decisions:item")
    return mark_safe("".join(  # noqa: S308 - every title is escaped
        f'<li>{_linked(url, d.pk, d.title)} <strong class="nhsuk-tag nhsuk-tag--green">Consensus reached</strong></li>'
        for d in decisions
    ))
