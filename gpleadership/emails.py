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


def _since(week: date):
    return timezone.make_aware(datetime.combine(week - timedelta(days=7), time.min))


@outbox.builder(DIGEST, label="Weekly digest")
def digest(email: OutboxEmail):
    from .digest import digest_content

    read = getattr(email, "read_ahead", None)  # what read_digests found for a batch
    recipient = read["recipient"] if read else User.objects.get(pk=email.params["recipient"])
    if not recipient.is_active:
        raise outbox.Skip("the account is no longer active")
    week = date.fromisoformat(email.params["week"])
    if timezone.localdate() - week >= timedelta(days=7):
        raise outbox.Skip("a digest for a week that is over is news no longer")
    context = dict(read["content"]) if read else digest_content(user=recipient, since=_since(week), shared=True)
    context["week_starting"] = week
    return outbox.message(
        subject=f"Weekly digest, week of {week:%-d %B %Y}",
        body=render_to_string("gpleadership/email/digest.txt", context),
        html=render_to_string("gpleadership/email/digest.html", context),
        to=[recipient.email],
    )


@outbox.batch_reader(DIGEST)
def read_digests(emails: list[OutboxEmail]) -> None:
    """Read a batch of digests' content at once (gpleadership.digest.digest_contents) and leave each row's on it as
    `read_ahead` for the builder. A row whose reader is gone or inactive is left to the builder, which says why."""
    from .digest import digest_contents

    people = User.objects.in_bulk([email.params["recipient"] for email in emails])
    by_week: dict[str, list[OutboxEmail]] = {}
    for email in emails:
        recipient = people.get(email.params["recipient"])
        if recipient is not None and recipient.is_active:
            by_week.setdefault(email.params["week"], []).append(email)
    for week, rows in by_week.items():
        readers = list({people[email.params["recipient"]].pk: people[email.params["recipient"]] for email in rows}
                       .values())
        contents = digest_contents(users=readers, since=_since(date.fromisoformat(week)), shared=True)
        for email in rows:
            recipient = people[email.params["recipient"]]
            email.read_ahead = {"recipient": recipient, "content": contents[recipient.pk]}
