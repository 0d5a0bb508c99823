"""Acceptance 3: a vote outside the window, by someone who is not the voting contact, or for another practice
is refused with a clear message and changes nothing. And the ballot rules themselves."""

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from members.models import OutboxEmail
from priorities import services
from priorities.models import Ballot

from ..factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db
NOW = timezone.now()


def test_a_voting_contact_casts_and_changes_the_practice_ballot(make_exercise, make_voter):
    exercise, c = make_exercise("ranked")
    practice, user = make_voter()
    first = services.ballot_cast(exercise=exercise, practice=practice, user=user, choices=[c["A"].pk])
    second = services.ballot_cast(exercise=exercise, practice=practice, user=user, choices=[c["B"].pk, c["A"].pk])
    assert first.pk == second.pk
    ballot = Ballot.objects.get()
    assert ballot.choices == [c["B"].pk, c["A"].pk]
    assert ballot.revision == 2
    assert ballot.receipt_code != first.receipt_code
    assert ballot.history.count() == 2
    assert OutboxEmail.objects.filter(kind="priorities.receipt").count() == 2


def test_another_voting_contact_of_the_same_practice_replaces_the_ballot(make_exercise, make_voter):
    exercise, c = make_exercise("approval", places=1)
    practice, user = make_voter()
    colleague = UserFactory()
    MembershipFactory(user=colleague, organisation=practice, is_voting_contact=True)
    services.ballot_cast(exercise=exercise, practice=practice, user=user, choices=[c["A"].pk])
    services.ballot_cast(exercise=exercise, practice=practice, user=colleague, choices=[c["B"].pk])
    assert Ballot.objects.get().cast_by == colleague


@pytest.mark.parametrize(
    "window",
    [
        {"opens_at": NOW + timezone.timedelta(hours=1), "closes_at": NOW + timezone.timedelta(days=2)},
        {"opens_at": NOW - timezone.timedelta(days=2), "closes_at": NOW - timezone.timedelta(minutes=1)},
        {"status": "draft"},
    ],
    ids=["not yet open", "after the closing time", "draft"],
)
def test_it_refuses_a_vote_outside_the_open_window(make_exercise, make_voter, window):
    exercise, c = make_exercise("ranked", **window)
    practice, user = make_voter()
    with pytest.raises(ValidationError, match="Voting (opens|has closed)"):
        services.ballot_cast(exercise=exercise, practice=practice, user=user, choices=[c["A"].pk])
    assert not Ballot.objects.exists()


def test_it_refuses_a_change_once_the_exercise_is_closed_early(make_exercise, make_voter):
    exercise, c = make_exercise("ranked")
    practice, user = make_voter()
    services.ballot_cast(exercise=exercise, practice=practice, user=user, choices=[c["A"].pk])
    services.exercise_close(exercise=exercise)
    with pytest.raises(ValidationError, match="Voting has closed"):
        services.ballot_cast(exercise=exercise, practice=practice, user=user, choices=[c["B"].pk])
    assert Ballot.objects.get().choices == [c["A"].pk]


def test_it_refuses_practice_staff_who_are_not_the_voting_contact(make_exercise, make_voter):
    exercise, c = make_exercise("ranked")
    practice, _ = make_voter()
    receptionist = UserFactory()
    MembershipFactory(user=receptionist, organisation=practice, role_title="Receptionist")
    with pytest.raises(ValidationError, match="Only a voting contact of"):
        services.ballot_cast(exercise=exercise, practice=practice, user=receptionist, choices=[c["A"].pk])
    assert not Ballot.objects.exists()


def test_it_refuses_a_vote_for_another_practice(make_exercise, make_voter):
    exercise, c = make_exercise("ranked")
    _, user = make_voter()
    other, _ = make_voter()
    with pytest.raises(ValidationError, match="Only a voting contact of"):
        services.ballot_cast(exercise=exercise, practice=other, user=user, choices=[c["A"].pk])
    assert not Ballot.objects.exists()


def test_it_refuses_a_closed_practice(make_exercise, make_voter):
    exercise, c = make_exercise("ranked")
    practice, user = make_voter(status="closed")
    with pytest.raises(ValidationError, match="not a practice that votes"):
        services.ballot_cast(exercise=exercise, practice=practice, user=user, choices=[c["A"].pk])


@pytest.mark.parametrize(
    ("method", "choices", "message"),
    [
        ("approval", [], "Tick at least one"),
        ("approval", ["A", "B", "C"], "Tick no more than 2"),
        ("approval", [999999], "not on the list"),
        ("points", {"A": 4, "B": 4}, "given 8 of 10 points"),
        ("points", {"A": 11}, "given 11 of 10"),
        ("points", {"A": -1, "B": 11}, "whole numbers of 0 or more"),
        ("ranked", [], "Rank at least one"),
        ("ranked", ["A", "A"], "ranked twice"),
    ],
)
def test_it_refuses_an_invalid_ballot(make_exercise, make_voter, method, choices, message):
    exercise, c = make_exercise(method, places=2)
    practice, user = make_voter()
    ids = {name: cand.pk for name, cand in c.items()}
    if isinstance(choices, dict):
        choices = {str(ids[k]): v for k, v in choices.items()}
    else:
        choices = [ids.get(k, k) for k in choices]
    with pytest.raises(ValidationError, match=message):
        services.ballot_cast(exercise=exercise, practice=practice, user=user, choices=choices)
    assert not Ballot.objects.exists()


def test_opening_needs_enough_candidates_and_a_future_close(make_exercise, chair):
    exercise, _ = make_exercise("ranked", names="AB", places=3, status="draft")
    with pytest.raises(ValidationError, match="only 2 candidates"):
        services.exercise_open(exercise=exercise, opened_by=chair)
    exercise.places = 1
    exercise.closes_at = timezone.now() - timezone.timedelta(minutes=1)
    exercise.opens_at = exercise.closes_at - timezone.timedelta(days=1)
    exercise.save()
    with pytest.raises(ValidationError, match="closing time has passed"):
        services.exercise_open(exercise=exercise, opened_by=chair)


def test_candidates_are_fixed_once_voting_opens(make_exercise):
    exercise, c = make_exercise("ranked")
    with pytest.raises(ValidationError, match="can no longer be changed"):
        services.candidate_add(exercise=exercise, title="Late idea")
    with pytest.raises(ValidationError, match="can no longer be changed"):
        services.candidate_archive(candidate=c["A"])


def test_publishing_needs_the_close_and_confirming_needs_publication(make_exercise, make_voter, chair):
    exercise, c = make_exercise("approval", places=1)
    with pytest.raises(ValidationError, match="Close the vote"):
        services.exercise_publish(exercise=exercise, published_by=chair)
    practice, user = make_voter()
    services.ballot_cast(exercise=exercise, practice=practice, user=user, choices=[c["B"].pk])
    services.exercise_close(exercise=exercise)
    with pytest.raises(ValidationError, match="Publish the result"):
        services.priorities_confirm(exercise=exercise, candidates=[c["B"]], confirmed_by=chair)
    services.exercise_publish(exercise=exercise, published_by=chair)
    agreed = services.priorities_confirm(exercise=exercise, candidates=[c["B"], c["A"]], confirmed_by=chair)
    assert [p.title for p in agreed] == ["B", "A"]  # the result's order first
    again = services.priorities_confirm(exercise=exercise, candidates=[c["B"]], confirmed_by=chair)
    assert [p.pk for p in again] == [agreed[0].pk]
    assert agreed[1].__class__.objects.get(pk=agreed[1].pk).is_archived


def test_close_overdue_exercises_counts_those_past_their_closing_time(make_exercise, make_voter):
    due, c = make_exercise("approval", places=1, names="AB")
    later, _ = make_exercise("approval", places=1, names="AB")
    practice, user = make_voter()
    services.ballot_cast(exercise=due, practice=practice, user=user, choices=[c["A"].pk])
    closed = services.close_overdue_exercises(now=due.closes_at)
    assert closed == [due.pk]
    due.refresh_from_db()
    later.refresh_from_db()
    assert due.status == "closed" and due.result["winners"] == ["A"]
    assert later.status == "open"
