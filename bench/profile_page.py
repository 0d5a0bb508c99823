"""Profile one page of the national bench database (made by bench/national.py; not a test):
`.venv/bin/python bench/profile_page.py "home (member)" [--requests 50] [--top 40]`. Prints where the server time goes
(cProfile, sorted by cumulative and by own time) for the page as the bench measures it."""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import national  # noqa: E402


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("page", help="the page's name in the bench table")
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument("--top", type=int, default=40)
    parser.add_argument("--sort", default="cumulative")
    parser.add_argument("--callees", metavar="FUNCTION",
                        help="instead of the two tables: what the functions matching FUNCTION called, and their times")
    parser.add_argument("--sql", type=int, metavar="N",
                        help="with --queries: print query N in full, with EXPLAIN ANALYZE")
    parser.add_argument("--queries", action="store_true",
                        help="instead: each query's median time in the database (execute only), slowest first")
    args = parser.parse_args(argv)
    os.environ.update(national.ENV)
    os.chdir(ROOT)
    import django

    django.setup()
    from django.test import Client
    from django.test.utils import override_settings

    from members.models import Place

    place = Place.objects.get(slug="northbrook")
    with override_settings(ROOT_URLCONF=national.BENCH_URLCONF):
        page = next(p for p in national.pages(place) if p.name == args.page)
        client = Client()
        client.force_login(national.personas(place)[page.persona])
        for _ in range(5):
            national._get(client, page.path)
        if args.queries:
            return _query_times(client, page.path, args.requests, show=args.sql)
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(args.requests):
            national._get(client, page.path)
        profiler.disable()
    stats = pstats.Stats(profiler)
    if args.callees:
        stats.sort_stats(args.sort).print_callees(args.callees)
        return 0
    stats.sort_stats(args.sort).print_stats(args.top)
    stats.sort_stats("tottime").print_stats(args.top)
    return 0


def _query_times(client, path: str, requests: int, show: int | None = None) -> int:
    """Each query of the page by its place in the request: the median time PostgreSQL and the driver took to run
    it, and the start of its SQL."""
    import statistics
    import time

    from django.db import connection

    timings: dict[int, list[float]] = {}
    sqls: dict[int, str] = {}
    params_of: dict[int, object] = {}
    for _ in range(requests):
        seen = []

        def timed(execute, sql, params, many, context, seen=seen):
            started = time.perf_counter()
            try:
                return execute(sql, params, many, context)
            finally:
                timings.setdefault(len(seen), []).append(time.perf_counter() - started)
                sqls[len(seen)] = sql
                params_of[len(seen)] = params
                seen.append(sql)

        with connection.execute_wrapper(timed):
            national._get(client, path)
    rows = sorted(((statistics.median(times), n) for n, times in timings.items()), reverse=True)
    print(f"{len(timings)} queries, {sum(t for t, _ in rows) * 1000:.1f} ms in all (medians)")
    for median, n in rows:
        print(f"{median * 1000:7.2f} ms  #{n:<3} {' '.join(sqls[n].split())[:160]}")
    if show is not None:
        with connection.cursor() as cursor:
            print(cursor.mogrify(sqls[show], params_of[show]).decode())
            sql, generic = sqls[show], "SET LOCAL plan_cache_mode = force_generic_plan; "
            if sql.startswith(generic):  # prepared.objects(..., generic=True): the EXECUTE with its generic plan
                sql = sql[len(generic):]
                cursor.execute("SET plan_cache_mode = force_generic_plan")
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params_of[show])
            print("\n".join(row[0] for row in cursor.fetchall()))
            cursor.execute("RESET plan_cache_mode")
    return 0


if __name__ == "__main__":
    sys.exit(main())
