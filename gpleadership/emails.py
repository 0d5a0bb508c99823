"""The weekly digest email, built when it is sent (members.outbox)."""

from datetime import date, datetime, time, timedelta

from django.template.loader import render_to_string
from django.utils import timezone

from members import outbox
from members.models import OutboxEmail, User

DIGEST = "gpleadership.digest"


def digest_key(*, week: date, recipient_id: int, place_id: int) -> str:
    """One digest per person, week and place: a person on two places' groups reads each place's own."""
    return f"{DIGEST}:{week.isoformat()}:{place_id}:{recipient_id}"


@outbox.builder(DIGEST, label="Weekly digest")
def digest(email: OutboxEmail):
    from .digest import digest_content

    recipient = User.objects.get(pk=email.params["recipient"])
    if not recipient.is_active:
        raise outbox.Skip("the account is no longer active")
    week = date.fromisoformat(email.params["week"])
    if timezone.localdate() - week >= timedelta(days=7):
        raise outbox.Skip("a digest for a week that is over is news no longer")
    since = timezone.make_aware(datetime.combine(week - timedelta(days=7), time.min))
    context = digest_content(user=recipient, since=since, shared=True)
    context["week_starting"] = week
    return outbox.message(
        subject=f"Weekly digest, week of {week:%-d %B %Y}",
        body=render_to_string("gpleadership/email/digest.txt", context),
        html=render_to_string("gpleadership/email/digest.html", context),
        to=[recipient.email],
    )
