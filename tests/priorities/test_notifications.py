"""A vote's result published → the practices' voting contacts hear, as each chose."""

from members import notifications
from priorities import services

from ..factories import MembershipFactory, PracticeFactory, UserFactory


def test_a_published_result_reaches_the_voting_contacts(make_exercise, make_voter, chair, smtp_inbox, deliver):
    exercise, candidates = make_exercise("approval", names="AB", places=1)
    practice, contact = make_voter()
    quiet = UserFactory(email="quiet@example.nhs.uk")
    MembershipFactory(user=quiet, organisation=PracticeFactory(), is_voting_contact=True)
    notifications.choose(user=quiet, kind="priorities.result_published", immediate=False)
    services.ballot_cast(exercise=exercise, practice=practice, user=contact, choices=[candidates["A"].pk])
    services.exercise_close(exercise=exercise)
    services.exercise_publish(exercise=exercise, published_by=chair)
    services.exercise_publish(exercise=exercise, published_by=chair)  # once
    deliver()
    results = [m for m in smtp_inbox.messages if m["subject"].startswith("[GP Leadership] Result:")]
    assert [m["to"] for m in results] == [[contact.email]]
    assert "1. A" in results[0]["body"]


def test_the_closing_soon_reminder_goes_only_to_contacts_who_want_it_at_once(make_exercise, make_voter, smtp_inbox,
                                                                             deliver):
    from django.utils import timezone

    from priorities import tasks

    exercise, _ = make_exercise("approval", names="AB", places=1,
                                closes_at=timezone.now() + timezone.timedelta(hours=20))
    practice, contact = make_voter()
    colleague = UserFactory(email="colleague@example.nhs.uk")
    MembershipFactory(user=colleague, organisation=practice, is_voting_contact=True)
    notifications.choose(user=colleague, kind="priorities.reminder", immediate=False)
    tasks.close_and_remind()
    deliver()
    reminders = [m for m in smtp_inbox.messages if m["subject"].startswith("[GP Leadership] Reminder:")]
    assert [m["to"] for m in reminders] == [[contact.email]]
