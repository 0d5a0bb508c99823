"""Benchmark closing and counting a national ballot (not a test): `.venv/bin/python bench/bench_close.py`.

6,651 practices (England's count) each cast a ballot on 12 candidates; the exercise is then closed and counted
through `priorities.services.exercise_close`, once per method (ranked, approval, points), weighted by list size so
every ballot's weight is written. Runs on a database of its own (`gpleadership_bench_close`, made and dropped here)
and prints the seconds and the queries each close took. Target (issue 12): 1 s or less for each method.
"""

from __future__ import annotations

import cProfile
import os
import pstats
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DB = "gpleadership_bench_close"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gpleadership.settings")
os.environ["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{DB}"
os.environ.pop("REDIS_URL", None)  # eager tasks, local cache: nothing here sends anything
PRACTICES = 6651
CANDIDATES = 12


def _recreate_database() -> None:
    import psycopg2

    connection = psycopg2.connect(host="127.0.0.1", user="postgres", dbname="postgres")
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{DB}"')
        cursor.execute(f'CREATE DATABASE "{DB}"')
    connection.close()


def _choices(method: str, candidate_ids: list[int], rng: random.Random):
    if method == "ranked":
        return rng.sample(candidate_ids, rng.randint(1, len(candidate_ids)))
    if method == "approval":
        return rng.sample(candidate_ids, rng.randint(1, 3))
    picks = rng.sample(candidate_ids, 3)
    return {str(picks[0]): 5, str(picks[1]): 3, str(picks[2]): 2}


def main() -> None:
    _recreate_database()
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    call_command("migrate", verbosity=0)
    from members import places
    from members.models import Organisation, Place, User
    from priorities import services
    from priorities.models import Ballot, Candidate, Exercise

    rng = random.Random(2026)
    place = Place.objects.create(name="England", slug="england")
    chair = User.objects.create_user(email="chair@example.nhs.uk", password=None, full_name="Clare Chair")
    with places.using(place):
        practices = Organisation.objects.bulk_create([
            Organisation(place=place, kind="practice", name=f"Practice {n:04d}", ods_code=f"P{n:05d}",
                         list_size=rng.randint(2000, 30000), status="active")
            for n in range(PRACTICES)
        ])
        print(f"{len(practices):,} practices, {CANDIDATES} candidates, each method weighted by list size")
        for method in ("ranked", "approval", "points"):
            now = timezone.now()
            exercise = Exercise.objects.create(
                place=place, title=f"National {method}", purpose="Benchmark", places=5, method=method,
                weighting="list_size", status="open", opens_at=now - timezone.timedelta(days=7),
                closes_at=now + timezone.timedelta(days=1), opened_at=now - timezone.timedelta(days=7),
                created_by=chair, **({"points_per_ballot": 10} if method == "points" else {}),
            )
            candidates = Candidate.objects.bulk_create([
                Candidate(exercise=exercise, title=f"Priority {n + 1}", position=n) for n in range(CANDIDATES)
            ])
            ids = [c.pk for c in candidates]
            Ballot.objects.bulk_create([
                Ballot(exercise=exercise, practice=p, cast_by=chair, choices=_choices(method, ids, rng),
                       receipt_code=f"R{p.pk}") for p in practices
            ], batch_size=2000)
            profile = cProfile.Profile() if os.environ.get("BENCH_PROFILE") else None
            with CaptureQueriesContext(connection) as queries:
                started = time.perf_counter()
                if profile:
                    profile.enable()
                services.exercise_close(exercise=exercise)
                seconds = time.perf_counter() - started
            if profile:
                profile.disable()
                pstats.Stats(profile).sort_stats("cumulative").print_stats(25)
            exercise.refresh_from_db()
            verdict = "PASS" if seconds <= 1 else "FAIL"
            print(f"  close and count, {method:8}: {seconds:6.3f} s, {len(queries.captured_queries)} queries, "
                  f"winners {', '.join(exercise.result['winners'])}  [{verdict}: target 1 s]")


if __name__ == "__main__":
    main()
