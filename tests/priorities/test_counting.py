"""The counting engine: hand-worked examples, ties, edge cases and the official Glasgow counts."""

import json
import re
from decimal import Decimal
from pathlib import Path

import pytest

from priorities.blt import parse_blt, read_blt
from priorities.counting import (
    ApprovalBallot,
    CountError,
    PointsBallot,
    RankedBallot,
    count_approval,
    count_points,
    count_stv,
    default_seed,
    format_result,
)

DATA = Path(__file__).parent / "data"
GLASGOW = {
    "glasgow2017_ward7_langside": [
        "Susan AITKEN",
        "Anna RICHARDSON",
        "Archie GRAHAM",
        "Tanya WISELY",
    ],
    "glasgow2017_ward2_newlands_auldburn": ["Josephine DOCHERTY", "Stephen CURRAN", "Kyle THORNTON"],
}
NON_TRANSFERABLE = "non-transferable(incl. truncation loss)"


def ranked(*spec: tuple[str, int | Decimal]) -> list[RankedBallot]:
    """("AB", 3) is three papers ranking A then B."""
    return [RankedBallot(tuple(order), weight) for order, weight in spec]


def totals(stage) -> dict[str, str]:
    return {name: str(value) for name, value in stage.totals.items()}


def without_party(name: str) -> str:
    # The BLT files name "Susan AITKEN (SNP)"; the official sheets' figures are keyed "Susan AITKEN".
    return re.sub(r" \([^)]*\)$", "", name)


# --- approval -----------------------------------------------------------------------------------------


def test_it_counts_approval_ballots_and_takes_the_top_k():
    ballots = [
        ApprovalBallot(("A", "B")),
        ApprovalBallot(("A", "C")),
        ApprovalBallot(("B",)),
        ApprovalBallot(("A", "D")),
    ]
    result = count_approval(["A", "B", "C", "D"], ballots, seats=2)
    assert result.totals == {"A": 3, "B": 2, "C": 1, "D": 1}
    assert result.winners == ("A", "B")
    assert [(c.name, c.rank) for c in result.ranking] == [("A", 1), ("B", 2), ("C", 3), ("D", 3)]
    assert result.tie_broken_by_lot is False
    assert result.tied_at_cutoff == ()


def test_it_weights_approval_ballots_by_list_size():
    ballots = [ApprovalBallot(("A", "B"), 3), ApprovalBallot(("C",), 5), ApprovalBallot(("B", "D"), 1)]
    result = count_approval(["A", "B", "C", "D"], ballots, seats=2)
    assert result.totals == {"A": 3, "B": 4, "C": 5, "D": 1}
    assert result.winners == ("C", "B")


def test_it_breaks_an_approval_tie_at_the_cutoff_by_lot_the_same_way_every_time():
    ballots = [ApprovalBallot(("A", "B")), ApprovalBallot(("A", "C"))]
    first = count_approval(["A", "B", "C"], ballots, seats=2)
    again = count_approval(["A", "B", "C"], ballots, seats=2)
    assert first.winners[0] == "A"
    assert first.winners[1] in {"B", "C"}
    assert first.tied_at_cutoff == ("B", "C")
    assert first.tie_broken_by_lot is True
    assert "lot" in first.note
    assert again.winners == first.winners
    # The lot really is the seed's: across seeds both tied candidates win sometimes.
    assert {count_approval(["A", "B", "C"], ballots, 2, seed=s).winners[1] for s in range(20)} == {"B", "C"}
    # A tie below the cut-off is no tie at the cut-off.
    assert count_approval(["A", "B", "C"], ballots, seats=1, max_choices=2).tie_broken_by_lot is False


def test_it_refuses_approval_ballots_with_too_many_ticks_or_unknown_names():
    with pytest.raises(CountError, match="at most 1"):
        count_approval(["A", "B"], [ApprovalBallot(("A", "B"))], seats=1)
    with pytest.raises(CountError, match="'Z' is not a candidate"):
        count_approval(["A", "B"], [ApprovalBallot(("Z",))], seats=1)
    with pytest.raises(CountError, match="float"):
        count_approval(["A", "B"], [ApprovalBallot(("A",), 1.5)], seats=1)


def test_it_lets_everyone_win_when_seats_are_not_fewer_than_candidates():
    result = count_approval(["A", "B"], [ApprovalBallot(("A",))], seats=3, max_choices=2)
    assert set(result.winners) == {"A", "B"}
    assert result.tie_broken_by_lot is False


# --- points -------------------------------------------------------------------------------------------


def test_it_counts_points_times_weight():
    ballots = [
        PointsBallot({"A": 6, "B": 4}),
        PointsBallot({"B": 10}, 2),
        PointsBallot({"C": 5, "A": 5}),
    ]
    result = count_points(["A", "B", "C"], ballots, seats=1, points_per_ballot=10)
    assert result.totals == {"A": 11, "B": 24, "C": 5}
    assert result.winners == ("B",)
    assert [(c.name, c.rank, c.winner) for c in result.ranking] == [
        ("B", 1, True),
        ("A", 2, False),
        ("C", 3, False),
    ]


def test_it_refuses_a_points_ballot_over_budget():
    with pytest.raises(CountError, match="only 10 may be given"):
        count_points(["A", "B"], [PointsBallot({"A": 6, "B": 5})], seats=1, points_per_ballot=10)


def test_it_breaks_a_points_tie_by_lot_deterministically():
    ballots = [PointsBallot({"A": 5, "B": 5}, Decimal("1200.5"))]
    first = count_points(["A", "B"], ballots, seats=1, points_per_ballot=10)
    assert first.totals == {"A": Decimal("6002.5"), "B": Decimal("6002.5")}
    assert first.tie_broken_by_lot is True
    assert [c.rank for c in first.ranking] == [1, 1]
    assert count_points(["A", "B"], ballots, seats=1, points_per_ballot=10).winners == first.winners


# --- ranked: hand-worked counts -----------------------------------------------------------------------


def test_it_runs_the_alternative_vote_with_an_exclusion():
    # 12 valid votes, 1 seat: quota = floor(12 / 2) + 1 = 7.
    ballots = ranked(("AB", 5), ("B", 4), ("CB", 2), ("C", 1))
    result = count_stv(["A", "B", "C"], ballots, seats=1)
    assert result.valid_votes == Decimal("12.00000")
    assert result.quota == Decimal("7.00000")
    first, second, third = result.stages
    assert totals(first) == {"A": "5.00000", "B": "4.00000", "C": "3.00000"}
    # C has fewest: two papers go on to B, one has no next preference.
    assert second.action == "C excluded"
    assert second.transfers == {"B": Decimal("2.00000")}
    assert second.non_transferable_added == Decimal("1.00000")
    assert totals(second) == {"A": "5.00000", "B": "6.00000"}
    # Nobody has the quota and two are left for one seat, so A (fewest) goes and B passes the quota.
    assert third.action == "A excluded"
    assert totals(third) == {"B": "11.00000"}
    assert third.non_transferable == Decimal("1.00000")
    assert result.elected_names == ("B",)
    assert result.elected[0].stage == 3
    assert result.elected[0].reason == "quota"
    assert "rule 50" in second.why


def test_it_transfers_a_surplus_with_a_truncated_transfer_value():
    # 15 valid votes, 2 seats: quota = floor(15 / 3) + 1 = 6. A has 7, a surplus of 1.
    ballots = ranked(("AB", 5), ("AC", 1), ("A", 1), ("B", 2), ("C", 3), ("DC", 3))
    result = count_stv(["A", "B", "C", "D"], ballots, seats=2)
    assert result.quota == Decimal("6.00000")
    assert result.stages[0].elected == ("A",)
    surplus = result.stages[1]
    # Transfer value 1 × 1 / 7 = 0.142857... truncated to 0.14285 for every one of A's papers.
    assert surplus.action == "Surplus of A transferred"
    assert "0.14285" in surplus.why
    assert surplus.transfers == {"B": Decimal("0.71425"), "C": Decimal("0.14285")}
    # The paper with no second choice (0.14285) plus the truncation loss (0.00005).
    assert surplus.non_transferable_added == Decimal("0.14290")
    assert totals(surplus) == {"A": "6.00000", "B": "2.71425", "C": "3.14285", "D": "3.00000"}
    # B is excluded; none of B's papers (own at 1, A's at 0.14285) has a further continuing preference.
    exclusion = result.stages[2]
    assert exclusion.action == "B excluded"
    assert exclusion.transfers == {}
    assert exclusion.non_transferable == Decimal("2.85715")
    # D is excluded and D's papers lift C over the quota.
    last = result.stages[3]
    assert totals(last) == {"A": "6.00000", "C": "6.14285"}
    assert [(e.name, e.stage, e.reason) for e in result.elected] == [("A", 1, "quota"), ("C", 4, "quota")]
    for stage in result.stages:
        assert sum(stage.totals.values()) + stage.non_transferable == result.valid_votes


def test_it_counts_weighted_ranked_ballots_by_list_size():
    # Three practices weighted by list size: 18,500 valid votes, quota floor(18500 / 2) + 1 = 9251.
    ballots = ranked(("AB", 8500), ("B", 6000), ("CB", 4000))
    result = count_stv(["A", "B", "C"], ballots, seats=1)
    assert result.quota == Decimal("9251.00000")
    assert totals(result.stages[1]) == {"A": "8500.00000", "B": "10000.00000"}
    assert result.elected_names == ("B",)
    assert result.elected[0].stage == 2


def test_it_gives_the_same_count_for_a_weight_as_for_that_many_single_ballots():
    weighted = ranked(("AB", 5), ("AC", 1), ("A", 1), ("B", 2), ("C", 3), ("DC", 3))
    single = [RankedBallot(b.preferences, 1) for b in weighted for _ in range(b.weight)]
    one = count_stv(["A", "B", "C", "D"], weighted, seats=2)
    other = count_stv(["A", "B", "C", "D"], single, seats=2)
    assert [(s.totals, s.non_transferable) for s in one.stages] == [
        (s.totals, s.non_transferable) for s in other.stages
    ]
    assert one.elected == other.elected


def test_it_breaks_an_exclusion_tie_by_the_most_recent_earlier_stage():
    # Stage 1: B 5, C 4. Stage 2 (E out): B 5, C 6. Stage 3 (D out): B 6, C 6 - tied for fewest.
    # The most recent stage at which they differed is stage 2, where B was lower, so B goes
    # (looking at stage 1 instead would wrongly exclude C).
    ballots = ranked(("A", 7), ("B", 5), ("C", 4), ("DB", 1), ("D", 2), ("EC", 2))
    result = count_stv(["A", "B", "C", "D", "E"], ballots, seats=1)
    assert result.quota == Decimal("11.00000")
    assert totals(result.stages[2]) == {"A": "7.00000", "B": "6.00000", "C": "6.00000"}
    fourth = result.stages[3]
    assert fourth.action == "B excluded"
    assert "stage 2" in fourth.tie_note
    assert result.tie_broken_by_lot is False
    assert result.ties_by_lot == ()
    assert result.excluded == ("E", "D", "B", "C")
    # A never reaches the quota but is the last continuing candidate for the last seat (rule 52).
    assert [(e.name, e.stage, e.reason) for e in result.elected] == [("A", 5, "last vacancies")]


def test_it_breaks_a_tie_equal_at_every_stage_by_lot_the_same_way_every_time():
    ballots = ranked(("A", 2), ("B", 2), ("C", 3))
    first = count_stv(["A", "B", "C"], ballots, seats=1)
    again = count_stv(["A", "B", "C"], ballots, seats=1)
    assert first.tie_broken_by_lot is True
    assert "lot" in first.stages[1].tie_note
    assert first.ties_by_lot == (("A", "B"),)
    assert first.excluded == again.excluded
    assert first.seed == default_seed(["C", "B", "A"])
    assert {count_stv(["A", "B", "C"], ballots, 1, seed=s).excluded[0] for s in range(20)} == {"A", "B"}


def test_it_excludes_a_candidate_with_no_votes_moving_nothing():
    ballots = ranked(("A", 2), ("B", 2), ("CA", 1))
    result = count_stv(["A", "B", "C", "Z"], ballots, seats=1)
    assert totals(result.stages[0])["Z"] == "0.00000"
    second = result.stages[1]
    assert second.action == "Z excluded"
    assert second.transfers == {}
    assert second.non_transferable_added == Decimal("0.00000")
    assert result.stages[2].action == "C excluded"
    assert result.elected_names == ("A",)


def test_it_leaves_empty_ballots_out_of_the_valid_votes():
    ballots = ranked(("A", 3), ("", 4), ("B", 2))
    result = count_stv(["A", "B"], ballots, seats=1)
    assert result.valid_votes == Decimal("5.00000")
    assert result.quota == Decimal("3.00000")
    assert result.elected_names == ("A",)
    assert len(result.stages) == 1


def test_it_elects_everyone_when_seats_are_not_fewer_than_candidates():
    ballots = ranked(("AB", 3), ("C", 1))
    for seats in (3, 5):
        result = count_stv(["A", "B", "C"], ballots, seats=seats)
        assert len(result.stages) == 1
        assert set(result.elected_names) == {"A", "B", "C"}
        assert all(e.stage == 1 for e in result.elected)


def test_it_passes_over_withdrawn_candidates():
    ballots = ranked(("BA", 2), ("C", 1), ("B", 5))
    result = count_stv(["A", "B", "C"], ballots, seats=1, withdrawn=["B"])
    # The five papers for B alone are empty once B is withdrawn.
    assert result.valid_votes == Decimal("3.00000")
    assert "B" not in result.stages[0].totals
    assert result.elected_names == ("A",)


def test_it_refuses_floats_and_unknown_candidates_in_ranked_ballots():
    with pytest.raises(CountError, match="float"):
        count_stv(["A"], [RankedBallot(("A",), 0.5)], seats=1)
    with pytest.raises(CountError, match="'Q' is not a candidate"):
        count_stv(["A"], [RankedBallot(("Q",))], seats=1)
    with pytest.raises(CountError, match="ranked twice"):
        count_stv(["A", "B"], [RankedBallot(("A", "A"))], seats=1)


# --- conformance with the official Glasgow 2017 count sheets ------------------------------------------


def official(key: str) -> dict:
    return json.loads((DATA / "expected.json").read_text())[key]


@pytest.mark.parametrize("key", GLASGOW)
def test_it_reproduces_every_official_glasgow_stage(key):
    expected = official(key)
    result = read_blt(DATA / f"{key}.blt").count()
    assert result.valid_votes == Decimal(expected["valid_votes"])
    assert str(result.quota) == expected["quota"]
    assert len(result.stages) == len(expected["stages"])
    for stage, sheet in zip(result.stages, expected["stages"], strict=True):
        got = {without_party(name): str(value) for name, value in stage.totals.items()}
        got[NON_TRANSFERABLE] = str(stage.non_transferable.quantize(Decimal("0.00001")))
        assert got == sheet["values"], f"stage {stage.number}"
    assert [without_party(name) for name in result.elected_names] == GLASGOW[key]


def test_it_reproduces_langside_every_stage_and_elects_wisely_not_haddow():
    result = read_blt(DATA / "glasgow2017_ward7_langside.blt").count()
    assert [(without_party(e.name), e.stage) for e in result.elected] == [
        ("Susan AITKEN", 1),
        ("Anna RICHARDSON", 2),
        ("Archie GRAHAM", 3),
        ("Tanya WISELY", 9),
    ]
    assert str(result.stages[-1].non_transferable) == "2075.46929"


def test_it_reproduces_newlands_auldburn_election_stages():
    result = read_blt(DATA / "glasgow2017_ward2_newlands_auldburn.blt").count()
    assert [(without_party(e.name), e.stage) for e in result.elected] == [
        ("Josephine DOCHERTY", 1),
        ("Stephen CURRAN", 4),
        ("Kyle THORNTON", 7),
    ]


def test_it_counts_langside_identically_with_merged_or_expanded_ballot_lines(tmp_path):
    merged_text = (DATA / "glasgow2017_ward7_langside.blt").read_text()
    lines = merged_text.split("\n")
    end = lines.index("0")
    expanded = [lines[0]]
    for line in lines[1:end]:
        weight, rest = line.split(" ", 1)
        expanded += [f"1 {rest}"] * int(weight)
    expanded_file = tmp_path / "langside_expanded.blt"
    expanded_file.write_text("\n".join(expanded + lines[end:]))
    merged = parse_blt(merged_text)
    single = read_blt(expanded_file)
    assert len(single.ballots) == 10749 > len(merged.ballots)
    one, other = merged.count(), single.count()
    assert [(s.totals, s.non_transferable, s.transfers) for s in one.stages] == [
        (s.totals, s.non_transferable, s.transfers) for s in other.stages
    ]
    assert one.elected == other.elected


def test_it_formats_the_count_sheet_with_every_stage_and_the_elected_in_order():
    result = read_blt(DATA / "glasgow2017_ward2_newlands_auldburn.blt").count()
    text = format_result(result, width=100)
    assert all(len(line) <= 100 for line in text.splitlines())
    for value in ("1879.00000*", "1078.55928", "2157.89519*", "1473.10481", "7263.00000"):
        assert value in text
    assert "Quota: 1816.00000" in text
    elected = text[text.index("Elected, in order:") :]
    assert elected.index("DOCHERTY") < elected.index("CURRAN") < elected.index("THORNTON")
    assert "(stage 7)" in elected
