"""The weekly digest – the golden thread from the group to every practice.

Each Monday the beat schedule runs `send_weekly_digests`, which records one outbox email per recipient for the
week (unique by its key) through members.outbox; a worker claims each row with a lease before it sends, so a
retried or duplicated task never sends the same digest twice, and a digest whose worker died is sent by the sweep.
"""

from datetime import date, timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import Count, F, Q
from django.utils import timezone

from members import access, outbox, places, prepared
from members import selectors as member_selectors
from members.models import GroupRole, InArray, OutboxEmail, User

from . import emails


def week_starting(day: date | None = None) -> date:
    day = day or timezone.localdate()
    return day - timedelta(days=day.weekday())


def digest_recipients():
    """Everyone who works for one of the place's organisations and asked for the digest, and everyone on its group."""
    # One array of both kinds of people's ids (UNION ALL: someone in both is found once), looked up in the people's
    # index (InArray), as members.selectors.seat_candidates does: with two subqueries joined by OR, PostgreSQL read
    # every person and every membership in England (2.6 ms at national scale, against 1.1 ms).
    wants_digest = member_selectors.place_memberships().current().filter(is_digest_recipient=True)
    return (User.objects.filter(is_active=True)
            .filter(InArray(F("pk"), wants_digest.order_by().values("user").union(
                GroupRole.objects.live().order_by().values("user"), all=True)))
            .order_by("pk"))


@transaction.atomic
def digest_schedule(*, week: date) -> list[int]:
    """Record this week's digests of the place being worked in (one per person) and return the outbox ids this call
    created. The weekly task runs it in every place (members.places.each_place)."""
    place = places.current_place()
    if place is None:
        raise RuntimeError("A digest is a place's: schedule it inside members.places.using(place).")
    return outbox.enqueue_many([
        {"key": emails.digest_key(week=week, recipient_id=pk, place_id=place.pk), "kind": emails.DIGEST,
         "params": {"week": week.isoformat(), "recipient": pk}, "recipient_id": pk}
        for pk in digest_recipients().values_list("pk", flat=True)
    ])


def digest_deliveries(*, week: date):
    """The outbox rows of one week's digest."""
    return OutboxEmail.objects.filter(kind=emails.DIGEST, key__startswith=f"{emails.DIGEST}:{week.isoformat()}:")


def digest_counts(*, week: date) -> dict:
    """How one week's digest went, in one query: sent, waiting (some to retry), failed for good, and who failed
    (a second query, when some did). The counts from SQL compiled once a day for the week (members.prepared: the
    week is in the SQL, as the start of the outbox rows' keys)."""
    counts = prepared.counts(("digest.counts", week), lambda: prepared.one_row(
        digest_deliveries(week=week),
        total=Count("pk"),
        sent=Count("pk", filter=Q(status=OutboxEmail.Status.SENT)),
        waiting=Count("pk", filter=Q(status=OutboxEmail.Status.PENDING)),
        failed=Count("pk", filter=Q(status=OutboxEmail.Status.FAILED)),
    ))
    counts["failed_to"] = list(
        digest_deliveries(week=week).failed().select_related("recipient").order_by("pk")[:50]
    ) if counts["failed"] else []
    return counts


# How long a place's news, built for one digest, serve the next ones of the same week and place: the
# weekly send builds the place's part once for all its readers instead of once each (hundreds per second, not tens).
NEWS_SECONDS = 15 * 60


def digest_content(*, user: User, since, shared: bool = False) -> dict:
    """What one person reads this week. Private group business goes only to the group. With `shared` (the emails
    of the weekly send), the place's part is taken from the cache when another reader's digest built it lately."""
    return digest_contents(users=[user], since=since, shared=shared)[user.pk]


def digest_contents(*, users, since, shared: bool = False) -> dict[int, dict]:
    """`digest_content` of many readers at once, by reader's id: the weekly send builds a batch of digests in a
    fixed number of queries however many readers (members.outbox.send_batch)."""
    from . import sections

    access.remember_roles(users)
    place = places.current_place()

    def news_for(is_group: bool) -> list[dict]:
        if shared and place is not None:
            key = f"gpleadership.digest-news:{place.pk}:{since.isoformat()}:{int(is_group)}"
            return cache.get_or_set(key, lambda: sections.digest_news(since=since, is_group=is_group), NEWS_SECONDS)
        return sections.digest_news(since=since, is_group=is_group)

    readers = [(user, access.is_group(user)) for user in users]
    built = sections.for_digest_readers(readers=readers, news_for=news_for)
    return {
        user.pk: {
            "recipient": user,
            "is_group": is_group,
            "since": since,
            "sections": [section for section in built[user.pk] if section["items"]],
            "site_url": settings.SITE_URL,
        }
        for user, is_group in readers
    }
