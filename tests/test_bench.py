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
        # Written in bulk, the acknowledgements are counted into each decision's stored count all the same.
        counted = Counter(Acknowledgement.objects.values_list("item", flat=True))
        assert {pk: n for pk, n in DecisionItem.objects.values_list("pk", "acknowledged_count") if n} == counted
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
    assert len(log.times) == 2 and len(floor.times) == 2 and log.floor_times == floor.times
    text, _ok = national.report(scale=TINY, figures=generated, demo_counts={"decision log": log.queries},
                                result=result, close={}, digest_figures=None, load=None, requests=2)
    assert "| decision log | member | 200 |" in text
    # The page against the floor requests made alongside it, not against the whole run's floor.
    log.times, log.floor_times, floor.times = [0.010, 0.010], [0.002, 0.002], [0.002, 0.002, 0.005, 0.005, 0.005]
    paired, _ok = national.report(scale=TINY, figures=generated, demo_counts={}, result=result, close={},
                                  digest_figures=None, load=None, requests=2)
    assert "| 10.0 ms | 10.0 ms | 2.0 ms | 5.0 | " in paired and "> 3× floor" in paired
    log.floor_times = [0.004, 0.004]
    paired, _ok = national.report(scale=TINY, figures=generated, demo_counts={}, result=result, close={},
                                  digest_figures=None, load=None, requests=2)
    assert "| 10.0 ms | 10.0 ms | 4.0 ms | 2.5 | " in paired and "decision log: " not in paired
    assert "Load: skipped" in text


def test_it_closes_each_national_vote_and_leaves_it_open(generated):
    with places.unscoped():
        northbrook = Place.objects.get(slug="northbrook")
    close = national.measure_close(northbrook, log=lambda message: None)
    assert set(close) == {"ranked", "approval", "points"}
    assert all(figures["ballots"] >= national.counts_for(TINY)["practices"] for figures in close.values())
    with places.unscoped():
        assert Exercise.objects.filter(place=northbrook, title__startswith="National ", status="open").count() == 3


def test_the_load_run_is_judged_on_people_reading_pages_and_capacity_is_only_reported(generated):
    with places.unscoped():
        northbrook = Place.objects.get(slug="northbrook")
    result = national.measure_pages(northbrook, requests=1, only={"about"}, log=lambda message: None)
    figures = {"users": 50, "seconds": 60.0, "requests": 900, "throughput": 15.0, "p50": 0.05, "p95": 0.2,
               "p99": 0.4, "errors": 0, "error_kinds": {}}
    reading = {**figures, "reading": national.READING}
    capacity = {**figures, "reading": None, "p95": 2.5}
    text, _ok = national.report(scale=TINY, figures=generated, demo_counts={}, result=result, close={},
                                digest_figures=None, load=[reading, capacity], requests=1)
    assert "each reading a page 1–5 s before the next" in text and "(target p95 < 300 ms, 0 errors): PASS" in text
    assert "Capacity (no target): 50 users × 60.0 s against gunicorn -w 2 --threads 4, no pause" in text
    assert "load run" not in text.split("targets FAIL:")[-1]
    slow, _ok = national.report(scale=TINY, figures=generated, demo_counts={}, result=result, close={},
                                digest_figures=None, load=[{**reading, "p95": 0.31}], requests=1)
    assert "(target p95 < 300 ms, 0 errors): FAIL" in slow and "load run" in slow.split("FAIL:")[-1]
