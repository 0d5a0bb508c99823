"""Acceptance 1: the exercise → ballots → close → count path, for each method and weighting, against hand-worked
examples; and the stored result against both shared Glasgow council elections at every stage."""

from decimal import Decimal
from pathlib import Path

import pytest

from priorities import services
from priorities.models import Ballot, Exercise

pytestmark = pytest.mark.django_db
DATA = Path(__file__).parent / "data"


def test_approval_one_practice_one_vote(vote_and_close):
    # A 3, B 2, C 1, D 0: the two highest win.
    exercise = vote_and_close("approval",
                               [(8000, "AB"), (8000, "AC"), (8000, "B"), (8000, "A")], places=2)
    assert exercise.status == Exercise.Status.CLOSED
    assert exercise.result["winners"] == ["A", "B"]
    assert {r["title"]: r["total"] for r in exercise.result["ranking"]} == {
        "A": "3.00000", "B": "2.00000", "C": "1.00000", "D": "0.00000"
    }
    assert exercise.result["turnout"]["voted"] == 4


def test_approval_weighted_by_list_size_changes_the_winners(vote_and_close):
    # By practice: A 3, B 2, C 1. By patients: C 12,000, A 9,000, B 7,000.
    exercise = vote_and_close("approval",
                               [(12000, "C"), (3000, "AB"), (4000, "AB"), (2000, "A")], weighted=True, places=2)
    assert exercise.result["winners"] == ["C", "A"]
    assert {r["title"]: r["total"] for r in exercise.result["ranking"]}["B"] == "7000.00000"
    assert sorted(Ballot.objects.values_list("weight", flat=True)) == [
        Decimal(2000), Decimal(3000), Decimal(4000), Decimal(12000)
    ]


def test_points_one_practice_one_vote(vote_and_close):
    # A 10 + 5 = 15, B 6 + 5 = 11, C 4.
    exercise = vote_and_close("points",
                               [(1000, {"A": 10}), (5000, {"B": 6, "C": 4}), (3000, {"B": 5, "A": 5})],
                               names="ABC", places=1)
    assert exercise.result["winners"] == ["A"]
    assert exercise.result["ranking"][0] == {"title": "A", "total": "15.00000", "rank": 1, "winner": True}


def test_points_weighted_by_list_size(vote_and_close):
    # A 10×1000 + 5×3000 = 25,000; B 6×5000 + 5×3000 = 45,000; C 4×5000 = 20,000.
    exercise = vote_and_close("points",
                               [(1000, {"A": 10}), (5000, {"B": 6, "C": 4}), (3000, {"B": 5, "A": 5})],
                               names="ABC", places=1, weighted=True)
    assert exercise.result["winners"] == ["B"]
    assert {r["title"]: r["total"] for r in exercise.result["ranking"]} == {
        "A": "25000.00000", "B": "45000.00000", "C": "20000.00000"
    }


def test_ranked_one_seat_is_the_alternative_vote(vote_and_close):
    # First preferences A 2, B 2, C 1; quota floor(5/2)+1 = 3. C is excluded and transfers to B, who has 3.
    exercise = vote_and_close("ranked",
                               [(1, "AB"), (1, "BA"), (1, "CB"), (1, "A"), (1, "B")], names="ABC", places=1)
    stv = exercise.result["stv"]
    assert stv["quota"] == "3.00000"
    assert exercise.result["winners"] == ["B"]
    assert [s["action"] for s in stv["stages"]] == ["First preferences", "C excluded"]
    assert stv["stages"][1]["transfers"] == {"B": "1.00000"}
    assert stv["stages"][1]["totals"] == {"A": "2.00000", "B": "3.00000"}


def test_ranked_weighted_by_list_size(vote_and_close):
    # A 5,000 + 5,000 = 10,000 of 13,000 valid; quota 6,501: A is elected on first preferences.
    exercise = vote_and_close("ranked",
                               [(5000, "AB"), (1000, "BA"), (1000, "CB"), (5000, "A"), (1000, "B")],
                               names="ABC", places=1, weighted=True)
    stv = exercise.result["stv"]
    assert (stv["valid_votes"], stv["quota"]) == ("13000.00000", "6501.00000")
    assert exercise.result["winners"] == ["A"]
    assert len(stv["stages"]) == 1


def test_ranked_two_seats_transfers_a_surplus_at_a_truncated_value(vote_and_close):
    # 7 practices, quota floor(7/3)+1 = 3. A has 4 and is elected; the surplus of 1 moves at 1/4 = 0.25 per
    # paper to B. B and D tie on 1; at stage 1 B had fewer, so B is excluded (rule 51(2)). D goes next, to C.
    ballots = [(1, "AB")] * 4 + [(1, "C")] * 2 + [(1, "DC")]
    exercise = vote_and_close("ranked", ballots, names="ABCD", places=2)
    stages = exercise.result["stv"]["stages"]
    assert exercise.result["winners"] == ["A", "C"]
    assert [s["action"] for s in stages] == [
        "First preferences", "Surplus of A transferred", "B excluded", "D excluded"
    ]
    assert stages[1]["transfers"] == {"B": "1.00000"}
    assert stages[1]["totals"] == {"A": "3.00000", "B": "1.00000", "C": "2.00000", "D": "1.00000"}
    assert "stage 1" in stages[2]["tie_note"]
    assert stages[2]["non_transferable"] == "1.00000"
    assert stages[3]["totals"] == {"A": "3.00000", "C": "3.00000"}


def test_a_practice_without_a_list_size_counts_as_zero_and_is_named(vote_and_close):
    exercise = vote_and_close("approval", [(None, "A"), (100, "B")],
                               weighted=True, places=1, names="AB")
    assert exercise.result["winners"] == ["B"]
    assert len(exercise.result["unweighted_practices"]) == 1


def test_the_weight_is_the_list_size_when_voting_closes(make_exercise, make_voter):
    exercise, candidates = make_exercise("approval", names="AB", places=1, weighting="list_size")
    practice, user = make_voter(list_size=1000)
    services.ballot_cast(exercise=exercise, practice=practice, user=user, choices=[candidates["A"].pk])
    practice.list_size = 1500
    practice.save(update_fields=["list_size"])
    exercise = services.exercise_close(exercise=exercise)
    assert Ballot.objects.get().weight == Decimal(1500)
    assert exercise.result["ranking"][0]["total"] == "1500.00000"
    # The weight is written with its history, as a save would (members.audit).
    latest = Ballot.history.order_by("-history_id").first()
    assert (latest.weight, latest.history_type, latest.history_date) == (Decimal(1500), "~", exercise.closed_at)
    assert latest.choices == [candidates["A"].pk] and latest.practice_id == practice.pk


@pytest.mark.parametrize("method", ["ranked", "approval", "points"])
def test_closing_reads_and_writes_in_a_fixed_number_of_queries_however_many_ballots(
    make_exercise, make_voter, method
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def close_with(voters: int) -> int:
        exercise, candidates = make_exercise(method, names="ABC", places=1, weighting="list_size")
        choices = {"ranked": [candidates["A"].pk, candidates["B"].pk], "approval": [candidates["A"].pk],
                   "points": {str(candidates["A"].pk): exercise.points_per_ballot}}[method]
        for n in range(voters):
            practice, user = make_voter(list_size=1000 + n)
            services.ballot_cast(exercise=exercise, practice=practice, user=user, choices=choices)
        with CaptureQueriesContext(connection) as queries:
            closed = services.exercise_close(exercise=exercise)
        assert closed.result["winners"] == ["A"]
        assert sorted(Ballot.objects.filter(exercise=exercise).values_list("weight", flat=True)) == [
            Decimal(1000 + n) for n in range(voters)]
        return len(queries.captured_queries)

    assert close_with(2) == close_with(12)


# --- the shared council elections, through the exercise's count and its stored JSON -------------------------


def _without_party(name: str) -> str:
    return name.rsplit(" (", 1)[0]


@pytest.mark.parametrize("key", ["glasgow2017_ward7_langside", "glasgow2017_ward2_newlands_auldburn"])
def test_the_stored_result_reproduces_the_official_count_at_every_stage(council_count, key):
    result, expected = council_count(key)
    stv = result["stv"]
    assert stv["quota"] == expected["quota"]
    assert Decimal(stv["valid_votes"]) == expected["valid_votes"]
    assert len(stv["stages"]) == len(expected["stages"])
    for stage, sheet in zip(stv["stages"], expected["stages"], strict=True):
        got = {_without_party(name): value for name, value in stage["totals"].items()}
        got["non-transferable(incl. truncation loss)"] = stage["non_transferable"]
        assert got == sheet["values"], f"stage {stage['number']}"
    assert len(result["winners"]) == result["places"]
