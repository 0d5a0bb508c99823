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
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(args.requests):
            national._get(client, page.path)
        profiler.disable()
    stats = pstats.Stats(profiler)
    stats.sort_stats(args.sort).print_stats(args.top)
    stats.sort_stats("tottime").print_stats(args.top)
    return 0


if __name__ == "__main__":
    sys.exit(main())
