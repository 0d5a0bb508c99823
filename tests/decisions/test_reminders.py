"""Emails about rounds: every seat when a round opens; two days before the deadline, the holder and deputy
of each seat that has not responded. Sent over real SMTP, once each, however often the task runs."""

import pytest
from django.utils import timezone

from decisions import emails, services, tasks
from decisions.models import Round
from members import outbox
from members.models import OutboxEmail

pytestmark = pytest.mark.django_db


def test_opening_a_round_emails_every_seat_holder_and_deputy(smtp_inbox, chair, item, seats, deadline,
                                                             django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.round_open(item=item, by=chair, deadline=deadline)
    recipients = sorted(address for message in smtp_inbox.messages for address in message["to"])
    assert recipients == sorted(["member@example.nhs.uk", "lmc@example.nhs.uk", "lmc.deputy@example.nhs.uk",
                                 "fed@example.nhs.uk"])
    assert all("Consensus check open: Shared phlebotomy service" in m["subject"] for m in smtp_inbox.messages)
    assert "/decisions/" in smtp_inbox.messages[0]["body"]


def test_two_days_before_the_deadline_seats_that_have_not_responded_are_reminded_once(
    smtp_inbox, chair, item, seats, member, django_capture_on_commit_callbacks
):
    the_round = services.round_open(item=item, by=chair, deadline=timezone.now() + timezone.timedelta(days=1))
    services.position_record(round=the_round, seat=seats["pcn"], by=member, stance="support")
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.round_housekeeping() == {"closed": 0, "reminded": 2}
    recipients = sorted(address for message in smtp_inbox.messages for address in message["to"])
    assert recipients == ["fed@example.nhs.uk", "lmc.deputy@example.nhs.uk", "lmc@example.nhs.uk"]
    assert any("Testshire LMC has not responded" in m["subject"] for m in smtp_inbox.messages)
    # Running again sends nothing more.
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.round_housekeeping() == {"closed": 0, "reminded": 0}
    assert len(smtp_inbox.messages) == 2
    assert OutboxEmail.objects.filter(kind=emails.ROUND_REMINDER, status="sent").count() == 2


def test_no_reminder_more_than_two_days_before_the_deadline(smtp_inbox, chair, item, seats):
    services.round_open(item=item, by=chair, deadline=timezone.now() + timezone.timedelta(days=3))
    assert tasks.round_housekeeping()["reminded"] == 0
    assert smtp_inbox.messages == []


def test_a_reminder_claimed_twice_is_sent_once(smtp_inbox, open_round, seats):
    email = outbox.enqueue(key="k", kind=emails.ROUND_REMINDER, params={"round": open_round.pk,
                                                                          "seat": seats["fed"].pk})
    assert outbox.send_once(email.pk) == "sent"
    assert outbox.send_once(email.pk) == "busy"
    assert len(smtp_inbox.messages) == 1


def test_a_reminder_to_a_seat_that_has_responded_is_not_sent(smtp_inbox, open_round, seats, member):
    services.position_record(round=open_round, seat=seats["pcn"], by=member, stance="support")
    email = outbox.enqueue(key="k", kind=emails.ROUND_REMINDER, params={"round": open_round.pk,
                                                                          "seat": seats["pcn"].pk})
    assert outbox.send_once(email.pk) == "skipped"
    assert smtp_inbox.messages == []


def test_the_task_closes_rounds_whose_deadline_passed(chair, item, seats):
    the_round = services.round_open(item=item, by=chair, deadline=timezone.now() + timezone.timedelta(days=1))
    Round.objects.filter(pk=the_round.pk).update(deadline=timezone.now() - timezone.timedelta(minutes=1))
    assert tasks.round_housekeeping()["closed"] == 1
    the_round.refresh_from_db()
    assert the_round.outcome == "lapsed"
