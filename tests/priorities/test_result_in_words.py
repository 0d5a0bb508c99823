"""The count explained in plain English (selectors.result_in_words), from real counts stored at the close, and its
place on the results page: before the rule text and the stage table."""

import pytest
from django.urls import reverse

from priorities import selectors

pytestmark = pytest.mark.django_db


def test_it_says_how_many_practices_decided_an_approval_vote_and_who_was_agreed_and_why(vote_and_close):
    exercise = vote_and_close("approval",
                       [(8000, "AB"), (8000, "AC"), (8000, "B"), (8000, "A")], places=2)
    assert selectors.result_in_words(exercise.result) == [
        "4 practices’ votes decided it (4 of the 4 practices that could vote, 100%).",
        "Each practice ticked up to 2 candidates.",
        "A (3 votes) and B (2 votes) were agreed because they had the most votes; the next, C, had 1.",
    ]


def test_it_says_a_weighted_vote_counted_patients(vote_and_close):
    exercise = vote_and_close("approval",
                       [(12000, "C"), (3000, "AB"), (4000, "AB"), (2000, "A")], weighted=True, places=2)
    words = selectors.result_in_words(exercise.result)
    assert words[0] == (
        "4 practices’ votes decided it (4 of the 4 practices that could vote, 100%). Each practice’s vote counted "
        "as many times as it has registered patients: 21,000 in all."
    )
    assert words[2] == (
        "C (12,000 weighted votes) and A (9,000 weighted votes) were agreed because they had the most votes, "
        "weighted by list size; the next, B, had 7,000."
    )


def test_it_explains_points(vote_and_close):
    exercise = vote_and_close("points",
                       [(1000, {"A": 10}), (5000, {"B": 6, "C": 4}), (3000, {"B": 5, "A": 5})],
                       names="ABC", places=1)
    assert selectors.result_in_words(exercise.result)[1:] == [
        "Each practice shared 10 points among the candidates.",
        "A (15 points) was agreed because it received the most points; the next, B, had 11.",
    ]


def test_it_names_the_candidates_of_an_approval_tie_broken_by_lot(vote_and_close):
    exercise = vote_and_close("approval", [(1, "AB"), (1, "AC")], names="ABC", places=2)
    seed = exercise.result["seed"]
    assert selectors.result_in_words(exercise.result)[-1] == (
        f"A tie between B and C was broken by lot, in public; the seed ({seed}) is shown in the audit of the count "
        "below."
    )


def test_it_explains_a_ranked_count_with_a_surplus_and_an_exclusion(vote_and_close):
    # Quota 3 of 7: A is elected on first preferences; C reaches the quota once D is excluded (and B before).
    ballots = [(1, "AB")] * 4 + [(1, "C")] * 2 + [(1, "DC")]
    exercise = vote_and_close("ranked", ballots, names="ABCD", places=2)
    assert selectors.result_in_words(exercise.result) == [
        "7 practices’ votes decided it (7 of the 7 practices that could vote, 100%).",
        "Practices numbered the candidates in order of preference. To be agreed a candidate needed 3 of the 7 valid "
        "votes (the quota); the votes of a candidate who was excluded, or who had more than the quota, passed on to "
        "each ballot’s next choice.",
        "A reached the quota on first preferences; C reached the quota at stage 4, with votes passed on from D.",
    ]


def test_it_says_when_the_last_place_went_to_the_only_candidate_left(vote_and_close):
    # Quota 4 of 6 and no later preferences: C then B are excluded, and A, left alone, takes the place (rule 52).
    ballots = [(1, "A")] * 3 + [(1, "B")] * 2 + [(1, "C")]
    exercise = vote_and_close("ranked", ballots, names="ABC", places=1)
    assert exercise.result["winners"] == ["A"]
    assert selectors.result_in_words(exercise.result)[-1] == (
        "A was agreed at stage 3 as the only candidate left for the last place."
    )


def test_it_names_the_candidates_of_a_ranked_tie_broken_by_lot(vote_and_close):
    # A and B have 2 each at every stage: which is excluded is decided by lot.
    exercise = vote_and_close("ranked", [(1, "A")] * 2 + [(1, "B")] * 2 + [(1, "C")] * 3,
                       names="ABC", places=1)
    seed = exercise.result["stv"]["seed"]
    assert f"A tie between A and B was broken by lot, in public; the seed ({seed}) is shown in the audit of the " \
           "count below." in selectors.result_in_words(exercise.result)


def test_it_still_reports_a_lot_in_a_result_stored_before_the_tied_names_were(vote_and_close):
    exercise = vote_and_close("approval", [(1, "AB"), (1, "AC")], names="ABC", places=2)
    del exercise.result["tied_at_cutoff"]
    assert selectors.result_in_words(exercise.result)[-1].startswith("A tie was broken by lot, in public; the seed")


def test_it_says_every_candidate_was_agreed_when_there_were_no_more_than_places(vote_and_close):
    exercise = vote_and_close("ranked", [(1, "A")], names="AB", places=2)
    assert selectors.result_in_words(exercise.result) == [
        "1 practice’s vote decided it (1 of the 1 practices that could vote, 100%).",
        "There were no more candidates than places, so every candidate was agreed.",
    ]


def test_it_says_when_no_practice_voted(vote_and_close, make_voter):
    make_voter()
    exercise = vote_and_close("points", [], names="AB", places=1)
    assert selectors.result_in_words(exercise.result)[0] == (
        "No practice voted (0 of the 1 practices that could vote, 0%), so the places were filled by the counting "
        "rules alone."
    )


@pytest.mark.parametrize(("key", "last"), [
    ("glasgow2017_ward7_langside",
     "Susan AITKEN (SNP) reached the quota on first preferences; Anna RICHARDSON (SNP) reached the quota at stage 2, "
     "with votes passed on from Susan AITKEN (SNP); Archie GRAHAM (Lab) reached the quota at stage 3, with votes "
     "passed on from Susan AITKEN (SNP) and Anna RICHARDSON (SNP); Tanya WISELY (Grn) reached the quota at stage 9, "
     "with votes passed on from 8 other candidates."),
    ("glasgow2017_ward2_newlands_auldburn",
     "Josephine DOCHERTY (SNP) reached the quota on first preferences; Stephen CURRAN (Lab) reached the quota at "
     "stage 4, with votes passed on from Josephine DOCHERTY (SNP), Rebecca COLEMAN-BENNETT (LD) and Fay GRAHAM "
     "(Lab); Kyle THORNTON (C) reached the quota at stage 7, with votes passed on from 6 other candidates."),
])
def test_it_explains_the_official_council_counts(council_count, key, last):
    result, expected = council_count(key)
    words = selectors.result_in_words(result)
    assert words[0] == (
        f"{result['ballots']:,} practices’ votes decided it. Each practice’s vote counted as many times as it has "
        f"registered patients: {expected['valid_votes']:,} in all."
    )
    assert f"needed {int(expected['quota'].split('.')[0]):,} of the {expected['valid_votes']:,} valid votes" in words[1]
    assert words[2] == last


def test_the_results_page_explains_the_count_before_the_rule_text_and_the_stage_table(
    client_for, chair, vote_and_close
):
    ballots = [(1, "AB")] * 4 + [(1, "C")] * 2 + [(1, "DC")]
    exercise = vote_and_close("ranked", ballots, names="ABCD", places=2)
    html = client_for(chair).get(reverse("priorities:exercise", args=[exercise.pk])).content.decode()
    words = html.index("7 practices’ votes decided it")
    assert words < html.index("A reached the quota on first preferences") < html.index("Audit of the count")
    assert html.index("Audit of the count") < html.index("Single transferable vote (SSI 2007/42)")
    assert html.index("Audit of the count") < html.index("Stage by stage")
