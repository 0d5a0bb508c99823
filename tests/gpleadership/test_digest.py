"""The weekly digest reaches every recipient once a week, through a real Celery worker on Redis."""

import time
from datetime import date, timedelta

import pytest
from celery.contrib.testing.worker import start_worker

from gpleadership import digest
from gpleadership.celery import app as celery_app
from gpleadership.tasks import send_weekly_digests
from members import outbox
from members.models import OutboxEmail

from ..conftest import BROKER_URL
from ..factories import MembershipFactory, UserFactory


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
