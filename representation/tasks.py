"""Background work: thin tasks that call services. Each is safe to run twice; emails go through the outbox."""

from celery import shared_task
from django.utils import timezone

from . import services


@shared_task
def queue_action_reminders() -> int:
    """Daily: one reminder per open action that has fallen due and has not been reminded for that date."""
    return len(services.action_reminders_queue(today=timezone.localdate()))


@shared_task
def gather_next_agenda() -> int:
    """Daily: make sure the next leadership meeting exists and its agenda has gathered what is due."""
    meeting = services.leadership_meeting_next()
    return services.agenda_gather(meeting=meeting)
