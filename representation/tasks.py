"""Background work: thin tasks that take ids and call services. Each is safe to run twice."""

from celery import shared_task
from django.utils import timezone

from . import services


@shared_task
def send_request_email(request_id: int, kind: str) -> bool:
    return services.request_email_send(request_id=request_id, kind=kind)


@shared_task
def send_action_reminder(action_id: int) -> bool:
    return services.action_reminder_send(action_id=action_id)


@shared_task
def queue_action_reminders() -> int:
    """Daily: one reminder task per open action that has fallen due and has not been reminded for that date."""
    action_ids = services.actions_due_for_reminder(today=timezone.localdate())
    for action_id in action_ids:
        send_action_reminder.delay(action_id)
    return len(action_ids)


@shared_task
def gather_next_agenda() -> int:
    """Daily: make sure the next leadership meeting exists and its agenda has gathered what is due."""
    meeting = services.leadership_meeting_next()
    return services.agenda_gather(meeting=meeting)
