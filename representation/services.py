"""Writes and rules for representation and the single point of access. Views, tasks, admin and the demo
all go through these functions."""

from datetime import date, datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from decisions.models import DecisionItem
from decisions.services import item_create
from members import outbox
from members.models import Organisation, User

from . import emails
from .models import (
    TRIAGE_TARGET_WORKING_DAYS,
    Action,
    AgendaItem,
    Briefing,
    BriefingComment,
    Feedback,
    Forum,
    LeadershipAgendaItem,
    LeadershipMeeting,
    Meeting,
    Relationship,
    RepresentationLead,
    Representative,
    Request,
    Review,
    add_working_days,
)

# The leadership group meets weekly on this weekday (Monday is 0); system partners have a slot in even ISO weeks.
LEADERSHIP_MEETING_WEEKDAY = 2


# Forums, representatives, leads and relationships ---------------------------------------------------------


@transaction.atomic
def forum_create(
    *, name: str, host: Organisation, cadence: str, is_formal_seat: bool, purpose: str = "",
    feedback_due_days: int = 7,
) -> Forum:
    name = name.strip()
    if Forum.objects.filter(name__iexact=name).exists():
        raise ValidationError({"name": "There is already a forum with this name."})
    return Forum.objects.create(
        name=name, host=host, cadence=cadence.strip(), is_formal_seat=is_formal_seat, purpose=purpose.strip(),
        feedback_due_days=feedback_due_days,
    )


@transaction.atomic
def representative_appoint(
    *, forum: Forum, user: User, role: str, term_starts_on: date, term_ends_on: date
) -> Representative:
    """Appoint a representative or deputy; whoever held that role on the forum stands down the day before."""
    if term_ends_on <= term_starts_on:
        raise ValidationError({"term_ends_on": "The term must end after it starts."})
    Forum.objects.select_for_update().get(pk=forum.pk)
    for previous in Representative.objects.current().select_for_update().filter(forum=forum, role=role):
        previous.stood_down_on = max(term_starts_on - timedelta(days=1), previous.term_starts_on)
        previous.save(update_fields=["stood_down_on"])
    return Representative.objects.create(
        forum=forum, user=user, role=role, term_starts_on=term_starts_on, term_ends_on=term_ends_on
    )


@transaction.atomic
def representative_stand_down(*, representative: Representative, stood_down_on: date | None = None) -> Representative:
    representative = Representative.objects.select_for_update().get(pk=representative.pk)
    if representative.stood_down_on is None:
        representative.stood_down_on = max(stood_down_on or timezone.localdate(), representative.term_starts_on)
        representative.save(update_fields=["stood_down_on"])
    return representative


def lead_name(*, user: User) -> RepresentationLead:
    """Name a representation lead in a free slot. The database refuses a third lead or the same person twice."""
    try:
        with transaction.atomic():
            taken = set(
                RepresentationLead.objects.current()
                .select_for_update()
                .values_list("slot", flat=True)
            )
            free = [slot for slot in RepresentationLead.Slot.values if slot not in taken]
            if not free:
                raise ValidationError("The group already has two representation leads. End one first.")
            return RepresentationLead.objects.create(user=user, slot=free[0])
    except IntegrityError:
        raise ValidationError("This person is already a representation lead, or both places are taken.") from None


@transaction.atomic
def lead_end(*, lead: RepresentationLead) -> RepresentationLead:
    lead = RepresentationLead.objects.select_for_update().get(pk=lead.pk)
    if lead.ended_on is None:
        lead.ended_on = timezone.localdate()
        lead.save(update_fields=["ended_on"])
    return lead


@transaction.atomic
def forum_update(
    *, forum: Forum, name: str, host: Organisation, cadence: str, is_formal_seat: bool, purpose: str = "",
    feedback_due_days: int = 7,
) -> Forum:
    """Correct a forum's details. Meetings already added keep the feedback due date they were given."""
    forum = Forum.objects.select_for_update().get(pk=forum.pk)
    name = name.strip()
    if Forum.objects.filter(name__iexact=name).exclude(pk=forum.pk).exists():
        raise ValidationError({"name": "There is already a forum with this name."})
    _save_changes(forum, {
        "name": name, "host": host, "cadence": cadence.strip(), "is_formal_seat": is_formal_seat,
        "purpose": purpose.strip(), "feedback_due_days": feedback_due_days,
    })
    return forum


@transaction.atomic
def forum_archive(*, forum: Forum) -> Forum:
    """Take a forum off the list. Nothing is deleted: its meetings, briefings and feedback stay on record."""
    forum = Forum.objects.select_for_update().get(pk=forum.pk)
    _save_changes(forum, {"is_archived": True})
    return forum


def _save_changes(instance, values: dict) -> list[str]:
    """Set the values that differ and save only those, so that history records a row only for a real change."""
    changed = [field for field, value in values.items() if getattr(instance, field) != value]
    for field in changed:
        setattr(instance, field, values[field])
    if changed:
        instance.save(update_fields=changed)
    return changed


@transaction.atomic
def relationship_record(
    *, organisation: Organisation, contact_name: str, contact_role: str, held_by: User, notes: str = ""
) -> Relationship:
    return Relationship.objects.create(
        organisation=organisation, contact_name=contact_name.strip(), contact_role=contact_role.strip(),
        held_by=held_by, notes=notes.strip(),
    )


@transaction.atomic
def relationship_update(
    *, relationship: Relationship, organisation: Organisation, contact_name: str, contact_role: str, held_by: User,
    notes: str = "",
) -> Relationship:
    relationship = Relationship.objects.select_for_update().get(pk=relationship.pk)
    _save_changes(relationship, {
        "organisation": organisation, "contact_name": contact_name.strip(), "contact_role": contact_role.strip(),
        "held_by": held_by, "notes": notes.strip(),
    })
    return relationship


@transaction.atomic
def relationship_archive(*, relationship: Relationship) -> Relationship:
    relationship = Relationship.objects.select_for_update().get(pk=relationship.pk)
    _save_changes(relationship, {"is_archived": True})
    return relationship


# Forum meetings, briefings and feedback -----------------------------------------------------------------------


def feedback_due_on(*, forum: Forum, held_on: date) -> date:
    """Feedback on a meeting falls due the forum's set number of calendar days after it."""
    return held_on + timedelta(days=forum.feedback_due_days)


@transaction.atomic
def meeting_create(*, forum: Forum, held_on: date, agenda: list[str], created_by: User) -> Meeting:
    """Add a forum meeting with its agenda. Feedback falls due the forum's set number of days after it."""
    titles = [title.strip() for title in agenda if title.strip()]
    if not titles:
        raise ValidationError({"agenda": "List at least one agenda item, one per line."})
    if Meeting.objects.current().filter(forum=forum, held_on=held_on).exists():
        raise ValidationError({"held_on": "This forum already has a meeting on that date."})
    meeting = Meeting.objects.create(
        forum=forum, held_on=held_on, feedback_due_on=feedback_due_on(forum=forum, held_on=held_on),
        created_by=created_by,
    )
    for position, title in enumerate(titles, start=1):
        AgendaItem.objects.create(meeting=meeting, title=title[:250], position=position)
    return meeting


@transaction.atomic
def meeting_update(
    *, meeting: Meeting, held_on: date, titles: dict[int, str], today: date | None = None
) -> Meeting:
    """Correct a meeting's date and the titles of its agenda items (keyed by agenda item id). Moving the date
    moves the feedback due date with it, by the same rule as when the meeting was added."""
    today = today or timezone.localdate()
    meeting = Meeting.objects.select_for_update().select_related("forum").get(pk=meeting.pk)
    items = {item.pk: item for item in AgendaItem.objects.select_for_update().filter(meeting=meeting,
                                                                                      is_archived=False)}
    cleaned = {pk: title.strip()[:250] for pk, title in titles.items() if pk in items}
    if any(not title for title in cleaned.values()):
        raise ValidationError("Give every agenda item a title, or take it off the agenda.")
    if held_on != meeting.held_on:
        if Meeting.objects.current().filter(forum=meeting.forum, held_on=held_on).exclude(pk=meeting.pk).exists():
            raise ValidationError({"held_on": "This forum already has a meeting on that date."})
        # Feedback is written on or after the day of the meeting, so a meeting with feedback cannot move ahead.
        if held_on > today and Feedback.objects.filter(agenda_item__meeting=meeting).exists():
            raise ValidationError(
                {"held_on": "Feedback has been written on this meeting, so it cannot move to a future date."}
            )
        _save_changes(meeting, {"held_on": held_on,
                                "feedback_due_on": feedback_due_on(forum=meeting.forum, held_on=held_on)})
    for pk, title in cleaned.items():
        _save_changes(items[pk], {"title": title})
    return meeting


@transaction.atomic
def agenda_item_archive(*, agenda_item: AgendaItem) -> AgendaItem:
    """Take an item off a meeting's agenda. Its briefing and feedback stay on record; a meeting keeps at least
    one item, and if every item left has feedback the meeting is fed back."""
    meeting = Meeting.objects.select_for_update().get(pk=agenda_item.meeting_id)
    agenda_item = AgendaItem.objects.select_for_update().get(pk=agenda_item.pk)
    if agenda_item.is_archived:
        return agenda_item
    if not AgendaItem.objects.filter(meeting=meeting, is_archived=False).exclude(pk=agenda_item.pk).exists():
        raise ValidationError("A meeting needs at least one agenda item, so the last one cannot be taken off.")
    _save_changes(agenda_item, {"is_archived": True})
    _mark_fed_back_if_complete(meeting)
    return agenda_item


def _mark_fed_back_if_complete(meeting: Meeting) -> None:
    """A meeting is fed back when every item on its agenda has feedback. The caller holds the meeting's lock."""
    if meeting.feedback_completed_at is None:
        items = AgendaItem.objects.filter(meeting=meeting, is_archived=False)
        if not items.filter(feedback__isnull=True).exists():
            meeting.feedback_completed_at = timezone.now()
            meeting.save(update_fields=["feedback_completed_at"])


@transaction.atomic
def agenda_item_add(*, meeting: Meeting, title: str) -> AgendaItem:
    meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
    last = meeting.agenda_items.aggregate(last=Max("position"))["last"] or 0
    item = AgendaItem.objects.create(meeting=meeting, title=title.strip()[:250], position=last + 1)
    if meeting.feedback_completed_at:
        # A new item has no feedback yet, so the meeting is no longer fully fed back.
        meeting.feedback_completed_at = None
        meeting.save(update_fields=["feedback_completed_at"])
    return item


@transaction.atomic
def briefing_save(
    *, agenda_item: AgendaItem, written_by: User, position: str, may_agree: str, must_come_back: str = "",
    red_lines: str = "", decisions=(), priorities=(),
) -> Briefing:
    """Write or rewrite the briefing for an agenda item. History keeps every version."""
    briefing = Briefing.objects.select_for_update().filter(agenda_item=agenda_item).first()
    values = {
        "position": position.strip(), "may_agree": may_agree.strip(), "must_come_back": must_come_back.strip(),
        "red_lines": red_lines.strip(), "written_by": written_by, "updated_at": timezone.now(),
    }
    if briefing is None:
        briefing = Briefing.objects.create(agenda_item=agenda_item, **values)
    else:
        for field, value in values.items():
            setattr(briefing, field, value)
        briefing.save(update_fields=list(values))
    _set_briefing_links(briefing, decisions=decisions, priorities=priorities)
    return briefing


def _set_briefing_links(briefing: Briefing, *, decisions, priorities) -> None:
    briefing.decisions.set(decisions)
    briefing.priorities.set(priorities)


@transaction.atomic
def briefing_comment_add(*, briefing: Briefing, author: User, body: str, today: date | None = None) -> BriefingComment:
    """The group comments on a briefing until the day of the meeting; after that, feedback takes over."""
    today = today or timezone.localdate()
    if not briefing.agenda_item.meeting.takes_comments(today):
        raise ValidationError("The meeting has happened, so the briefing is closed for comments.")
    body = body.strip()
    if not body:
        raise ValidationError({"body": "Enter your comment."})
    return BriefingComment.objects.create(briefing=briefing, author=author, body=body)


@transaction.atomic
def feedback_save(
    *, agenda_item: AgendaItem, written_by: User, discussed: str, agreed: str = "", needs_sign_off: str = "",
    escalations: str = "", today: date | None = None,
) -> Feedback:
    """Record what happened on an agenda item. When every item has feedback the meeting is fed back."""
    today = today or timezone.localdate()
    meeting = Meeting.objects.select_for_update().get(pk=agenda_item.meeting_id)
    if not meeting.takes_feedback(today):
        raise ValidationError("Feedback can be written on or after the day of the meeting.")
    feedback = Feedback.objects.select_for_update().filter(agenda_item=agenda_item).first()
    values = {
        "discussed": discussed.strip(), "agreed": agreed.strip(), "needs_sign_off": needs_sign_off.strip(),
        "escalations": escalations.strip(), "written_by": written_by, "updated_at": timezone.now(),
    }
    if feedback is None:
        feedback = Feedback.objects.create(agenda_item=agenda_item, **values)
    else:
        if feedback.sign_off_decision_id and not values["needs_sign_off"]:
            raise ValidationError(
                {"needs_sign_off": "This has already become a decision item, so it cannot be left empty."}
            )
        for field, value in values.items():
            setattr(feedback, field, value)
        feedback.save(update_fields=list(values))
    _mark_fed_back_if_complete(meeting)
    return feedback


@transaction.atomic
def feedback_raise_decision(*, feedback: Feedback, raised_by: User) -> DecisionItem:
    """Turn what a forum meeting's feedback says needs the group's sign-off into a draft decision item.
    Raising it twice gives back the same item."""
    feedback = Feedback.objects.select_for_update().select_related("agenda_item__meeting__forum").get(pk=feedback.pk)
    if feedback.sign_off_decision_id:
        return feedback.sign_off_decision
    if not feedback.needs_sign_off:
        raise ValidationError("This feedback has nothing that needs the group's sign-off.")
    item = feedback.agenda_item
    meeting = item.meeting
    background = (
        f"From the feedback on \"{item.title}\" at {meeting.forum.name} on {meeting.held_on:%-d %B %Y}.\n\n"
        f"What was discussed: {feedback.discussed}"
    )
    if feedback.agreed:
        background += f"\n\nWhat was agreed on behalf of general practice: {feedback.agreed}"
    decision = item_create(
        raised_by=raised_by, title=f"Sign-off: {item.title}"[:200], question=feedback.needs_sign_off,
        background=background,
    )
    feedback.sign_off_decision = decision
    feedback.save(update_fields=["sign_off_decision"])
    return decision


# Actions ----------------------------------------------------------------------------------------------------------


@transaction.atomic
def action_create(
    *, created_by: User, title: str, owner: User, due_on: date, support: User | None = None,
    meeting: Meeting | None = None, decision=None, priority=None,
) -> Action:
    if due_on < timezone.localdate():
        raise ValidationError({"due_on": "The due date must be today or in the future."})
    links = {}
    if decision is not None:
        links["decision"] = decision
    if priority is not None:
        links["priority"] = priority
    return Action.objects.create(
        title=title.strip(), owner=owner, support=support, due_on=due_on, meeting=meeting, created_by=created_by,
        **links,
    )


@transaction.atomic
def action_update(*, action: Action, status: str, completion_note: str = "", due_on: date | None = None) -> Action:
    """Move an action on. Closing it (done, or no longer needed) needs a note that says how."""
    action = Action.objects.select_for_update().get(pk=action.pk)
    completion_note = completion_note.strip()
    closing = status not in Action.OPEN_STATUSES
    if closing and not completion_note:
        raise ValidationError({"completion_note": "Say what was done, or why it is no longer needed."})
    action.status = status
    action.completion_note = completion_note if closing else action.completion_note
    if closing:
        action.completed_at = action.completed_at or timezone.now()
    else:
        action.completed_at = None
        action.completion_note = ""
    fields = ["status", "completion_note", "completed_at"]
    if due_on and due_on != action.due_on:
        action.due_on = due_on
        fields.append("due_on")
    action.save(update_fields=fields)
    return action


def action_reminders_queue(*, today: date) -> list[int]:
    """Queue a reminder for every open action that falls due today or earlier and has had none for its current
    due date. Returns the outbox ids it created."""
    due = Action.objects.open().filter(due_on__lte=today).values_list("pk", "due_on")
    return outbox.enqueue_many([
        {"key": emails.action_due_key(action_id=pk, due_on=due_on), "kind": emails.ACTION_DUE,
         "params": {"action": pk, "due_on": due_on.isoformat()}}
        for pk, due_on in due
    ])


# Reviews --------------------------------------------------------------------------------------------------------


@transaction.atomic
def review_record(
    *, representative: Representative, recorded_by: User, reviewed_on: date, working_well: str,
    overstepped_mandate: str = "", thin_feedback: str = "", next_steps: str = "",
) -> Review:
    if reviewed_on > timezone.localdate():
        raise ValidationError({"reviewed_on": "A review is recorded on or after the day it took place."})
    return Review.objects.create(
        representative=representative, recorded_by=recorded_by, reviewed_on=reviewed_on,
        working_well=working_well.strip(), overstepped_mandate=overstepped_mandate.strip(),
        thin_feedback=thin_feedback.strip(), next_steps=next_steps.strip(),
    )


# Requests: the single point of access ---------------------------------------------------------------------------


def triage_due_on(received_at: datetime) -> date:
    return add_working_days(timezone.localtime(received_at).date(), TRIAGE_TARGET_WORKING_DAYS)


def _queue_request_email(request: Request, kind: str) -> None:
    outbox.enqueue(key=emails.request_key(request_id=request.pk, kind=kind), kind=kind,
                   params={"request": request.pk})


FORM_ALREADY_SENT = (
    "This form has already been sent, so it was not sent again. To send another request, check your answers "
    "and send the form below."
)


def check_request_fields(*, needed_by: date, received_at: datetime | None = None) -> None:
    """What a request must say, whoever sends it: the public form asks this too, to show every problem at once."""
    received_at = received_at or timezone.now()
    if needed_by < timezone.localtime(received_at).date():
        raise ValidationError({"needed_by": "The date you need a response by must be today or in the future."})


@transaction.atomic
def request_submit(
    *, requester_name: str, requester_email: str, requester_role: str, organisation_name: str, summary: str,
    details: str, needed_by: date, received_at: datetime | None = None, form_nonce: str | None = None,
) -> Request:
    """A system partner's request arrives; they get an acknowledgement by email. A form (its nonce) is sent once."""
    received_at = received_at or timezone.now()
    check_request_fields(needed_by=needed_by, received_at=received_at)
    if form_nonce and Request.objects.filter(form_nonce=form_nonce).exists():
        raise ValidationError(FORM_ALREADY_SENT)
    try:
        # The savepoint keeps the caller's transaction usable if two copies of one form race to the constraint.
        with transaction.atomic():
            request = Request.objects.create(
                requester_name=requester_name.strip(), requester_email=requester_email.strip().lower(),
                requester_role=requester_role.strip(), organisation_name=organisation_name.strip(),
                summary=summary.strip(), details=details.strip(), needed_by=needed_by, received_at=received_at,
                triage_due_on=triage_due_on(received_at), form_nonce=form_nonce or None,
            )
    except IntegrityError:
        raise ValidationError(FORM_ALREADY_SENT) from None
    _queue_request_email(request, emails.REQUEST_ACKNOWLEDGEMENT)
    return request


def check_awaiting_triage(request: Request) -> None:
    """A request is triaged once: the requester has been told its outcome."""
    if request.outcome:
        raise ValidationError("This request has already been triaged.")


@transaction.atomic
def request_triage(
    *, request: Request, triaged_by: User, outcome: str, outcome_reason: str = "",
    redirected_to: Organisation | None = None, today: date | None = None,
) -> Request:
    """Triage a request to exactly one outcome; the requester is told it by email. A request is triaged once."""
    request = Request.objects.select_for_update().get(pk=request.pk)
    check_awaiting_triage(request)
    if outcome not in Request.Outcome.values:
        raise ValidationError({"outcome": "Choose an outcome."})
    outcome_reason = outcome_reason.strip()
    errors = {}
    if outcome in Request.REASON_REQUIRED and not outcome_reason:
        errors["outcome_reason"] = "Say why, so that the requester knows what to do next."
    if outcome == Request.Outcome.REDIRECTED:
        if redirected_to is None:
            errors["redirected_to"] = "Choose the member organisation the request goes to."
        elif redirected_to.kind in Organisation.SYSTEM_PARTNER_KINDS:
            errors["redirected_to"] = "Redirect to a member organisation of general practice."
    else:
        redirected_to = None
    if errors:
        raise ValidationError(errors)
    request.outcome = outcome
    request.outcome_reason = outcome_reason
    request.redirected_to = redirected_to
    request.triaged_by = triaged_by
    request.triaged_at = timezone.now()
    request.save(update_fields=["outcome", "outcome_reason", "redirected_to", "triaged_by", "triaged_at"])
    if outcome == Request.Outcome.AGENDA:
        meeting = leadership_meeting_for_partners(today=today)
        agenda_gather(meeting=meeting)
    _queue_request_email(request, emails.REQUEST_OUTCOME)
    return request


# The leadership meeting agenda ----------------------------------------------------------------------------------


def has_partner_slot_on(day: date) -> bool:
    return day.isocalendar().week % 2 == 0


def next_meeting_date(today: date) -> date:
    return today + timedelta(days=(LEADERSHIP_MEETING_WEEKDAY - today.weekday()) % 7)


@transaction.atomic
def leadership_meeting_next(*, today: date | None = None) -> LeadershipMeeting:
    """The next leadership meeting (today or later), scheduled on the weekly pattern if none is."""
    today = today or timezone.localdate()
    meeting = LeadershipMeeting.objects.upcoming(today).first()
    if meeting:
        return meeting
    day = next_meeting_date(today)
    meeting, _ = LeadershipMeeting.objects.get_or_create(
        meets_on=day, defaults={"has_partner_slot": has_partner_slot_on(day)}
    )
    return meeting


@transaction.atomic
def leadership_meeting_for_partners(*, today: date | None = None) -> LeadershipMeeting:
    """The next leadership meeting with a slot for system partners: where triaged requests are heard."""
    today = today or timezone.localdate()
    meeting = LeadershipMeeting.objects.upcoming(today).filter(has_partner_slot=True).first()
    if meeting:
        return meeting
    day = next_meeting_date(today)
    for _ in range(8):
        if has_partner_slot_on(day):
            meeting, _created = LeadershipMeeting.objects.get_or_create(
                meets_on=day, defaults={"has_partner_slot": True}
            )
            if meeting.has_partner_slot and not meeting.is_archived:
                return meeting
        day += timedelta(days=7)
    raise ValidationError("No leadership meeting with a slot for system partners could be scheduled.")


def _agenda_candidates(meeting: LeadershipMeeting, today: date) -> list[dict]:
    """What the agenda for `meeting` gathers that is not on it yet, in the order it is added."""
    on_agenda = LeadershipAgendaItem.objects.filter(meeting=meeting)
    candidates = []
    if meeting.has_partner_slot:
        requests = (
            Request.objects.filter(outcome=Request.Outcome.AGENDA, is_archived=False)
            .exclude(pk__in=LeadershipAgendaItem.objects.filter(request__isnull=False).values("request"))
            .order_by("triaged_at")
        )
        candidates += [
            {"kind": LeadershipAgendaItem.Kind.REQUEST, "request": r,
             "title": f"{r.summary} ({r.organisation_name})"}
            for r in requests
        ]
    candidates += _decision_candidates(meeting)
    feedback = (
        Feedback.objects.exclude(needs_sign_off="")
        .filter(agenda_item__is_archived=False, agenda_item__meeting__is_archived=False)
        .exclude(pk__in=LeadershipAgendaItem.objects.filter(feedback__isnull=False).values("feedback"))
        .select_related("agenda_item__meeting__forum")
        .order_by("agenda_item__meeting__held_on", "pk")
    )
    candidates += [
        {"kind": LeadershipAgendaItem.Kind.SIGN_OFF, "feedback": f,
         "title": f"Sign-off: {f.agenda_item.title} ({f.agenda_item.meeting.forum.name})"}
        for f in feedback
    ]
    actions = Action.objects.overdue(today).exclude(pk__in=on_agenda.filter(action__isnull=False).values("action"))
    candidates += [
        {"kind": LeadershipAgendaItem.Kind.ACTION, "action": a, "title": f"Overdue action: {a.title}"}
        for a in actions.order_by("due_on", "pk")
    ]
    return candidates


def _decision_candidates(meeting: LeadershipMeeting) -> list[dict]:
    items = (
        DecisionItem.objects.in_consensus_check()
        .exclude(pk__in=LeadershipAgendaItem.objects.filter(meeting=meeting, decision__isnull=False).values("decision"))
        .order_by("pk")
    )
    return [
        {"kind": LeadershipAgendaItem.Kind.DECISION, "decision": item, "title": f"Consensus check: {item.title}"}
        for item in items
    ]


@transaction.atomic
def agenda_gather(*, meeting: LeadershipMeeting, today: date | None = None) -> int:
    """Add to the agenda what it gathers: triaged requests (partner weeks only), items in a consensus check,
    feedback needing sign-off and overdue actions. Items already on it, or removed from it, stay as they are.
    Returns how many were added."""
    today = today or timezone.localdate()
    meeting = LeadershipMeeting.objects.select_for_update().get(pk=meeting.pk)
    last = meeting.items.filter(is_archived=False).aggregate(last=Max("position"))["last"] or 0
    candidates = _agenda_candidates(meeting, today)
    for offset, candidate in enumerate(candidates, start=1):
        candidate["title"] = candidate["title"][:250]
        LeadershipAgendaItem.objects.create(meeting=meeting, position=last + offset, **candidate)
    return len(candidates)


@transaction.atomic
def agenda_item_add_other(*, meeting: LeadershipMeeting, title: str) -> LeadershipAgendaItem:
    meeting = LeadershipMeeting.objects.select_for_update().get(pk=meeting.pk)
    last = meeting.items.filter(is_archived=False).aggregate(last=Max("position"))["last"] or 0
    return LeadershipAgendaItem.objects.create(
        meeting=meeting, kind=LeadershipAgendaItem.Kind.OTHER, title=title.strip()[:250], position=last + 1
    )


@transaction.atomic
def agenda_item_move(*, item: LeadershipAgendaItem, direction: str) -> LeadershipAgendaItem:
    """Swap an item with its neighbour above ("up") or below ("down"). At the top or bottom nothing changes."""
    if direction not in ("up", "down"):
        raise ValidationError("Choose to move the item up or down.")
    LeadershipMeeting.objects.select_for_update().get(pk=item.meeting_id)
    item = LeadershipAgendaItem.objects.get(pk=item.pk)
    siblings = LeadershipAgendaItem.objects.filter(meeting_id=item.meeting_id, is_archived=False)
    if direction == "up":
        neighbour = siblings.filter(position__lt=item.position).order_by("-position").first()
    else:
        neighbour = siblings.filter(position__gt=item.position).order_by("position").first()
    if neighbour is None:
        return item
    mine, theirs = item.position, neighbour.position
    # Positions are unique per agenda, so one item steps aside (position 0 is never used) during the swap.
    item.position = 0
    item.save(update_fields=["position"])
    neighbour.position = mine
    neighbour.save(update_fields=["position"])
    item.position = theirs
    item.save(update_fields=["position"])
    return item


@transaction.atomic
def agenda_item_remove(*, item: LeadershipAgendaItem) -> LeadershipAgendaItem:
    """Take an item off the agenda. It is kept (archived), so gathering does not add it back."""
    LeadershipMeeting.objects.select_for_update().get(pk=item.meeting_id)
    item = LeadershipAgendaItem.objects.get(pk=item.pk)
    if not item.is_archived:
        item.is_archived = True
        item.save(update_fields=["is_archived"])
    return item
