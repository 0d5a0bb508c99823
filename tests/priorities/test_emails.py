"""Receipts and the 48-hour reminder, sent over real SMTP by the Celery tasks, each exactly once."""

import pytest
from django.utils import timezone

from priorities import services, tasks
from priorities.models import Notification

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
    notification = Notification.objects.get(kind="receipt")
    assert tasks.send_notification(notification.pk) == "already claimed"
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
    assert f"/priorities/{exercise.pk}/" in message["body"]
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.close_and_remind() == {"closed": [], "reminders": 0}
    assert len(smtp_inbox.messages) == 1


def test_a_reminder_for_a_practice_that_voted_meanwhile_is_not_sent(make_exercise, make_voter, smtp_inbox):
    exercise, c = make_exercise("approval", places=1, closes_at=timezone.now() + timezone.timedelta(hours=10))
    practice, user = make_voter()
    notification = Notification.objects.create(exercise=exercise, practice=practice, kind="reminder")
    services.ballot_cast(exercise=exercise, practice=practice, user=user, choices=[c["A"].pk])
    smtp_inbox.messages.clear()
    assert tasks.send_notification(notification.pk) == "no longer needed"
    assert smtp_inbox.messages == []


def test_a_superseded_receipt_is_not_sent(make_exercise, make_voter, smtp_inbox):
    exercise, c = make_exercise("ranked")
    practice, user = make_voter()
    services.ballot_cast(exercise=exercise, practice=practice, user=user, choices=[c["A"].pk])
    services.ballot_cast(exercise=exercise, practice=practice, user=user, choices=[c["B"].pk])
    first = Notification.objects.get(kind="receipt", revision=1)
    assert tasks.send_notification(first.pk) == "superseded"
    assert smtp_inbox.messages == []
