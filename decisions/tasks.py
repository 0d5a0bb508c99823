"""Background work for decisions: emails about rounds, and closing rounds whose deadline has passed.

Tasks take ids, re-read the database and are idempotent: each email is a Reminder row, claimed with a
conditional update before it is sent, so a retried or duplicated task never emails a seat twice.
"""

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from . import services
from .models import Position, Reminder


@shared_task
def send_round_emails(round_id: int, kind: str) -> int:
    """Email the seats of a round: all of them when it opens, those yet to respond before the deadline."""
    sent = 0
    for reminder_id in services.reminders_create(round_id=round_id, kind=kind):
        sent += send_reminder(reminder_id)
    return sent


@shared_task
def send_reminder(reminder_id: int) -> int:
    claimed = Reminder.objects.filter(pk=reminder_id, sent_at__isnull=True).update(sent_at=timezone.now())
    if not claimed:
        return 0
    reminder = Reminder.objects.select_related("round__item", "seat__holder", "seat__deputy").get(pk=reminder_id)
    round, seat = reminder.round, reminder.seat
    if not round.is_open:
        return 0
    if reminder.kind == Reminder.Kind.DEADLINE and Position.objects.filter(round=round, seat=seat).exists():
        return 0
    recipients = [person.email for person in (seat.holder, seat.deputy) if person is not None and person.is_active]
    if not recipients:
        return 0
    context = {
        "round": round,
        "item": round.item,
        "seat": seat,
        "link": settings.SITE_URL + reverse("decisions:respond", args=[round.item_id, round.number, seat.pk]),
    }
    template = "round_opened" if reminder.kind == Reminder.Kind.OPENED else "round_reminder"
    subject = (
        f"Consensus check open: {round.item.title}"
        if reminder.kind == Reminder.Kind.OPENED
        else f"Reminder: {seat.title} has not responded on {round.item.title}"
    )
    try:
        send_mail(
            f"{settings.ACCOUNT_EMAIL_SUBJECT_PREFIX}{subject}",
            render_to_string(f"decisions/email/{template}.txt", context),
            None,
            recipients,
        )
    except Exception:
        # Give the claim back so that the next run tries again.
        Reminder.objects.filter(pk=reminder_id).update(sent_at=None)
        raise
    return 1


@shared_task
def round_housekeeping() -> dict:
    """Hourly: close rounds whose deadline passed (without consensus if seats are missing), then remind seats
    that have not responded when a deadline is two days away or less."""
    closed = services.rounds_close_overdue()
    reminded = 0
    for round_id in services.rounds_due_a_reminder():
        reminded += send_round_emails(round_id, Reminder.Kind.DEADLINE)
    return {"closed": closed, "reminded": reminded}
