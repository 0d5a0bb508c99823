"""bench/national.py keeps working: a tiny national data set, then one page measured with its floor (no timing
assertions: the bench measures, the tests only prove it runs)."""

from collections import Counter

import pytest

from bench import national
from decisions.models import Acknowledgement, DecisionItem
from members import places
from members.models import Organisation, Place
from priorities.models import Ballot, Exercise
from representation.models import Action, Meeting, Request

TINY = 0.002  # 13 practices, 20 decision items, 400 acknowledgements, 100 actions …


@pytest.fixture
def generated(db):
    return national.generate(TINY, log=lambda message: None)


def test_it_generates_every_kind_of_row_around_the_measured_place(generated):
    want = national.counts_for(TINY)
    with places.unscoped():
        northbrook = Place.objects.get(slug="northbrook")
        assert Organisation.objects.filter(kind="practice", ods_code__isnull=False).count() >= want["practices"]
        per_place = Counter(DecisionItem.objects.values_list("place", flat=True))
        assert per_place.most_common(1)[0][0] == northbrook.pk and sum(per_place.values()) >= want["items"]
        assert Acknowledgement.objects.count() > 0 and Action.objects.count() >= want["actions"]
        assert Meeting.objects.count() >= want["meetings"] and Request.objects.count() >= want["requests"]
        national_votes = Exercise.objects.filter(place=northbrook, title__startswith="National ")
        assert sorted(national_votes.filter(status="open").values_list("method", flat=True)) == [
            "approval", "points", "ranked"]
        assert Ballot.objects.filter(exercise__in=national_votes).count() >= 4 * want["practices"]
    assert generated["measured place"]["decision items"] >= round(want["items"] * national.MEASURED_SHARE)
    assert set(national.personas(northbrook)) == {
        "chair", "gatekeeper", "member", "observer", "practice", "representative"}


def test_it_measures_a_page_against_the_floor_and_reports_it(generated):
    with places.unscoped():
        northbrook = Place.objects.get(slug="northbrook")
    result = national.measure_pages(northbrook, requests=2, only={"decision log"}, log=lambda message: None)
    log, floor = result
    assert (log.name, log.status, floor.name, floor.status) == ("decision log", 200, national.FLOOR, 200)
    assert log.queries > floor.queries > 0
    assert len(log.times) == 2 and len(floor.times) == 2
    text, _ok = national.report(scale=TINY, figures=generated, demo_counts={"decision log": log.queries},
                                result=result, close={}, digest_figures=None, load=None, requests=2)
    assert "| decision log | member | 200 |" in text
    assert "Load: skipped" in text


def test_it_closes_each_national_vote_and_leaves_it_open(generated):
    with places.unscoped():
        northbrook = Place.objects.get(slug="northbrook")
    close = national.measure_close(northbrook, log=lambda message: None)
    assert set(close) == {"ranked", "approval", "points"}
    assert all(figures["ballots"] >= national.counts_for(TINY)["practices"] for figures in close.values())
    with places.unscoped():
        assert Exercise.objects.filter(place=northbrook, title__startswith="National ", status="open").count() == 3
