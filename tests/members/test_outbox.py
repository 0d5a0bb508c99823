"""The one outbox: every email is stored first and sent once, as far as SMTP allows, whatever fails."""

import ast
from datetime import timedelta
from pathlib import Path

import pytest
from django.core import mail
from django.core.mail import EmailMessage
from django.urls import reverse
from django.utils import timezone

from members import outbox
from members.models import OutboxEmail

from ..factories import RequestFactory

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def request_email(db):
    """An acknowledgement to a system partner: a real kind of email, waiting in the outbox."""
    request = RequestFactory()
    return outbox.enqueue(key=f"ack:{request.pk}", kind="representation.request_acknowledgement",
                          params={"request": request.pk})


def _smtp_down(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 1  # nothing listens


def test_it_keeps_one_row_per_unit_of_work(request_email):
    again = outbox.enqueue(key=request_email.key, kind=request_email.kind, params=request_email.params)
    assert again.pk == request_email.pk
    assert OutboxEmail.objects.count() == 1


def test_it_refuses_a_kind_nobody_builds():
    with pytest.raises(RuntimeError):
        outbox.enqueue(key="x", kind="nobody.builds.this")


def test_a_row_held_by_a_live_worker_is_left_alone_and_taken_over_once_the_lease_runs_out(request_email, settings):
    # A worker claimed the row and died before sending: its lease still runs.
    OutboxEmail.objects.filter(pk=request_email.pk).update(claimed_until=timezone.now() + timedelta(minutes=4))
    assert outbox.send_once(request_email.pk) == "busy"
    assert outbox.sweep() == {}
    assert mail.outbox == []
    # The lease runs out: the sweep sends it.
    OutboxEmail.objects.filter(pk=request_email.pk).update(claimed_until=timezone.now() - timedelta(seconds=1))
    assert outbox.sweep() == {"sent": 1}
    assert len(mail.outbox) == 1
    assert OutboxEmail.objects.get(pk=request_email.pk).status == "sent"


def test_a_resend_after_a_crash_carries_the_same_message_id(request_email, smtp_inbox):
    assert outbox.send_once(request_email.pk) == "sent"
    # The worker died in the instant after the SMTP server accepted and before the row was marked: the row is as
    # it was while claimed, and the lease has run out.
    OutboxEmail.objects.filter(pk=request_email.pk).update(
        status="pending", sent_at=None, claimed_until=timezone.now() - timedelta(seconds=1))
    assert outbox.send_once(request_email.pk) == "sent"
    first, second = smtp_inbox.messages
    assert first["message_id"] == second["message_id"] == request_email.message_id
    assert first["message_id"].startswith(f"<outbox.{request_email.pk}.")


def test_a_failing_email_is_retried_with_backoff_then_marked_failed_and_shown_to_the_chair(
    request_email, settings, client_for, chair
):
    settings.OUTBOX_MAX_ATTEMPTS = 3
    _smtp_down(settings)
    outcomes = []
    for _ in range(3):
        OutboxEmail.objects.filter(pk=request_email.pk).update(available_at=timezone.now())  # the backoff passed
        outcomes.append(outbox.send_once(request_email.pk))
    assert outcomes == ["retry", "retry", "failed"]
    row = OutboxEmail.objects.get(pk=request_email.pk)
    assert row.status == "failed" and row.attempts == 3 and "ConnectionRefused" in row.last_error
    from representation.models import Request

    assert row.addressed_to == Request.objects.get().requester_email  # the address tried is kept
    html = client_for(chair).get(reverse("dashboard")).content.decode()
    assert "Emails that could not be sent" in html and "Request acknowledgement to" in html
    # Once the address or the server is fixed, the administrator tries again.
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert outbox.retry_failed([request_email.pk]) == 1
    assert outbox.sweep() == {"sent": 1}


def test_a_retry_waits_for_its_backoff(request_email, settings):
    _smtp_down(settings)
    assert outbox.send_once(request_email.pk) == "retry"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert outbox.sweep() == {}  # not due for a minute
    OutboxEmail.objects.filter(pk=request_email.pk).update(available_at=timezone.now() - timedelta(seconds=1))
    assert outbox.sweep() == {"sent": 1}


def test_emails_recorded_while_withheld_are_never_sent(deliver):
    request = RequestFactory()
    with outbox.withheld("demo data"):
        email = outbox.enqueue(key="demo", kind="representation.request_acknowledgement",
                               params={"request": request.pk})
    assert email.status == "skipped" and email.note == "demo data"
    deliver()
    assert mail.outbox == []


def test_a_prepared_message_is_sent_and_then_forgotten(deliver):
    email = outbox.enqueue_prepared(EmailMessage("Reset your password", "Your one-time link: /reset/abc", None,
                                                 ["pm@example.nhs.uk"]))
    deliver()
    [message] = mail.outbox
    assert message.subject == "Reset your password" and "/reset/abc" in message.body
    email.refresh_from_db()
    assert email.status == "sent" and email.params == {}


def test_the_portal_sends_every_email_through_the_outbox():
    """No module but members/outbox.py sends: grep-like, on the syntax tree, so comments do not count."""
    senders = []
    for app in ("members", "decisions", "priorities", "representation", "gpleadership"):
        for path in (ROOT / app).rglob("*.py"):
            if "migrations" in path.parts or path.name == "outbox.py":
                continue
            for node in ast.walk(ast.parse(path.read_text())):
                if isinstance(node, ast.Call):
                    name = getattr(node.func, "attr", getattr(node.func, "id", ""))
                    if name in {"send", "send_mail", "send_mass_mail", "send_messages", "mail_admins"}:
                        senders.append(f"{path.relative_to(ROOT)}:{node.lineno} {name}()")
    assert senders == []


def _acknowledgements(n):
    return [outbox.enqueue(key=f"ack:{request.pk}", kind="representation.request_acknowledgement",
                           params={"request": request.pk}) for request in [RequestFactory() for _ in range(n)]]


def test_a_batch_sends_each_row_once_over_one_smtp_connection(smtp_inbox):
    rows = _acknowledgements(3)
    assert outbox.send_batch([row.pk for row in rows]) == {"sent": 3}
    assert len({message["peer"] for message in smtp_inbox.messages}) == 1
    # Rows were settled without waiting for the disk; the connection is as it was for whatever it does next.
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW synchronous_commit")
        assert cursor.fetchone()[0] == "on"
    assert sorted(message["message_id"] for message in smtp_inbox.messages) == sorted(row.message_id for row in rows)
    assert set(OutboxEmail.objects.values_list("status", flat=True)) == {"sent"}
    # Sent rows are done: the same batch again sends nothing.
    assert outbox.send_batch([row.pk for row in rows]) == {"busy": 3}
    assert len(smtp_inbox.messages) == 3


def test_a_batch_leaves_a_row_another_worker_holds(smtp_inbox):
    held, free = _acknowledgements(2)
    OutboxEmail.objects.filter(pk=held.pk).update(claimed_until=timezone.now() + timedelta(minutes=4))
    assert outbox.send_batch([held.pk, free.pk]) == {"busy": 1, "sent": 1}
    assert [message["message_id"] for message in smtp_inbox.messages] == [free.message_id]
    assert OutboxEmail.objects.get(pk=held.pk).status == "pending"


def test_a_batch_with_smtp_down_loses_nothing_and_counts_each_rows_attempt(settings):
    rows = _acknowledgements(2)
    _smtp_down(settings)
    assert outbox.send_batch([row.pk for row in rows]) == {"retry": 2}
    for row in OutboxEmail.objects.all():
        assert row.status == "pending" and row.attempts == 1 and "ConnectionRefused" in row.last_error
        assert row.claimed_until is None
    # The server is back and the backoff has passed: the sweep sends both, in a batch.
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    OutboxEmail.objects.update(available_at=timezone.now() - timedelta(minutes=5))
    assert outbox.sweep() == {"sent": 2}
    assert len(mail.outbox) == 2


def test_one_row_that_cannot_be_built_does_not_stop_the_batch(smtp_inbox):
    broken, fine = _acknowledgements(2)
    OutboxEmail.objects.filter(pk=broken.pk).update(params={"request": 0})  # its request is gone
    outcomes = outbox.send_batch([broken.pk, fine.pk])
    assert outcomes["sent"] == 1 and sum(outcomes.values()) == 2
    assert [message["message_id"] for message in smtp_inbox.messages] == [fine.message_id]


def test_a_batch_sends_in_order_while_it_builds_and_marks_each_row_before_the_next_send(smtp_inbox):
    """The SMTP conversation runs on a thread of its own while the next emails are built; emails still go out one
    at a time, in order, and each row is marked sent (address, time, a prepared message's content forgotten)."""
    import sys

    rows = _acknowledgements(4)
    prepared = outbox.enqueue_prepared(EmailMessage("Reset your password", "Your one-time link: /reset/abc", None,
                                                    ["pm@example.nhs.uk"]))
    switching = sys.getswitchinterval()
    ids = [row.pk for row in rows] + [prepared.pk]
    assert outbox.send_batch(ids) == {"sent": 5}
    assert sys.getswitchinterval() == switching  # as the process had it
    assert [message["message_id"] for message in smtp_inbox.messages] == [
        row.message_id for row in OutboxEmail._base_manager.filter(pk__in=ids).order_by("pk")]
    settled = list(OutboxEmail._base_manager.filter(pk__in=ids).order_by("pk"))  # the prepared one has no place
    assert {row.status for row in settled} == {"sent"} and all(row.claimed_until is None for row in settled)
    assert [row.addressed_to for row in settled] == [to for message in smtp_inbox.messages for to in message["to"]]
    assert [row.sent_at for row in settled] == sorted(row.sent_at for row in settled)
    assert settled[-1].params == {} and settled[0].params != {}


def test_a_sent_email_the_smtp_thread_could_not_mark_is_marked_by_the_batch(smtp_inbox, monkeypatch):
    rows = _acknowledgements(2)

    def database_gone():
        def mark_sent(*args):
            raise OSError("server closed the connection unexpectedly")
        return mark_sent

    monkeypatch.setattr(outbox, "_marker", database_gone)
    assert outbox.send_batch([row.pk for row in rows]) == {"sent": 2}  # sent, not counted as failed and retried
    assert len(smtp_inbox.messages) == 2
    for row in OutboxEmail.objects.filter(pk__in=[row.pk for row in rows]):
        assert row.status == "sent" and row.sent_at and row.attempts == 1 and row.last_error == ""


def test_a_batch_sends_to_the_addresses_the_smtp_backend_would_and_fails_a_bad_one_on_its_own(smtp_inbox):
    """The envelope is worked out while the email is built, as Django's SMTP backend works it out: a display name
    and an internationalised domain become what the backend would send; an address it refuses fails that row only."""
    good = outbox.enqueue_prepared(EmailMessage("Hello", "Body", None, ["Ann Example <ann@bücher.example>"]))
    bad = outbox.enqueue_prepared(EmailMessage("Hello", "Body", None, ["ann@exa mple.example"]))
    assert outbox.send_batch([good.pk, bad.pk]) == {"sent": 1, "retry": 1}
    [message] = smtp_inbox.messages
    assert message["to"] == ["ann@xn--bcher-kva.example"]
    assert OutboxEmail._base_manager.get(pk=bad.pk).status == "pending"  # no place: outside the place scope
