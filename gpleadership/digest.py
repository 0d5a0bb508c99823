"""The weekly digest – the golden thread from the group to every practice.

Each Monday the beat schedule runs `send_weekly_digests`, which records one DigestDelivery per recipient for the
week (a unique row) and queues one task per row; each task claims its row with a conditional update before it
sends, so a retried or duplicated task never sends the same digest twice.
"""

from datetime import date, timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone

from members import access
from members.models import GroupRole, Membership, User

from .models import DigestDelivery


def week_starting(day: date | None = None) -> date:
    day = day or timezone.localdate()
    return day - timedelta(days=day.weekday())


def digest_recipients():
    """Everyone who works for a member organisation and asked for the digest, and everyone on the group."""
    on_group = Q(pk__in=GroupRole.objects.live().values("user"))
    wants_digest = Q(pk__in=Membership.objects.current().filter(is_digest_recipient=True).values("user"))
    return User.objects.filter(is_active=True).filter(on_group | wants_digest).order_by("pk")


@transaction.atomic
def digest_schedule(*, week: date) -> list[int]:
    """Record this week's deliveries (once per person) and return the ids not yet sent."""
    existing = set(DigestDelivery.objects.filter(week_starting=week).values_list("recipient_id", flat=True))
    for recipient_id in digest_recipients().values_list("pk", flat=True):
        if recipient_id not in existing:
            DigestDelivery.objects.get_or_create(week_starting=week, recipient_id=recipient_id)
    return list(
        DigestDelivery.objects.filter(week_starting=week, sent_at__isnull=True).values_list("pk", flat=True)
    )


def digest_content(*, user: User, since) -> dict:
    """What one person reads this week. Private group business goes only to the group."""
    from . import sections

    is_group = access.is_group(user)
    return {
        "recipient": user,
        "is_group": is_group,
        "since": since,
        "sections": [section for section in sections.for_digest(user=user, since=since, is_group=is_group)
                     if section["items"]],
        "site_url": settings.SITE_URL,
        "chairs": [r.user for r in GroupRole.objects.filter(role="chair", is_archived=False).select_related("user")],
    }


def digest_send(*, delivery_id: int) -> bool:
    """Send one delivery if nobody has claimed it yet. Returns whether this call sent it."""
    now = timezone.now()
    # Claim with a conditional update: of two workers running the same task, exactly one gets the row.
    claimed = DigestDelivery.objects.filter(pk=delivery_id, claimed_at__isnull=True).update(claimed_at=now)
    if not claimed:
        return False
    delivery = DigestDelivery.objects.select_related("recipient").get(pk=delivery_id)
    since = timezone.make_aware(
        timezone.datetime.combine(delivery.week_starting - timedelta(days=7), timezone.datetime.min.time())
    )
    context = digest_content(user=delivery.recipient, since=since)
    context["week_starting"] = delivery.week_starting
    subject = f"{settings.ACCOUNT_EMAIL_SUBJECT_PREFIX}Weekly digest, week of {delivery.week_starting:%-d %B %Y}"
    message = EmailMultiAlternatives(
        subject,
        render_to_string("gpleadership/email/digest.txt", context),
        None,
        [delivery.recipient.email],
    )
    message.attach_alternative(render_to_string("gpleadership/email/digest.html", context), "text/html")
    try:
        message.send()
    except Exception as error:  # noqa: BLE001 – release the claim so the next run retries it
        DigestDelivery.objects.filter(pk=delivery_id).update(claimed_at=None, error=str(error)[:500])
        raise
    DigestDelivery.objects.filter(pk=delivery_id).update(sent_at=timezone.now(), error="")
    return True
