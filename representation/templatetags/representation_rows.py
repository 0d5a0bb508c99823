"""The representation pages' long tables, row by row in Python (members.rows says why)."""

from django import template
from django.template.defaultfilters import linebreaksbr, pluralize
from django.urls import NoReverseMatch
from django.utils import timezone
from django.utils.safestring import mark_safe

from members.rows import address, address_of, cell, csrf_input, day_writer, link, text

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


def _summary_row(key: str, value) -> str:
    return (f'<div class="nhsuk-summary-list__row"><dt class="nhsuk-summary-list__key">{key}</dt>'
            f'<dd class="nhsuk-summary-list__value">{value}</dd></div>')


def _lines(value, default: str = "") -> str:
    """As the filters `linebreaksbr|default:…` write it: escaped, each line break a <br>."""
    return linebreaksbr(value, autoescape=True) or default


@register.simple_tag(takes_context=True)
def agenda_items(context):
    """The meeting page's agenda (selectors.meeting_page), a section per item: its briefing (what it rests on, its
    papers, the group's comments and the form to add one), its papers, its feedback, and the buttons of those who
    may use them. templates/representation/includes/agenda_items.html stays as the reference:
    tests/representation/test_agenda_drawing.py requires the same HTML from both."""
    items = context["items"]
    can_write, can_feed_back = context.get("can_write"), context.get("can_feed_back")
    archivable = context.get("can_edit") and len(items) > 1
    url = {name: address_of(f"representation:{name}") for name in (
        "briefing", "comment_add", "feedback", "feedback_decision", "agenda_item_archive")}
    decision_url, priority_url = _published("decisions:item"), _published("priorities:priority")
    papers = template.loader.get_template("includes/papers.html")
    day, zone, csrf = day_writer(), timezone.get_current_timezone(), csrf_input(context)

    def moment(value) -> str:  # as the filter date:"j M Y H:i" writes it
        return f"{day(value)} {value.astimezone(zone):%H:%M}"

    def briefing(item, title: str) -> str:
        b = item.the_briefing
        if not b:
            write = (f' <a href="{url["briefing"](item.pk)}">Write the briefing<span class="nhsuk-u-visually-hidden">'
                     f" for {title}</span></a>" if can_write else "")
            return f"<p>No briefing yet.{write}</p>"
        rests_on = "".join(
            [f"{_linked(decision_url, d.pk, d.title)} (decision)<br>" for d in b.decision_list]
            + [f"{_linked(priority_url, p.pk, p.title)} (priority)<br>" for p in b.priority_list]
        ) or "No decisions or priorities linked"
        out = ['<dl class="nhsuk-summary-list">'
               + _summary_row("General practice position", _lines(b.position))
               + _summary_row("May agree", _lines(b.may_agree))
               + _summary_row("Must come back to the group", _lines(b.must_come_back, "Nothing named"))
               + _summary_row("Red lines", _lines(b.red_lines, "None named"))
               + _summary_row("Rests on", rests_on)
               + _summary_row("Written by", f"{text(b.written_by.get_full_name())}, {moment(b.updated_at)}")
               + "</dl>"]
        if b.paper_list:
            out.append("<h4>Papers behind the briefing</h4>" + papers.render({"papers": b.paper_list}))
        if can_write:
            out.append(f'<p><a href="{url["briefing"](item.pk)}">Change the briefing or add papers to it'
                       f'<span class="nhsuk-u-visually-hidden"> for {title}</span></a></p>')
        out.append("<h4>Comments from the group</h4>")
        out.append("".join(
            f'<div class="nhsuk-inset-text"><p><strong>{text(c.author.get_full_name())}</strong>, '
            f"{moment(c.created_at)}</p><p>{_lines(c.body)}</p></div>" for c in b.visible_comments
        ) or "<p>No comments yet.</p>")
        form = getattr(item, "comment_form", None)
        if form:
            out.append(f'<form method="post" action="{url["comment_add"](b.pk)}#item-{item.pk}" novalidate>{csrf}'
                       f'{form}<button class="nhsuk-button nhsuk-button--secondary" type="submit">Add your comment'
                       f'<span class="nhsuk-u-visually-hidden"> on {title}</span></button></form>')
        return "".join(out)

    def feedback(item, title: str) -> str:
        f = item.the_feedback
        if not f:
            if can_feed_back:
                return (f'<p>No feedback yet. <a href="{url["feedback"](item.pk)}">Write the feedback'
                        f'<span class="nhsuk-u-visually-hidden"> on {title}</span></a></p>')
            return "<p>No feedback yet.</p>"
        sign_off = _lines(f.needs_sign_off, "Nothing")
        if f.sign_off_decision:
            decision = f.sign_off_decision
            sign_off += (f"<br>Draft decision item: {_linked(decision_url, decision.pk, decision.title)} "
                         f'<strong class="nhsuk-tag nhsuk-tag--blue">{text(decision.get_status_display())}</strong>')
        elif f.needs_sign_off and can_write:
            sign_off += (f'<form method="post" action="{url["feedback_decision"](f.pk)}">{csrf}<button class="nhsuk-'
                         'button nhsuk-button--secondary nhsuk-u-margin-top-3 nhsuk-u-margin-bottom-0" type="submit">'
                         'Turn into a draft decision item<span class="nhsuk-u-visually-hidden">: '
                         f"{title}</span></button></form>")
        out = ('<dl class="nhsuk-summary-list">'
               + _summary_row("Discussed", _lines(f.discussed))
               + _summary_row("Agreed on behalf of general practice", _lines(f.agreed, "Nothing"))
               + _summary_row("Needs the group's sign-off", sign_off)
               + _summary_row("Escalations", _lines(f.escalations, "None"))
               + _summary_row("Written by", f"{text(f.written_by.get_full_name())}, {moment(f.updated_at)}")
               + "</dl>")
        if can_feed_back:
            out += (f'<p><a href="{url["feedback"](item.pk)}">Change the feedback<span class="nhsuk-u-visually-hidden">'
                    f" on {title}</span></a></p>")
        return out

    def section(number: int, item) -> str:
        title = text(item.title)
        out = [f'<section id="item-{item.pk}" aria-labelledby="item-{item.pk}-title">',
               f'<h2 id="item-{item.pk}-title">{number}. {title}</h2><h3>Briefing</h3>', briefing(item, title)]
        if item.paper_list:
            out.append("<h3>Papers for this item</h3>" + papers.render({"papers": item.paper_list}))
        out.append("<h3>Feedback</h3>" + feedback(item, title))
        if archivable:
            out.append(f'<form method="post" action="{url["agenda_item_archive"](item.pk)}">{csrf}<button class="'
                       'nhsuk-button nhsuk-button--secondary nhsuk-button--small" type="submit">Take off the agenda'
                       f'<span class="nhsuk-u-visually-hidden">: {title}</span></button></form>')
        return "".join(out) + "</section>"

    return mark_safe("\n".join(section(n, item) for n, item in enumerate(items, 1)))  # noqa: S308 - every text is escaped


_NOBODY = '<strong class="nhsuk-tag nhsuk-tag--orange">Nobody appointed</strong>'
_NO_FORUMS = '<tr class="nhsuk-table__row"><td class="nhsuk-table__cell" colspan="5">No forums yet.</td></tr>'


@register.simple_tag
def forum_rows(forums):
    """The forums page's rows (selectors.forum_list): the forum (ICS-wide or by invitation), host and cadence, its
    current representatives with their terms, its next meeting and how many meetings are late with feedback."""
    if not forums:
        return mark_safe(_NO_FORUMS)
    url, day = address_of("representation:forum"), day_writer()

    def row(forum) -> str:
        marks = (' <strong class="nhsuk-tag nhsuk-tag--purple">ICS-wide</strong>' if forum.ics_id else "") + (
            "" if forum.is_formal_seat else '<br><span class="nhsuk-body-s">By invitation, not a formal seat</span>')
        people = "<br>".join(f"{text(r.user.get_full_name())} ({text(r.get_role_display().lower())}, until "
                             f"{day(r.term_ends_on)})" for r in forum.current_representatives) or _NOBODY
        late = (f'<strong class="nhsuk-tag nhsuk-tag--red">{forum.late_meetings} late</strong>' if forum.late_meetings
                else '<strong class="nhsuk-tag nhsuk-tag--green">Up to date</strong>')
        return ('\n  <tr class="nhsuk-table__row">\n    '
                + cell("Forum", link(url(forum.pk), forum.name) + marks) + "\n    "
                + cell("Host and cadence", f"{text(forum.host.name)}<br>{text(forum.cadence)}") + "\n    "
                + cell("Representative and deputy", people) + "\n    "
                + cell("Next meeting", day(forum.next_meeting_on) or "None added") + "\n    "
                + cell("Feedback", late) + "\n  </tr>\n  ")

    return mark_safe("".join(row(forum) for forum in forums))  # noqa: S308 - every text is escaped


_CRUMB = '<li class="nhsuk-breadcrumb__list-item"><a class="nhsuk-breadcrumb__link" href="{}">{}</a></li>'


@register.simple_tag
def representation_crumbs(forum=None, meeting=None) -> str:
    """The breadcrumbs of a representation page (includes/crumbs.html, kept as the reference: tests/representation/
    test_crumbs.py): Representation, then the forum and the meeting when there are."""
    html = ('<nav class="nhsuk-breadcrumb" aria-label="Breadcrumb">\n  <ol class="nhsuk-breadcrumb__list">\n    '
            + _CRUMB.format(text(address("representation:forums")), "Representation") + "\n    ")
    if forum:
        html += _CRUMB.format(text(address_of("representation:forum")(forum.pk)), text(forum.name))
    html += "\n    "
    if meeting:
        html += _CRUMB.format(text(address_of("representation:meeting")(meeting.pk)),
                              f"Meeting on {day_writer()(meeting.held_on)}")
    return mark_safe(html + "\n  </ol>\n</nav>\n")  # noqa: S308 - every value is escaped
