"""The weekly digest reaches every recipient once a week, through a real Celery worker on Redis."""

import time
from datetime import date, timedelta

import pytest
from celery.contrib.testing.worker import start_worker
from django.utils import timezone

from gpleadership import digest
from gpleadership.celery import app as celery_app
from gpleadership.tasks import send_weekly_digests
from members import outbox
from members.models import OutboxEmail

from ..conftest import BROKER_URL
from ..factories import GroupRoleFactory, MembershipFactory, PracticeFactory, UserFactory


def test_weeks_start_on_monday():
    assert digest.week_starting(date(2026, 11, 22)) == date(2026, 11, 16)  # a Sunday
    assert digest.week_starting(date(2026, 11, 23)) == date(2026, 11, 23)  # a Monday


@pytest.mark.django_db
def test_recipients_are_the_group_and_people_who_asked_for_it(chair, observer, practice_user, outsider):
    opted_out = MembershipFactory(is_digest_recipient=False).user
    ended = MembershipFactory(ended_on=date(2020, 1, 1)).user
    recipients = set(digest.digest_recipients())
    assert {chair, observer, practice_user} <= recipients
    assert outsider not in recipients
    assert opted_out not in recipients
    assert ended not in recipients


@pytest.mark.django_db
def test_recipients_are_each_listed_once_and_only_of_this_place(chair, practice, riverton):
    MembershipFactory(user=chair, organisation=practice, is_digest_recipient=True)  # on the group and asked for it
    inactive = MembershipFactory(organisation=practice, user=UserFactory(is_active=False)).user
    elsewhere = MembershipFactory(organisation=PracticeFactory(place=riverton, pcn=None)).user  # another place's
    GroupRoleFactory(user=elsewhere, place=riverton)
    recipients = list(digest.digest_recipients())
    assert recipients.count(chair) == 1
    assert inactive not in recipients and elsewhere not in recipients


@pytest.mark.django_db
def test_scheduling_twice_records_one_delivery_per_person(chair, practice_user):
    week = date(2026, 11, 16)
    first = digest.digest_schedule(week=week)
    second = digest.digest_schedule(week=week)
    assert len(first) == 2 and second == []
    assert digest.digest_deliveries(week=week).count() == 2


@pytest.mark.django_db
def test_a_delivery_is_sent_once_however_often_the_task_runs(chair, smtp_inbox):
    week = digest.week_starting()
    [delivery_id] = digest.digest_schedule(week=week)
    assert outbox.send_once(delivery_id) == "sent"
    assert outbox.send_once(delivery_id) == "busy"
    assert len(smtp_inbox.messages) == 1
    assert smtp_inbox.messages[0]["to"] == [chair.email]
    assert f"Weekly digest, week of {week:%-d %B %Y}" in smtp_inbox.messages[0]["subject"]


@pytest.mark.django_db
def test_a_digest_for_a_week_that_is_over_is_not_sent(chair, smtp_inbox):
    [delivery_id] = digest.digest_schedule(week=digest.week_starting() - timedelta(days=14))
    assert outbox.send_once(delivery_id) == "skipped"
    assert smtp_inbox.messages == []


@pytest.mark.django_db
def test_a_failed_send_releases_the_claim_for_a_retry(chair, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 2  # nothing listens
    [delivery_id] = digest.digest_schedule(week=digest.week_starting())
    assert outbox.send_once(delivery_id) == "retry"
    delivery = OutboxEmail.objects.get(pk=delivery_id)
    assert delivery.claimed_until is None and delivery.sent_at is None and delivery.status == "pending"
    assert delivery.last_error and delivery.attempts == 1


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_sends_the_digests_through_redis(smtp_inbox):
    people = [MembershipFactory(user=UserFactory()).user for _ in range(3)]
    # A Redis database of this checkout's and this xdist worker's own, so no other test takes the task.
    broker = BROKER_URL
    previous = {key: celery_app.conf[key] for key in ("broker_url", "task_always_eager")}
    celery_app.conf.update(broker_url=broker, task_always_eager=False)
    # Earlier tests in this process may have opened producer pools on the eager default broker; drop them
    # (as Celery does after a fork) so the tasks are published to Redis.
    celery_app._after_fork()
    try:
        with celery_app.connection_for_write() as connection:
            assert connection.as_uri().startswith("redis:")
            celery_app.control.purge(connection=connection)
        with start_worker(celery_app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
            with celery_app.connection_for_write() as connection:
                send_weekly_digests.apply_async(connection=connection)
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline and len(smtp_inbox.messages) < len(people):
                time.sleep(0.2)
    finally:
        celery_app.conf.update(previous)
        celery_app._after_fork()
    assert sorted(m["to"][0] for m in smtp_inbox.messages) == sorted(p.email for p in people)
    assert OutboxEmail.objects.filter(kind="gpleadership.digest", status="sent").count() == len(people)


@pytest.mark.django_db
def test_a_batch_of_digests_reads_the_same_content_as_one_by_one_in_fixed_queries(
        chair, member, practice_user, smtp_inbox):
    """The weekly send builds digests a batch at a time (members.outbox.send_batch with gpleadership.emails'
    batch reader): every reader gets exactly what their digest built on its own says, and the reads do not
    grow with the readers."""
    import re

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    week = digest.week_starting()

    def unsigned(body):  # a one-click link is signed with the time it was made
        return re.sub(r"https?://\S+", "<link>", body.replace("\r\n", "\n"))

    def send(ids):
        """The batch's reads: every query but the settling of each row (a statement or two of its own)."""
        with CaptureQueriesContext(connection) as captured:
            assert outbox.send_batch(ids) == {"sent": len(ids)}
        settling = ("SAVEPOINT", "RELEASE SAVEPOINT", "SET LOCAL", 'UPDATE "members_outboxemail"')
        return len([q for q in captured.captured_queries if not q["sql"].startswith(settling)])

    # What waits on each reader: a decision to acknowledge, a vote, a seat's round, actions owned and supported.
    from members.models import Seat

    from ..factories import ActionFactory, DecisionItemFactory, ExerciseFactory, RoundFactory

    DecisionItemFactory(status="agreed", statement="Agreed.", decided_on=timezone.localdate(),
                        published_at=timezone.now(), title="Unfunded work")
    ExerciseFactory(title="Priorities 2027")
    RoundFactory(item__title="Enhanced access rota").seats.add(Seat.objects.get(holder=member))
    ActionFactory(owner=member, title="Late one", due_on=timezone.localdate() - timedelta(days=2))
    ActionFactory(support=chair, title="Soon one", due_on=timezone.localdate() + timedelta(days=2))
    ids = digest.digest_schedule(week=week)
    one_by_one = {}
    for email_id in ids:
        row = OutboxEmail.objects.get(pk=email_id)
        built = outbox._BUILDERS[row.kind](row)
        one_by_one[built.to[0]] = unsigned(built.body)
    few = send(ids)
    in_batch = {message["to"][0]: unsigned(message["body"]) for message in smtp_inbox.messages}
    assert in_batch == one_by_one and len(in_batch) == 3
    assert "Acknowledge for" in in_batch[practice_user.email] and "Open the ballot for" in in_batch[practice_user.email]
    assert "Respond for" in in_batch[member.email] and "Late one" in in_batch[member.email]
    assert "Soon one" in in_batch[chair.email] and "Late one" not in in_batch[chair.email]
    # Twelve more readers, of each kind: the batch still reads in the same number of queries (only the
    # settling of each row, one statement each, grows).
    for _ in range(4):
        MembershipFactory(organisation=practice_user.memberships.first().organisation, is_voting_contact=True)
        MembershipFactory(is_digest_recipient=True)
    digest.digest_deliveries(week=week).delete()
    more = digest.digest_schedule(week=week)
    assert len(more) > len(ids)
    assert send(more) == few
