"""Acceptance 2: real threads against PostgreSQL. 50 parallel submissions for one practice leave exactly one
ballot; 100 practices voting in parallel leave exactly 100."""

import threading

import pytest
from django.db import connection

from priorities import services
from priorities.models import Ballot

from ..factories import MembershipFactory, PCNFactory, PracticeFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


# PostgreSQL here allows 100 connections, shared with the other apps' test runs: at most this many threads hold
# one at a time. The rest wait at the semaphore, already started, and go in as soon as a connection is free.
MAX_CONNECTIONS = 40


def _in_parallel(calls):
    """Run each call in its own thread, all released at once; returns (results, errors)."""
    barrier = threading.Barrier(len(calls))
    connections = threading.BoundedSemaphore(MAX_CONNECTIONS)
    results, errors = [], []
    lock = threading.Lock()

    def run(call):
        barrier.wait()
        with connections:
            try:
                outcome = call()
                with lock:
                    results.append(outcome)
            except Exception as error:  # noqa: BLE001 - every failure is reported by the test
                with lock:
                    errors.append(error)
            finally:
                connection.close()

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results, errors


def test_fifty_parallel_submissions_for_one_practice_leave_one_ballot(make_exercise, make_voter):
    exercise, c = make_exercise("ranked", names="ABCD")
    practice, user = make_voter()
    ids = [cand.pk for cand in c.values()]
    orders = [ids[n % 4:] + ids[: n % 4] for n in range(50)]
    results, errors = _in_parallel(
        [lambda order=order: services.ballot_cast(exercise=exercise, practice=practice, user=user, choices=order)
         for order in orders]
    )
    assert errors == []
    assert len(results) == 50
    ballot = Ballot.objects.get(exercise=exercise, practice=practice)
    assert ballot.revision == 50
    assert ballot.choices in orders
    assert ballot.history.count() == 50


def test_a_hundred_practices_voting_in_parallel_leave_a_hundred_ballots(make_exercise):
    exercise, c = make_exercise("approval", names="ABC", places=2)
    pcn = PCNFactory()
    voters = []
    for _ in range(100):
        practice = PracticeFactory(pcn=pcn)
        user = UserFactory()
        MembershipFactory(user=user, organisation=practice, is_voting_contact=True)
        voters.append((practice, user))
    choice = [c["A"].pk, c["C"].pk]
    results, errors = _in_parallel(
        [lambda p=p, u=u: services.ballot_cast(exercise=exercise, practice=p, user=u, choices=choice)
         for p, u in voters]
    )
    assert errors == []
    assert Ballot.objects.filter(exercise=exercise).count() == 100
    closed = services.exercise_close(exercise=exercise)
    assert closed.result["turnout"]["voted"] == 100
    assert {r["title"]: r["total"] for r in closed.result["ranking"]}["A"] == "100.00000"


def test_a_close_racing_the_votes_counts_exactly_the_ballots_stored(make_exercise):
    exercise, c = make_exercise("approval", names="AB", places=1)
    pcn = PCNFactory()
    voters = []
    for _ in range(30):
        practice = PracticeFactory(pcn=pcn)
        user = UserFactory()
        MembershipFactory(user=user, organisation=practice, is_voting_contact=True)
        voters.append((practice, user))
    calls = [lambda p=p, u=u: services.ballot_cast(exercise=exercise, practice=p, user=u, choices=[c["A"].pk])
             for p, u in voters]
    calls.insert(15, lambda: services.exercise_close(exercise=exercise))
    results, errors = _in_parallel(calls)
    assert all("Voting has closed" in str(e) for e in errors)
    exercise.refresh_from_db()
    stored = Ballot.objects.filter(exercise=exercise).count()
    assert stored == 30 - len(errors)
    assert exercise.result["turnout"]["voted"] == stored
