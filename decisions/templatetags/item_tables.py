"""The long tables of a decision item written in Python: the reach of a published decision by PCN (a row for each
of the place's PCNs, sixty and more) and every position given, which took the template language most of the item
page's time at national scale (issue 12); and its summary, outcome and golden thread, which every item page shows.
The HTML is what the templates wrote (templates/decisions/includes/item_summary.html, outcome.html and
golden_thread.html stay as the reference: tests/decisions/test_item_tables.py)."""

from django import template
from django.template.defaultfilters import date as date_filter
from django.template.defaultfilters import linebreaksbr, truncatechars
from django.urls import reverse
from django.utils import timezone
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe

from members.rows import address, address_of, cell, csrf_input, day_writer, text

from .decision_log import _status_tag

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


def moment_writer(*, long: bool = False):
    """Writes a moment as the `date:"j M Y H:i"` filter does (`long`: as `date:"j F Y H:i"` does), on its local
    day."""
    day, zone = day_writer(long=long), timezone.get_current_timezone()

    def moment(value) -> str:
        local = value.astimezone(zone)
        return f"{day(local)} {local.hour:02d}:{local.minute:02d}"

    return moment


@register.simple_tag
def position_history_rows(records) -> str:
    """The rows of "Every position given" (selectors.item_history's `position_history`): when, round, seat,
    position, given by."""
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


STANCE_TAGS = {"support": "nhsuk-tag--green", "live_with": "nhsuk-tag--aqua-green", "stand_aside": "nhsuk-tag--yellow"}
DECLARED = '<br><strong class="nhsuk-tag nhsuk-tag--orange nhsuk-u-margin-top-2">Declared interest</strong>'
NOT_RESPONDED = '<strong class="nhsuk-tag nhsuk-tag--grey">Not responded</strong>'


def _full_name(person) -> str:
    return text(person.get_full_name()) if person is not None else ""


def _position_cells(position, seat, moment) -> tuple[str, str, str]:
    """The position, reason and responded cells' contents of a seat that gave `position` (the stance tag followed
    by the line end that includes/stance_tag.html ends with)."""
    stance = (f'<strong class="nhsuk-tag {STANCE_TAGS.get(position.stance, "nhsuk-tag--red")}">'
              f'{text(position.get_stance_display())}</strong>\n' + (DECLARED if position.interest_flag else ""))
    if position.reason:
        reason = linebreaksbr(position.reason, autoescape=True) + (
            f'<br><span class="nhsuk-body-s">Principle at stake: {text(position.principle.title)}</span>'
            if position.principle else "")
    else:
        reason = "–"
    if position.interest_flag:
        reason += f'<br><span class="nhsuk-body-s">Interest: {text(position.interest_flag)}</span>'
    responded = (_full_name(position.responded_by)
                 + (" (deputy)" if position.responded_by_id == seat.deputy_id else "")
                 + f", {moment(position.responded_at) if position.responded_at else ''}")
    if position.recorded_by_id:
        responded += (f'<br><span class="nhsuk-body-s">{text(position.get_given_how_display())}, recorded by '
                      f'{_full_name(position.recorded_by)}</span>')
    return stance, reason, responded


@register.simple_tag
def round_position_rows(view, item, can_record) -> str:
    """The rows of a round's "Positions in round N" (selectors.item_discussion's round views): each seat asked,
    its position, reason and who responded, or a link to record a position for it while the round is open."""
    moment, the_round = moment_writer(), view["round"]
    html = ""
    for row in view["rows"]:
        seat, position = row["seat"], row["position"]
        if position:
            stance, reason, responded = _position_cells(position, seat, moment)
        else:
            stance, reason = NOT_RESPONDED, "–"
            if the_round.is_open and can_record:
                url = reverse("decisions:record_for_seat", args=[item.pk, the_round.number, seat.pk])
                responded = (f'<a href="{text(url)}">Record a position given by phone or in the meeting<span '
                             f'class="nhsuk-u-visually-hidden"> for {text(seat.title)}</span></a>')
            else:
                responded = "–"
        html += ('\n    <tr class="nhsuk-table__row">\n      ' + cell("Seat", text(seat.title)) + "\n      "
                 + cell("Position", stance) + "\n      " + cell("Reason", reason) + "\n      "
                 + cell("Responded", responded) + "\n    </tr>\n    ")
    return mark_safe(html)  # noqa: S308 - every value is escaped


OUTCOME_TAGS = {"": "nhsuk-tag--blue", "consensus": "nhsuk-tag--green", "blocked": "nhsuk-tag--red",
                "lapsed": "nhsuk-tag--orange"}
ROUND_OVERDUE = ("<p><strong>The deadline has passed.</strong> The round closes within the hour; the chair can "
                 "close it now.</p>\n    ")
ROUND_CONSENSUS = ("<p><strong>Every seat has responded and none blocks: consensus is reached.</strong> Seats may "
                   "still change their position until the round closes. The chair confirms the outcome.</p>\n    ")
POSITIONS_HEAD = (
    '<thead class="nhsuk-table__head"><tr class="nhsuk-table__row"><th scope="col" class="nhsuk-table__header">Seat'
    '</th><th scope="col" class="nhsuk-table__header">Position</th><th scope="col" class="nhsuk-table__header">Reason'
    '</th><th scope="col" class="nhsuk-table__header">Responded</th></tr></thead>')
CLOSE_NOTE = ('<p class="nhsuk-body-s">Closing applies the rule: consensus if every seat has responded and none '
              'blocks; otherwise the round closes without consensus.</p>')


def _diff(pieces) -> str:
    """includes/diff.html: the words added and removed, marked for screen readers too."""
    html = ""
    for piece in pieces:
        words = text(piece.text)
        if piece.kind == "added":
            html += (f'<ins><span class="nhsuk-u-visually-hidden">[added: </span>{words}<span '
                     'class="nhsuk-u-visually-hidden">]</span></ins>')
        elif piece.kind == "removed":
            html += (f'<del><span class="nhsuk-u-visually-hidden">[removed: </span>{words}<span '
                     'class="nhsuk-u-visually-hidden">]</span></del>')
        else:
            html += words
    return f'<div class="portal-diff nhsuk-body">{html}</div>\n'


def _waiting(view) -> str:
    """What an open round is waiting for."""
    if view["overdue"]:
        return ROUND_OVERDUE
    if view["verdict"].is_consensus:
        return ROUND_CONSENSUS
    asked = len(view["rows"])
    return f'<p>{len(view["missing"])} of {asked} seat{"" if asked == 1 else "s"} still to respond.</p>'


def _my_seats(view, item) -> str:
    """The buttons to give (or change) a position for each of the reader's seats asked in an open round."""
    number = view["round"].number
    links = "".join(
        '<li><a class="nhsuk-button nhsuk-u-margin-bottom-2" '
        f'href="{text(reverse("decisions:respond", args=[item.pk, number, mine["seat"].pk]))}">'
        f'{"Change the position" if mine["position"] else "Record the position"} for {text(mine["seat"].title)}'
        '</a></li>' for mine in view["my_seats"])
    return f'\n  <ul class="nhsuk-list">\n    {links}\n  </ul>\n  '


def _close_form(context, item, number: int) -> str:
    """The chair's button that closes an open round now."""
    action = text(reverse("decisions:round_close", args=[item.pk, number]))
    return (f'\n  <form method="post" action="{action}">\n    {csrf_input(context)}\n'
            '    <button class="nhsuk-button nhsuk-button--secondary" type="submit">'
            f'Close round {number} now</button>\n    {CLOSE_NOTE}\n  </form>\n  ')


def _round_section(view, item, *, first: bool, context, day) -> str:
    """One round's section of includes/rounds.html."""
    r = view["round"]
    number = r.number
    html = (f'\n<section aria-labelledby="round-{number}-heading" class="nhsuk-u-margin-bottom-7">\n'
            f'  <h3 id="round-{number}-heading">Round {number} <strong class="nhsuk-tag '
            f'{OUTCOME_TAGS.get(r.outcome, "nhsuk-tag--grey")}">{text(r.get_outcome_display())}</strong>\n</h3>\n'
            f'  <p>Opened on {day(r.opened_at)} by {_full_name(r.opened_by)}. ')
    if r.is_open:
        deadline = date_filter(timezone.localtime(r.deadline), "l j F Y")
        html += (f"Positions are due by the end of <strong>{deadline}</strong>.</p>\n  \n    {_waiting(view)}"
                 "\n  \n")
    else:
        closed_by = f" by {_full_name(r.closed_by)}" if r.closed_by else ""
        html += f"Closed on {day(r.closed_at)}{closed_by}.</p>\n  \n"
    html += (f'  <details class="nhsuk-details"{" open" if r.is_open or first else ""}>\n'
             '    <summary class="nhsuk-details__summary"><span class="nhsuk-details__summary-text">Wording in round '
             f'{number}</span></summary>\n'
             f'    <div class="nhsuk-details__text"><p class="portal-pre-wrap">{text(r.wording)}</p></div>\n'
             "  </details>\n  ")
    if view["diff"]:
        html += f'\n  <h4>What changed from round {view["previous"].number}</h4>\n  {_diff(view["diff"])}\n  '
    html += "\n  "
    if r.is_open and view["my_seats"]:
        html += _my_seats(view, item)
    html += ('\n  <table class="nhsuk-table-responsive">\n    <caption class="nhsuk-table__caption '
             f'nhsuk-table__caption--s">Positions in round {number}</caption>\n'
             f'    {POSITIONS_HEAD}\n    <tbody class="nhsuk-table__body">\n    '
             f'{round_position_rows(view, item, context.get("can_record"))}\n    </tbody>\n  </table>\n  ')
    if view["missing"]:
        html += (f'<p><strong>Not responded{" yet" if r.is_open else ""}:</strong> '
                 f'{", ".join(text(seat.title) for seat in view["missing"])}.</p>')
    html += "\n  "
    if view["stand_asides"]:
        html += (f'<p><strong>Standing aside:</strong> {", ".join(text(p.seat.title) for p in view["stand_asides"])}.'
                 " Their concerns are recorded above.</p>")
    html += "\n  "
    if r.is_open and context.get("is_chair"):
        html += _close_form(context, item, number)
    return html + "\n</section>\n"


@register.simple_tag(takes_context=True)
def item_rounds(context) -> str:
    """An item's consensus checks, the latest first (includes/rounds.html; selectors.item_discussion's round views):
    each round's outcome, dates, wording and what changed, the reader's own seats to respond for, its positions
    (round_position_rows), who has not responded and who stands aside, and the chair's button to close it."""
    rounds = context.get("rounds")
    if not rounds:
        return "\n"
    item, day = context["item"], day_writer(long=True)
    sections = "".join(_round_section(view, item, first=n == 0, context=context, day=day)
                       for n, view in enumerate(reversed(rounds)))
    return mark_safe(f'\n<h2 id="round">Consensus checks</h2>\n{sections}\n\n')  # noqa: S308 - every value is escaped


HISTORY_HEAD = (
    '<thead class="nhsuk-table__head"><tr class="nhsuk-table__row"><th scope="col" class="nhsuk-table__header">When'
    '</th><th scope="col" class="nhsuk-table__header">Who</th><th scope="col" class="nhsuk-table__header">What '
    'changed</th></tr></thead>')
POSITION_HISTORY_HEAD = (
    '<thead class="nhsuk-table__head"><tr class="nhsuk-table__row"><th scope="col" class="nhsuk-table__header">When'
    '</th><th scope="col" class="nhsuk-table__header">Round</th><th scope="col" class="nhsuk-table__header">Seat</th>'
    '<th scope="col" class="nhsuk-table__header">Position</th><th scope="col" class="nhsuk-table__header">Given by'
    '</th></tr></thead>')
NO_INTERESTS = ('<p>No one has declared an interest on this item. Interests on the <a href="{}">register</a> related '
                'to the organisations it concerns are flagged when people respond.</p>')


def _comments(comments) -> str:
    """The discussion's cards, oldest first, or that there are none."""
    if not comments:
        return "<p>No comments yet.</p>"
    moment = moment_writer(long=True)
    return "".join(
        '\n<div class="nhsuk-card nhsuk-u-margin-bottom-3"><div class="nhsuk-card__content">\n'
        f'  <p class="nhsuk-card__description portal-pre-wrap">{text(c.body)}</p>\n'
        f'  <p class="nhsuk-body-s nhsuk-u-margin-bottom-0">{_full_name(c.author)}, {moment(c.created_at)}</p>\n'
        "</div></div>\n" for c in comments)


def _item_form(context, url_name: str, form, button: str) -> str:
    """The comment or interest form (drawn by the form renderer, as `{{ form }}` draws it)."""
    action = text(address_of(url_name)(context["item"].pk))
    return (f'\n<form method="post" action="{action}" novalidate>\n  {csrf_input(context)}\n'
            f"  {conditional_escape(form)}\n  {button}\n</form>\n")


def _interests(interests) -> str:
    if not interests:
        return NO_INTERESTS.format(text(address("members:declarations")))
    day = day_writer()
    return ('\n<ul class="nhsuk-list nhsuk-list--bullet">' + "".join(
        f'<li>{_full_name(i.user)}: {text(i.interest)} <span class="nhsuk-body-s">({day(i.declared_at)})</span></li>'
        for i in interests) + "</ul>\n")


def _what_changed(row) -> str:
    """A version's changes (selectors.item_history): the first version says it raised the item and its status."""
    changes, last = row["changes"], len(row["changes"]) - 1
    return ("Raised the item. " if row["created"] else "") + "".join(
        f'{text(c["label"])}: {text(truncatechars(c["value"], 120))}{"<br>" if n < last else ""}'
        for n, c in enumerate(changes) if not row["created"] or c["label"] == "Status")


def _history_rows(history) -> str:
    moment = moment_writer()
    html = ""
    for row in history:
        who = row["who"].get_full_name() if row["who"] else ""
        html += ('\n  <tr class="nhsuk-table__row">\n    '
                 + cell("When", moment(row["when"]), extra_class="portal-nowrap") + "\n    "
                 + cell("Who", text(who) if who else "The portal") + "\n    "
                 + cell("What changed", _what_changed(row)) + "\n  </tr>\n  ")
    return html


@register.simple_tag(takes_context=True)
def item_discussion(context) -> str:
    """The item's discussion (its comments and the form to add one), the interests declared on it (and the form to
    declare one), and its history: each change to the item and every position given (includes/discussion.html;
    selectors.item_discussion)."""
    html = ('<h2 id="discussion">Discussion</h2>\n<p class="nhsuk-body-s">Private to the group: argue in private, '
            f'agree in public.</p>\n{_comments(context["comments"])}\n')
    if context.get("can_comment"):
        html += _item_form(context, "decisions:comment_add", context["comment_form"],
                           '<button class="nhsuk-button" type="submit">Add comment</button>')
    html += (f'\n\n<h2 id="interests">Declared interests on this item</h2>\n{_interests(context["interests"])}\n')
    if context.get("can_declare"):
        html += _item_form(context, "decisions:interest_declare", context["interest_form"],
                           '<button class="nhsuk-button nhsuk-button--secondary" type="submit">Declare the interest'
                           "</button>")
    html += ('\n\n<h2 id="history">History</h2>\n<table class="nhsuk-table-responsive">\n'
             '  <caption class="nhsuk-table__caption nhsuk-table__caption--s">Changes to the item, newest first'
             f'</caption>\n  {HISTORY_HEAD}\n  <tbody class="nhsuk-table__body">\n  '
             f'{_history_rows(context["history"])}\n  </tbody>\n</table>\n')
    if context.get("position_history"):
        html += ('\n<table class="nhsuk-table-responsive">\n  <caption class="nhsuk-table__caption '
                 f'nhsuk-table__caption--s">Every position given, newest first</caption>\n  {POSITION_HISTORY_HEAD}'
                 '\n  <tbody class="nhsuk-table__body">\n  '
                 f'{position_history_rows(context["position_history"])}\n  </tbody>\n</table>\n')
    return mark_safe(html + "\n")  # noqa: S308 - every value is escaped


def _titles(objects, attribute: str, none: str) -> str:
    return "; ".join(text(getattr(o, attribute)) for o in objects) or none


def _summary_row(key: str, value: str) -> str:
    return (f'  <div class="nhsuk-summary-list__row"><dt class="nhsuk-summary-list__key">{key}</dt>'
            f'<dd class="nhsuk-summary-list__value">{value}</dd></div>\n')


@register.simple_tag(takes_context=True)
def item_summary(context) -> str:
    """The item's summary list (includes/item_summary.html): question, status, who raised it, lead, principles,
    organisations concerned and its permalink."""
    item, request, last = context["item"], context["request"], context.get("last")
    day, url = day_writer(long=True), address_of("decisions:item")(item.pk)
    lead = item.lead.get_full_name() if item.lead else ""
    return mark_safe(  # noqa: S308 - every value is escaped
        '<dl class="nhsuk-summary-list">\n'
        + _summary_row("Question", linebreaksbr(item.question, autoescape=True))
        + _summary_row("Status", _status_tag(item, last["round"].number if last else None))
        + _summary_row("Raised by", f"{text(item.raised_by.get_full_name())} on {day(item.created_at)}")
        + _summary_row("Lead", text(lead) if lead else "Not named")
        + _summary_row("Principles", _titles(item.principles.all(), "title", "None cited yet"))
        + _summary_row("Organisations concerned", _titles(item.organisations.all(), "name", "None named"))
        + _summary_row("Permalink", f'<a href="{text(url)}">{text(request.scheme)}://{text(request.get_host())}'
                                    f'{text(url)}</a>')
        + "</dl>\n")


ENDED = {"not_agreed": "Not agreed – parked", "withdrawn": "Withdrawn"}


def _card(heading: str, body: str) -> str:
    return ('\n<div class="nhsuk-card nhsuk-card--feature">\n'
            '  <div class="nhsuk-card__content nhsuk-card__content--feature">\n'
            '    <h2 class="nhsuk-card__heading nhsuk-card__heading--feature nhsuk-heading-m">'
            f'{heading}</h2>\n{body}  </div>\n</div>\n')


@register.simple_tag(takes_context=True)
def item_outcome(context) -> str:
    """The card of an agreed or ended item (includes/outcome.html): the decision, or why it ended."""
    item = context["item"]
    day = day_writer(long=True)
    if item.status == "agreed":
        principles = item.principles.all()
        rests_on = f" Rests on: {_titles(principles, 'title', '')}." if principles else ""
        published = f" Published to practices on {day(item.published_at)}." if item.published_at else ""
        html = _card("Decision", (
            f'    <p class="nhsuk-card__description portal-pre-wrap">{text(item.statement)}</p>\n'
            f'    <p class="nhsuk-body-s nhsuk-u-margin-bottom-0">Agreed on {day(item.decided_on)}.{rests_on}'
            f'{published}</p>\n'))
    elif item.status in ("not_agreed", "redirected", "withdrawn"):
        heading = ENDED.get(item.status) or (
            f"Redirected to {text(item.redirected_to.name) if item.redirected_to else ''}")
        decided = (f'<p class="nhsuk-body-s nhsuk-u-margin-bottom-0">On {day(item.decided_on)}.</p>'
                   if item.decided_on else "")
        html = _card(heading, (
            f'    <p class="nhsuk-card__description portal-pre-wrap">{text(item.outcome_reason)}</p>\n'
            f'    {decided}\n'))
    else:
        html = ""
    return mark_safe(html + "\n")  # noqa: S308 - every value is escaped


ACK_TABLE_HEAD = (
    '\n<table class="nhsuk-table">\n'
    '  <caption class="nhsuk-table__caption nhsuk-table__caption--s">Acknowledgement by PCN</caption>\n'
    '  <thead class="nhsuk-table__head"><tr class="nhsuk-table__row"><th scope="col" class="nhsuk-table__header">PCN'
    '</th><th scope="col" class="nhsuk-table__header nhsuk-table__header--numeric">Seen</th><th scope="col" '
    'class="nhsuk-table__header nhsuk-table__header--numeric">Practices</th><th scope="col" '
    'class="nhsuk-table__header nhsuk-table__header--numeric">Rate</th></tr></thead>\n'
    '  <tbody class="nhsuk-table__body">\n  ')


@register.simple_tag(takes_context=True)
def golden_thread(context) -> str:
    """A published decision's reach (includes/golden_thread.html): how many practices have seen it, the reader's
    own practices (seen, or a button to say so) and the table by PCN (selectors.item_acknowledgements)."""
    totals, mine = context["ack_totals"], context["my_practices"]
    html = ('<h2 id="golden-thread">Practices that have seen this decision</h2>\n'
            f'<p>{totals["acknowledged"]} of {totals["practices"]} practices '
            f'({percent(totals["acknowledged"], totals["practices"] or 1)}%) have acknowledged it.</p>\n')
    if mine:
        action = text(address_of("decisions:acknowledge")(context["item"].pk))
        csrf = csrf_input(context)
    for row in mine:
        name = text(row["practice"].name)
        if row["seen"]:
            html += (f'\n  <p><strong class="nhsuk-tag nhsuk-tag--green">Seen</strong> {name} has acknowledged this '
                     'decision.</p>\n  \n')
        else:
            which = f'<p class="nhsuk-body-s">For {name}.</p>' if len(mine) > 1 else ""
            html += (f'\n  \n  <form method="post" action="{action}">\n'
                     f'    {csrf}<input type="hidden" name="practice" value="{row["practice"].pk}">\n'
                     '    <button class="nhsuk-button" type="submit">Our practice has seen this<span '
                     f'class="nhsuk-u-visually-hidden">: {name}</span></button>\n'
                     f'    {which}\n'
                     '  </form>\n  \n')
    return mark_safe(  # noqa: S308 - every value is escaped
        html + ACK_TABLE_HEAD + acknowledgement_rows(context["ack_by_pcn"]) + "\n  </tbody>\n</table>\n")
