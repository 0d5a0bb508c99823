"""Plan items overdue and an exercise's turnout are each defined once: the QuerySet method and the instance
answer agree on the same rows."""

from datetime import timedelta

import pytest
from django.utils import timezone

from priorities import selectors, services
from priorities.models import Ballot, Exercise, PlanItem

from ..factories import PlanItemFactory

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


@pytest.mark.parametrize("due_in_days,rag,archived,expected", [
    (-1, "green", False, True),
    (-1, "red", False, True),
    (0, "green", False, False),
    (None, "green", False, False),
    (-1, "complete", False, False),
    (-1, "green", True, False),
])
def test_a_plan_item_is_overdue_by_one_rule(due_in_days, rag, archived, expected):
    item = PlanItemFactory(due_date=TODAY + timedelta(days=due_in_days) if due_in_days is not None else None,
                           rag_status=rag, is_archived=archived)
    assert (PlanItem.objects.overdue(TODAY).filter(pk=item.pk).exists(), item.is_overdue(TODAY)) == (expected,
                                                                                                   expected)


def test_turnout_counts_the_same_ballots_on_the_list_the_dashboard_and_the_exercise(make_exercise, make_voter):
    exercise, candidates = make_exercise("approval", "AB", places=1)
    voters = [make_voter() for _ in range(3)]
    for practice, user in voters[:2]:
        services.ballot_cast(exercise=exercise, practice=practice, user=user, choices=[candidates["A"].pk])
    # A practice that voted and then closed no longer counts, in the turnout or among the eligible.
    closed, _ = voters[1]
    closed.status = "closed"
    closed.save(update_fields=["status"])
    assert Ballot.objects.filter(exercise=exercise).count() == 2

    turnout = services.turnout(exercise)
    listed = Exercise.objects.with_turnout().get(pk=exercise.pk)
    assert (turnout["voted"], turnout["eligible"], turnout["percent"]) == (1, 2, 50)
    assert listed.ballot_count == turnout["voted"]
    [opened] = selectors.open_exercises()
    assert (opened.ballot_count, opened.eligible, opened.turnout_percent) == (1, 2, 50)
