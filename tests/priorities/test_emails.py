"""Receipts and the 48-hour reminder, sent over real SMTP by the Celery tasks, each exactly once."""

import re

import pytest
from django.utils import timezone

from members import email_links, outbox
from members.models import OutboxEmail
from priorities import emails, services, tasks

from ..factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_casting_a_ballot_emails_a_receipt_to_the_practice_voting_contacts(
    make_exercise, make_voter, smtp_inbox, django_capture_on_commit_callbacks
):
    exercise, c = make_exercise("ranked")
    practice, user = make_voter()
    with django_capture_on_commit_callbacks(execute=True):
        ballot = services.ballot_cast(exercise=exercise, practice=practice, user=user, choices=[c["B"].pk, c["A"].pk])
    assert len(smtp_inbox.messages) == 1
    message = smtp_inbox.messages[0]
    assert message["to"] == [user.email]
    assert "Receipt" in message["subject"]
    assert ballot.receipt_code in message["body"]
    assert "1st: B" in message["body"] and "2nd: A" in message["body"]
    # A retried task sends nothing more.
    receipt = OutboxEmail.objects.get(kind=emails.RECEIPT)
    assert receipt.status == "sent" and receipt.addressed_to == user.email
    assert outbox.send_once(receipt.pk) == "busy"
    assert len(smtp_inbox.messages) == 1


def test_the_reminder_goes_48_hours_before_the_close_to_practices_that_have_not_voted(
    make_exercise, make_voter, smtp_inbox, django_capture_on_commit_callbacks
):
    exercise, c = make_exercise("approval", places=1, closes_at=timezone.now() + timezone.timedelta(hours=47))
    voted, voted_user = make_voter()
    waiting, waiting_user = make_voter()
    deputy = UserFactory()
    MembershipFactory(user=deputy, organisation=waiting, is_voting_contact=True)
    MembershipFactory(organisation=waiting, role_title="Receptionist")  # not a voting contact: no email
    services.ballot_cast(exercise=exercise, practice=voted, user=voted_user, choices=[c["A"].pk])
    far, _ = make_exercise("approval", places=1, closes_at=timezone.now() + timezone.timedelta(hours=72))
    with django_capture_on_commit_callbacks(execute=True):
        outcome = tasks.close_and_remind()
    assert outcome == {"closed": [], "reminders": 1}
    assert len(smtp_inbox.messages) == 1
    message = smtp_inbox.messages[0]
    assert sorted(message["to"]) == sorted([waiting_user.email, deputy.email])
    assert waiting.name in message["subject"]
    # The link opens the ballot of this practice for this vote (tests/test_email_links.py follows such links).
    link = re.search(r"http\S+/priorities/email/ballot/\S+/", message["body"]).group(0)
    assert email_links.read(link.rstrip("/").rsplit("/", 1)[1], "ballot") == {
        "exercise": exercise.pk, "practice": waiting.pk}
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.close_and_remind() == {"closed": [], "reminders": 0}
    assert len(smtp_inbox.messages) == 1


def test_a_reminder_for_a_practice_that_voted_meanwhile_is_not_sent(make_exercise, make_voter, smtp_inbox):
    exercise, c = make_exercise("approval", places=1, closes_at=timezone.now() + timezone.timedelta(hours=10))
    practice, user = make_voter()
    reminder = outbox.enqueue(key=emails.reminder_key(exercise_id=exercise.pk, practice_id=practice.pk),
                              kind=emails.REMINDER, params={"exercise": exercise.pk, "practice": practice.pk})
    services.ballot_cast(exercise=exercise, practice=practice, user=user, choices=[c["A"].pk])
    smtp_inbox.messages.clear()
    assert outbox.send_once(reminder.pk) == "skipped"
    assert smtp_inbox.messages == []


def test_a_superseded_receipt_is_not_sent(make_exercise, make_voter, smtp_inbox):
    exercise, c = make_exercise("ranked")
    practice, user = make_voter()
    services.ballot_cast(exercise=exercise, practice=practice, user=user, choices=[c["A"].pk])
    services.ballot_cast(exercise=exercise, practice=practice, user=user, choices=[c["B"].pk])
    first = OutboxEmail.objects.get(kind=emails.RECEIPT, params__revision=1)
    assert outbox.send_once(first.pk) == "skipped"
    assert "superseded" in OutboxEmail.objects.get(pk=first.pk).note
    assert smtp_inbox.messages == []
