import pytest

from ..factories import CandidateFactory, ExerciseFactory, MembershipFactory, PracticeFactory, UserFactory


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
