"""Email is never lost: a worker killed mid-digest, and Redis out of reach while people act.

Both run a real Celery worker (a separate process, on this checkout's own Redis database) against a real SMTP
server on loopback, with the data committed to the test database for the worker to read.
"""

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from gpleadership import digest
from gpleadership.celery import app as celery_app
from gpleadership.tasks import send_weekly_digests
from members import outbox
from members.models import Membership, OutboxEmail, User
from members.tasks import sweep_outbox

from ..conftest import BROKER_URL
from ..factories import CandidateFactory, ExerciseFactory, MembershipFactory, PracticeFactory, UserFactory

ROOT = Path(__file__).resolve().parents[2]
BROKER = BROKER_URL


class _SlowInbox:
    """An SMTP server that takes a little while per message, as a real one does, and records each Message-ID."""

    def __init__(self):
        self.received = []  # (recipient, message id)

    async def handle_DATA(self, server, session, envelope):
        import email

        await asyncio.sleep(0.01)
        message = email.message_from_bytes(envelope.content)
        for recipient in envelope.rcpt_tos:
            self.received.append((recipient, message["Message-ID"]))
        return "250 OK"


@pytest.fixture
def slow_smtp():
    from aiosmtpd.controller import Controller

    port = _free_port()
    inbox = _SlowInbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    inbox.port = port
    yield inbox
    controller.stop()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def broker():
    """Point this process's Celery at the checkout's own Redis database, not eager, for the test's length."""
    previous = {key: celery_app.conf[key] for key in ("broker_url", "task_always_eager")}
    celery_app.conf.update(broker_url=BROKER, task_always_eager=False)
    celery_app._after_fork()  # drop producer pools opened on the eager broker by earlier tests
    with celery_app.connection_for_write() as conn:
        celery_app.control.purge(connection=conn)
    yield
    celery_app.conf.update(previous)
    celery_app._after_fork()


def _start_worker(smtp_port: int) -> subprocess.Popen:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "gpleadership.settings",
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{connection.settings_dict['NAME']}",
        "REDIS_URL": BROKER,
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(smtp_port),
        "EMAIL_USE_TLS": "0",
        "DEBUG": "1",
        "CONN_MAX_AGE": "0",
        # A short lease and sweep grace, so that the test need not wait minutes for what the sweep does.
        "OUTBOX_LEASE_SECONDS": "3",
        "OUTBOX_SWEEP_GRACE_SECONDS": "1",
    }
    return subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "gpleadership", "worker", "--pool=solo", "--without-heartbeat",
         "--without-gossip", "--without-mingle", "--loglevel=WARNING"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )


def _stop(worker: subprocess.Popen, sig=signal.SIGTERM) -> None:
    if worker.poll() is None:
        worker.send_signal(sig)
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()


def _recipients(count: int) -> list[User]:
    practice = PracticeFactory()
    users = User.objects.bulk_create(
        [User(email=f"practice.contact{n}@example.nhs.uk", full_name=f"Contact {n}") for n in range(count)]
    )
    Membership.objects.bulk_create(
        [Membership(user=user, organisation=practice, role_title="Practice Manager") for user in users]
    )
    return users


def _wait_for(condition, *, seconds: float, every: float = 0.2, between=None) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        if between:
            between()
        time.sleep(every)
    return condition()


@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_digest_loses_nobody_and_resends_at_most_one_with_the_same_message_id(
    slow_smtp, broker
):
    people = _recipients(500)
    first = _start_worker(slow_smtp.port)
    try:
        with celery_app.connection_for_write() as conn:
            send_weekly_digests.apply_async(connection=conn)
        assert _wait_for(lambda: len(slow_smtp.received) >= 120, seconds=90), "the first worker never got going"
        first.send_signal(signal.SIGKILL)  # kill -9: no warm shutdown, no acknowledgement, a row in flight
        first.wait(timeout=10)
    finally:
        _stop(first, signal.SIGKILL)
    received_at_kill = len(slow_smtp.received)
    assert received_at_kill < len(people), "the kill came too late to test anything"

    week = digest.week_starting()
    second = _start_worker(slow_smtp.port)
    try:
        def sweep():  # what the beat does every minute (every OUTBOX_SWEEP_SECONDS)
            with celery_app.connection_for_write() as conn:
                sweep_outbox.apply_async(connection=conn)

        done = _wait_for(
            lambda: digest.digest_deliveries(week=week).filter(status="sent").count() == len(people),
            seconds=180, every=2, between=sweep,
        )
    finally:
        _stop(second)
    assert done, Counter(digest.digest_deliveries(week=week).values_list("status", flat=True))

    rows = digest.digest_deliveries(week=week)
    assert rows.count() == len(people)
    assert Counter(rows.values_list("recipient_id", flat=True)) == Counter(p.pk for p in people)  # one row each
    assert {to for to, _ in slow_smtp.received} == {p.email for p in people}  # everyone got the digest
    twice = {to: n for to, n in Counter(to for to, _ in slow_smtp.received).items() if n > 1}
    assert len(twice) <= 1, twice  # at most the one in flight at the kill
    for to in twice:
        ids = {message_id for recipient, message_id in slow_smtp.received if recipient == to}
        assert len(ids) == 1, ids  # and then recognisably the same message
    # Every message carries its row's Message-ID.
    expected = {row.recipient.email: row.message_id for row in rows.select_related("recipient")}
    assert all(expected[to] == message_id for to, message_id in slow_smtp.received)


@pytest.mark.django_db(transaction=True)
def test_with_redis_out_of_reach_a_vote_and_a_request_are_stored_and_their_emails_sent_after(client, slow_smtp):
    from representation.forms import started_token
    from representation.models import Request

    practice = PracticeFactory()
    voter = UserFactory(email="voter@example.nhs.uk")
    MembershipFactory(user=voter, organisation=practice, is_voting_contact=True)
    exercise = ExerciseFactory(method="approval", places=1)
    candidate = CandidateFactory(exercise=exercise, title="Estates")

    previous = {key: celery_app.conf[key] for key in ("broker_url", "task_always_eager")}
    celery_app.conf.update(broker_url="redis://127.0.0.1:1/0", task_always_eager=False)  # nothing listens there
    celery_app._after_fork()
    try:
        client.force_login(voter)
        started = time.monotonic()
        vote = client.post(reverse("priorities:vote", args=[exercise.pk, practice.pk]), {"approved": [candidate.pk]})
        client.logout()
        form = {
            "requester_name": "Tess Partner", "requester_email": "tess@trust.example.nhs.uk",
            "requester_role": "Director", "organisation_name": "Northbrook Trust", "summary": "Discharge letters",
            "details": "Your view, please.", "needed_by": (timezone.localdate() + timedelta(days=20)).isoformat(),
            "website": "", "started": started_token(at=time.time() - 60),
        }
        sent = client.post(reverse("representation:request_new"), form)
        elapsed = time.monotonic() - started
    finally:
        celery_app.conf.update(previous)
        celery_app._after_fork()

    assert vote.status_code == 302 and sent.status_code == 302
    assert elapsed < 3  # the broker's absence costs a refused connection, not a hang
    assert exercise.ballots.filter(practice=practice).exists()
    assert Request.objects.filter(summary="Discharge letters").exists()
    waiting = OutboxEmail.objects.filter(status="pending")
    assert set(waiting.values_list("kind", flat=True)) == {"priorities.receipt",
                                                           "representation.request_acknowledgement"}
    assert slow_smtp.received == []

    # Redis is back: the beat's sweep sends what waited.
    from django.test import override_settings

    with override_settings(EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend", EMAIL_HOST="127.0.0.1",
                           EMAIL_PORT=slow_smtp.port, EMAIL_USE_TLS=False, EMAIL_HOST_USER="",
                           EMAIL_HOST_PASSWORD=""):
        assert outbox.sweep() == {"sent": 2}
    assert sorted(to for to, _ in slow_smtp.received) == ["tess@trust.example.nhs.uk", "voter@example.nhs.uk"]
    assert not OutboxEmail.objects.filter(status="pending").exists()
