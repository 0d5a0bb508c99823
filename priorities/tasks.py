"""Background work for priority setting: ballot receipts, the 48-hour reminder and closing on time.

Tasks take ids, read the database again, and are idempotent: each email is a Notification row that the task
claims with a conditional update before sending.
"""

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from members.models import Membership

from . import services
from .models import Ballot, Notification


@shared_task
def send_notification(notification_id: int) -> str:
    """Send one receipt or reminder, once. Returns what happened, for the worker's log and the tests."""
    claimed = Notification.objects.filter(pk=notification_id, claimed_at__isnull=True).update(
        claimed_at=timezone.now()
    )
    if not claimed:
        return "already claimed"
    notification = Notification.objects.select_related("exercise", "practice").get(pk=notification_id)
    exercise, practice = notification.exercise, notification.practice
    context = {
        "exercise": exercise,
        "practice": practice,
        "link": settings.SITE_URL + reverse("priorities:exercise", args=[exercise.pk]),
    }
    if notification.kind == Notification.Kind.RECEIPT:
        ballot = Ballot.objects.filter(exercise=exercise, practice=practice).select_related("cast_by").first()
        if ballot is None or ballot.revision != notification.revision:
            # The practice changed its ballot again before this went out; the newer receipt follows.
            return _finish(notification, "", "superseded")
        titles = dict(exercise.candidates.values_list("pk", "title"))
        context.update(ballot=ballot, lines=services.describe_choices(exercise, ballot.choices, titles))
        subject = f"Receipt: {practice.name}'s ballot on {exercise.title}"
        template = "priorities/email/receipt.txt"
    else:
        if not exercise.accepts_votes() or exercise.ballots.filter(practice=practice).exists():
            return _finish(notification, "", "no longer needed")
        subject = f"Reminder: {practice.name} has not yet voted on {exercise.title}"
        template = "priorities/email/reminder.txt"
    recipients = sorted(
        Membership.objects.voting_contacts()
        .filter(organisation=practice, user__is_active=True)
        .values_list("user__email", flat=True)
    )
    if not recipients:
        return _finish(notification, "", "no voting contact")
    try:
        send_mail(settings.ACCOUNT_EMAIL_SUBJECT_PREFIX + subject, render_to_string(template, context), None,
                  recipients)
    except Exception:
        # Release the claim so that a retry can send it.
        Notification.objects.filter(pk=notification_id).update(claimed_at=None)
        raise
    return _finish(notification, ", ".join(recipients), "sent")


def _finish(notification: Notification, recipients: str, outcome: str) -> str:
    notification.sent_at = timezone.now()
    notification.recipients = recipients or f"({outcome})"
    notification.save(update_fields=["sent_at", "recipients"])
    return outcome


@shared_task
def close_and_remind() -> dict:
    """Run by the beat every quarter of an hour: count exercises whose time is up, then remind practices."""
    closed = services.close_overdue_exercises()
    reminded = services.reminders_queue()
    return {"closed": closed, "reminders": len(reminded)}
