"""Actions."""

from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from members import notifications, outbox
from members.models import User

from .. import emails
from ..models import Action, Meeting


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
    action = Action.objects.create(
        title=title.strip(), owner=owner, support=support, due_on=due_on, meeting=meeting, created_by=created_by,
        **links,
    )
    # The owner and the support person hear of it (not the person who gave it to themselves).
    notifications.notify(kind=emails.ACTION_ASSIGNED, about=f"action:{action.pk}", params={"action": action.pk},
                         recipients={p.pk for p in (owner, support) if p is not None and p.pk != created_by.pk})
    return action


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
