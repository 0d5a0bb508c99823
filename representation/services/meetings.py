"""Forum meetings, briefings and feedback."""

from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from decisions.models import DecisionItem
from decisions.services import item_create
from members.models import User

from ..models import AgendaItem, Briefing, BriefingComment, Feedback, Forum, Meeting
from ._common import save_changes


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
        save_changes(meeting, {"held_on": held_on,
                                "feedback_due_on": feedback_due_on(forum=meeting.forum, held_on=held_on)})
    for pk, title in cleaned.items():
        save_changes(items[pk], {"title": title})
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
    save_changes(agenda_item, {"is_archived": True})
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
