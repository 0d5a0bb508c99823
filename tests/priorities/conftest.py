import json
from decimal import Decimal
from pathlib import Path

import pytest

from priorities import services
from priorities.blt import read_blt
from priorities.models import Candidate, Exercise

from ..factories import CandidateFactory, ExerciseFactory, MembershipFactory, PracticeFactory, UserFactory

DATA = Path(__file__).parent / "data"


@pytest.fixture
def make_voter(db):
    """A practice with its voting contact: make_voter(list_size=…) → (practice, user)."""

    def _make(pcn=None, list_size=8000, **kwargs):
        practice = PracticeFactory(list_size=list_size, **({"pcn": pcn} if pcn else {}), **kwargs)
        user = UserFactory()
        MembershipFactory(user=user, organisation=practice, is_voting_contact=True)
        return practice, user

    return _make


@pytest.fixture
def make_exercise(db):
    """An open exercise with candidates named by letter: make_exercise("ranked", "ABCD", places=2)."""

    def _make(method="ranked", names="ABCD", **kwargs):
        exercise = ExerciseFactory(method=method, **kwargs)
        candidates = {name: CandidateFactory(exercise=exercise, title=name, position=n) for n, name in enumerate(names)}
        return exercise, candidates

    return _make


@pytest.fixture
def vote_and_close(make_exercise, make_voter):
    """An exercise voted and closed: vote_and_close("approval", [(list_size, "AB"), …], places=2). Each ballot is
    (list size, choices in candidate letters; points as {letter: points}), cast by a new practice."""

    def _vote_and_close(method, ballots, *, weighted=False, **kwargs):
        exercise, candidates = make_exercise(method, weighting="list_size" if weighted else "equal", **kwargs)
        for list_size, choices in ballots:
            practice, user = make_voter(list_size=list_size)
            if method == "points":
                stored = {str(candidates[name].pk): points for name, points in choices.items()}
            else:
                stored = [candidates[name].pk for name in choices]
            services.ballot_cast(exercise=exercise, practice=practice, user=user, choices=stored)
        return services.exercise_close(exercise=exercise)

    return _vote_and_close


@pytest.fixture
def council_count():
    """council_count(key) → (stored result as JSON data, official figures) for a shared Glasgow council election,
    counted through the exercise's count. Each distinct BLT line stands for a practice whose list size is the
    line's multiplicity, so a weighted exercise must count exactly as the council did."""

    def _count(key):
        election = read_blt(DATA / f"{key}.blt")
        expected = json.loads((DATA / "expected.json").read_text())[key]
        exercise = Exercise(method="ranked", places=election.seats, weighting="list_size")
        candidates = [Candidate(pk=n, title=name, position=n) for n, name in enumerate(election.candidates, start=1)]
        ids = {c.title: c.pk for c in candidates}
        ballots = [
            services.CountedBallot([ids[name] for name in b.preferences], Decimal(b.weight)) for b in election.ballots
        ]
        return json.loads(json.dumps(services.count_exercise(exercise, candidates, ballots))), expected

    return _count
