"""Background work: thin tasks that call services. Each is safe to run twice; emails go through the outbox."""

from celery import shared_task
from django.utils import timezone

from members import places

from . import services


@shared_task
def queue_action_reminders() -> int:
    """Daily, in every place: one reminder per open action that has fallen due and has not been reminded for that
    date."""
    today = timezone.localdate()
    return sum(places.each_place(lambda: len(services.action_reminders_queue(today=today))).values())


@shared_task
def gather_next_agenda() -> int:
    """Daily, in every place: make sure its next leadership meeting exists and its agenda has gathered what is due."""
    return sum(places.each_place(
        lambda: services.agenda_gather(meeting=services.leadership_meeting_next())
    ).values())
