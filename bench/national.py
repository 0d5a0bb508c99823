"""Measure every page at national scale (not a test): `.venv/bin/python bench/national.py [--scale 1] [--keep-db]`.

All of England on one Postgres: 6,651 practices (the real active GP practices of the shared epraccur file, in their
42 ICBs and sub-ICB places), 1,250 PCNs, 10,000 decision items, 100,000 positions, 200,000 acknowledgements,
30,000 ballots, 5,000 meetings, 50,000 actions and 5,000 requests, times --scale. The data goes into its own
database, `gpleadership_bench` (Redis `BENCH_REDIS_URL`, by default 127.0.0.1:6379/15), never the default ones.

The measured place is the demo's Northbrook (`load_demo`), with its personas; it is the largest place: it takes the
practices of the largest sub-ICB location and MEASURED_SHARE of every per-place table, the other places share the
rest evenly. The demo-scale query counts are taken on the demo alone, before the national data goes in.

Prints one table (queries at demo and national scale, median and p95 server time, × the floor: a trivial signed-in
page through the same middleware, measured interleaved, one floor request after each of the page's, and the page's
median divided by the median of those floor requests, so that a page and its floor share the machine's weather:
on a shared machine the floor's own median moves by half within minutes), then the exercise close-and-count times,
the digest rate into a real SMTP server on loopback, and a bounded load run against gunicorn; each target is marked
PASS or FAIL.

The load run's 50 users are people: each reads a page for a random 1–5 s before the next click (READING), which is
what "50 concurrent users" means in a load test; a second run without any pause follows and prints the server's
capacity (requests per second, and the latency when 50 clients hammer it at once), with no target.
"""

from __future__ import annotations

import argparse
import copy
import csv
import http.client
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DB_NAME = os.environ.get("BENCH_DB", "gpleadership_bench")  # a helper working beside another uses its own copy
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/15")
EPRACCUR = Path(os.environ.get("BENCH_EPRACCUR", ROOT.parent / "shared" / "data" / "ods" / "epraccur-2025.csv"))

# National figures (scale 1).
NATIONAL = {
    "practices": 6651, "pcns": 1250, "items": 10_000, "positions": 100_000, "acknowledgements": 200_000,
    "ballots": 30_000, "meetings": 5_000, "actions": 50_000, "requests": 5_000,
}
MEASURED_SHARE = 0.10  # of items, positions, acknowledgements, meetings, actions and requests
SEATS_PER_PLACE = 10
FLOOR = "floor (trivial signed-in page)"
BENCH_URLCONF = "bench.urls"  # the portal's URLs plus the floor
ENV = {
    "DJANGO_SETTINGS_MODULE": "gpleadership.settings",
    "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{DB_NAME}",
    "REDIS_URL": REDIS_URL,
    "DEBUG": "0",
    "SECRET_KEY": "bench-only-secret-key-not-for-any-real-deployment-0123456789",
    "ALLOWED_HOSTS": "testserver,127.0.0.1,localhost",
    "SECURE_SSL_REDIRECT": "0",
    "CONN_MAX_AGE": "60",
    "LOG_LEVEL": "WARNING",
}


def progress(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def counts_for(scale: float) -> dict[str, int]:
    return {key: max(1, round(value * scale)) for key, value in NATIONAL.items()}


# --------------------------------------------------------------------------------------------------- generation
def _clone(obj, **changes):
    new = copy.copy(obj)
    new.pk = None
    new.id = None
    new._state = copy.copy(obj._state)
    new._state.adding = True
    new._state.fields_cache = {}
    for key, value in changes.items():
        setattr(new, key, value)
    return new


def _bulk(model, rows, batch_size: int = 2000):
    return model.objects.bulk_create(rows, batch_size=batch_size)


def _split(total: int, parts: int) -> list[int]:
    base, extra = divmod(total, parts)
    return [base + (1 if i < extra else 0) for i in range(parts)]


def read_practices(limit: int) -> list[dict]:
    """The active GP practices of epraccur (column 26 = 4, status A), with their ICB and sub-ICB location."""
    rows = []
    with EPRACCUR.open(newline="", encoding="latin-1") as handle:
        for row in csv.reader(handle):
            if len(row) < 26 or row[12] != "A" or row[25].strip() != "4":
                continue
            address = ", ".join(part.title() for part in row[4:9] if part.strip())
            rows.append({"ods": row[0].strip().upper(), "name": row[1].strip().title(), "icb": row[3].strip(),
                         "sub_icb": row[14].strip(), "address": address, "postcode": row[9].strip().upper()})
    rows.sort(key=lambda r: r["ods"])
    if limit < len(rows):
        rows = random.Random(12).sample(rows, limit)
    return rows


@dataclass
class Bench:
    """What the measurement needs of the generated data: the measured place and its personas."""

    place: object
    personas: dict = field(default_factory=dict)
    scale: float = 0.0
    figures: dict = field(default_factory=dict)


def load_demo():
    """The demo places (Northbrook is the measured place), with a person for every role."""
    from django.test.utils import override_settings

    from gpleadership import demo

    with override_settings(EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend"):
        return demo.load(password_hash=None)


def personas(place) -> dict:
    """The measured place's personas, by role."""
    from members import places
    from members.models import GroupRole, Membership, Seat, User
    from representation.models import Representative

    with places.using(place):
        roles = {r.role: r.user for r in GroupRole.objects.live().select_related("user").order_by("pk")}
        member = Seat.objects.filter(is_active=True, holder__isnull=False).exclude(
            holder__in=list(roles.values())).select_related("holder").order_by("pk").first().holder
        practice_user = (Membership.objects.current().filter(is_voting_contact=True).select_related("user")
                         .order_by("pk").first().user)
        rep = Representative.objects.filter(forum__place=place).select_related("user").order_by("pk").first()
    found = {"chair": roles.get("chair"), "gatekeeper": roles.get("gatekeeper"), "member": member,
             "observer": roles.get("observer"), "practice": practice_user,
             "representative": rep.user if rep else None}
    return {k: User.objects.get(pk=v.pk) for k, v in found.items() if v is not None}


def generate(scale: float, *, log=progress) -> dict:
    """Add the national data (times `scale`) around the demo's Northbrook; returns the figures generated."""
    from members import places

    with places.unscoped():
        people = load_demo()
        log("demo loaded (Northbrook, Southmere)")
        return _generate(scale, people, log)


def _generate(scale, people, log) -> dict:
    from django.db import transaction
    from django.utils import timezone

    from decisions import services as decision_services
    from decisions.models import Acknowledgement, DecisionItem, Position, Round
    from members import outbox, places
    from members.models import ICS, Membership, Organisation, Place, Seat, User
    from priorities import services as priority_services
    from priorities.models import Ballot, Candidate, Exercise
    from representation.models import Action, Forum, Meeting, Request

    want = counts_for(scale)
    measured = people.place
    rng = random.Random(2025)
    now = timezone.now()
    existing_codes = set(Organisation.objects.exclude(ods_code=None).values_list("ods_code", flat=True))
    practices = [p for p in read_practices(want["practices"]) if p["ods"] not in existing_codes]
    by_sub_icb = defaultdict(list)
    for p in practices:
        by_sub_icb[(p["icb"], p["sub_icb"])].append(p)
    largest = max(by_sub_icb, key=lambda k: len(by_sub_icb[k]))

    with transaction.atomic(), outbox.withheld("bench data"):
        # Systems and places: the real ICB and sub-ICB location codes; the largest location's practices join
        # Northbrook, the measured place.
        systems = {}
        for icb in sorted({k[0] for k in by_sub_icb}):
            systems[icb] = ICS.objects.create(name=f"ICB {icb}", slug=f"icb-{icb.lower()}", ods_code=icb)
        place_of = {largest: measured}
        for key in sorted(by_sub_icb):
            if key != largest:
                place_of[key] = Place.objects.create(
                    ics=systems[key[0]], name=f"Sub-ICB location {key[1]}", slug=f"sub-icb-{key[1].lower()}",
                    commissioner_codes=key[1])
        log(f"{len(systems)} ICSs, {len(place_of)} places (Northbrook takes location {largest[1]}: "
            f"{len(by_sub_icb[largest])} practices)")

        # PCNs: proportional to each place's practices, at least one; practices round-robin among them.
        # (About five practices each, as in England: the largest place has dozens of PCNs, not one of 341.)
        pcn_rows, practice_rows = [], []
        for key, rows in sorted(by_sub_icb.items()):
            place = place_of[key]
            k = max(1, round(len(rows) * want["pcns"] / len(practices)))
            pcns = [Organisation(place=place, kind="pcn", ods_code=f"U{70000 + len(pcn_rows) + i:05d}",
                                 name=f"{place.name} PCN {i + 1}") for i in range(k)]
            pcn_rows += pcns
            for i, p in enumerate(rows):
                practice_rows.append(Organisation(
                    place=place, kind="practice", ods_code=p["ods"], name=p["name"], address=p["address"],
                    postcode=p["postcode"][:10], status="active", pcn=pcns[i % k],
                    list_size=rng.randint(2_000, 25_000), list_size_date=now.date()))
        _bulk(Organisation, pcn_rows)
        _bulk(Organisation, practice_rows)
        log(f"{len(pcn_rows)} PCNs, {len(practice_rows)} practices")

        # One practice manager per practice: the voting contact and a digest recipient.
        hash_ = "!bench-unusable"
        users = _bulk(User, [User(email=f"pm-{o.ods_code.lower()}@bench.nhs.uk", full_name=f"Manager {o.ods_code}",
                                  job_title="Practice Manager", password=hash_) for o in practice_rows])
        _bulk(Membership, [Membership(user=u, organisation=o, role_title="Practice Manager", is_voting_contact=True)
                           for u, o in zip(users, practice_rows, strict=True)])
        managers = defaultdict(list)
        practices_of = defaultdict(list)
        for u, o in zip(users, practice_rows, strict=True):
            managers[o.place_id].append(u)
            practices_of[o.place_id].append(o)
        with places.using(measured):
            practices_of[measured.pk] = list(Organisation.objects.open_practices().order_by("pk"))
        log(f"{len(users)} practice managers with memberships")

        # Seats: every place has at least SEATS_PER_PLACE (co-opted seats held by its practice managers).
        all_places = sorted({p.pk: p for p in place_of.values()}.values(), key=lambda p: p.pk)
        seat_rows = []
        for place in all_places:
            with places.using(place):
                have = Seat.objects.filter(is_active=True).count()
            holders = managers[place.pk] or [people.chair]
            seat_rows += [Seat(place=place, title=f"Co-opted seat {i + 1}", kind="coopted",
                               holder=holders[i % len(holders)]) for i in range(max(0, SEATS_PER_PLACE - have))]
        _bulk(Seat, seat_rows)
        seats_of = defaultdict(list)
        with places.unscoped():
            for seat in Seat.objects.filter(is_active=True).order_by("pk"):
                seats_of[seat.place_id].append(seat)

        others = [p for p in all_places if p.pk != measured.pk]

        def share(total):
            """{place pk: rows}: MEASURED_SHARE to the measured place, the rest evenly."""
            mine = round(total * MEASURED_SHARE) if others else total
            split = _split(total - mine, len(others)) if others else []
            return {measured.pk: mine, **{p.pk: s for p, s in zip(others, split, strict=True)}}

        # Decision items (clones of the demo's, every status), one closed round each, positions, acknowledgements.
        templates = list(DecisionItem.objects.filter(place=measured).order_by("pk"))
        round_template = Round.objects.filter(item__place=measured, closed_at__isnull=False).order_by("pk").first()
        position_template = Position.objects.filter(stance="support").order_by("pk").first()
        item_rows = []
        for place in all_places:
            for i in range(share(want["items"])[place.pk]):
                t = templates[i % len(templates)]
                item_rows.append(_clone(t, place=place, title=f"{t.title} ({i + 1})",
                                        created_at=now - timedelta(hours=i)))
        items = _bulk(DecisionItem, item_rows)
        rounds = _bulk(Round, [_clone(round_template, item=item, number=1) for item in items])
        items_of = defaultdict(list)
        for item, rnd in zip(items, rounds, strict=True):
            items_of[item.place_id].append((item, rnd))
        log(f"{len(items)} decision items with a round each")

        position_rows, ack_rows = [], []
        for place in all_places:
            pairs = items_of[place.pk]
            seats = seats_of[place.pk]
            for i in range(min(share(want["positions"])[place.pk], len(pairs) * len(seats))):
                item, rnd = pairs[i % len(pairs)]
                position_rows.append(_clone(position_template, round=rnd, seat=seats[(i // len(pairs)) % len(seats)],
                                            responded_by=seats[(i // len(pairs)) % len(seats)].holder
                                            or people.chair))
            prac = practices_of[place.pk]
            for i in range(min(share(want["acknowledgements"])[place.pk], len(pairs) * len(prac))):
                item, _ = pairs[i % len(pairs)]
                who = prac[(i // len(pairs)) % len(prac)]
                ack_rows.append(Acknowledgement(item=item, practice=who, acknowledged_by=people.chair))
        _bulk(Position, position_rows, 5000)
        _bulk(Acknowledgement, ack_rows, 5000)
        # Written in bulk, past acknowledgement_record: each decision's stored count counted afresh.
        decision_services.acknowledged_count_recount()
        log(f"{len(position_rows)} positions, {len(ack_rows)} acknowledgements")

        # Forums (a clone of each demo forum per place), meetings on distinct days, actions, requests.
        forum_templates = list(Forum.objects.filter(place=measured).order_by("pk"))
        meeting_template = Meeting.objects.filter(forum__place=measured).order_by("pk").first()
        forum_rows = []
        for place in others:
            host = next(o for o in pcn_rows if o.place_id == place.pk)
            forum_rows += [_clone(f, place=place, ics=None, host=host) for f in forum_templates]
        _bulk(Forum, forum_rows)
        forums_of = defaultdict(list)
        with places.unscoped():
            for forum in Forum.objects.filter(place__isnull=False).order_by("pk"):
                forums_of[forum.place_id].append(forum)
        meeting_rows = []
        start = now.date() - timedelta(days=3000)
        for place in all_places:
            forums = forums_of[place.pk]
            for i in range(share(want["meetings"])[place.pk]):
                held = start + timedelta(days=i // len(forums))
                meeting_rows.append(_clone(meeting_template, forum=forums[i % len(forums)], held_on=held,
                                           feedback_due_on=held + timedelta(days=7)))
        _bulk(Meeting, meeting_rows)

        action_templates = list(Action.objects.filter(place=measured).order_by("pk"))
        owners = [u for u in people_in(measured) if u]
        action_rows = []
        for place in all_places:
            owner_pool = owners if place.pk == measured.pk else (managers[place.pk] or owners)
            for i in range(share(want["actions"])[place.pk]):
                t = action_templates[i % len(action_templates)]
                keep = place.pk == measured.pk
                action_rows.append(_clone(
                    t, place=place, title=f"{t.title} ({i + 1})", owner=owner_pool[i % len(owner_pool)],
                    support=None, due_on=now.date() + timedelta(days=(i % 400) - 200),
                    meeting=t.meeting if keep else None, decision=t.decision if keep else None,
                    priority=t.priority if keep else None))
        _bulk(Action, action_rows, 5000)

        request_templates = list(Request.objects.filter(place=measured).order_by("pk"))
        request_rows = []
        for place in all_places:
            for i in range(share(want["requests"])[place.pk]):
                t = request_templates[i % len(request_templates)]
                request_rows.append(_clone(t, place=place, summary=f"{t.summary} ({i + 1})", form_nonce=None,
                                           routed_from_ics=None, routing_key=None,
                                           received_at=now - timedelta(hours=i),
                                           redirected_to=t.redirected_to if place.pk == measured.pk else None,
                                           outcome=t.outcome if place.pk == measured.pk or t.outcome != "redirected"
                                           else "declined",
                                           outcome_reason=t.outcome_reason or "Out of scope"
                                           if t.outcome else ""))
        _bulk(Request, request_rows)
        log(f"{len(forum_rows)} forums, {len(meeting_rows)} meetings, {len(action_rows)} actions, "
            f"{len(request_rows)} requests")

        # Exercises: in Northbrook one per method, open, with a ballot from every practice in England (closed in
        # measure_close, rolled back), and one approval vote with visible ballots closed here (the results page);
        # the other places share what is left of the ballots in one open ranked vote each.
        national_practices = list(Organisation.objects.filter(kind="practice", is_archived=False).order_by("pk"))
        chair = people.chair
        ballots = 0
        for method, visible, close in (("ranked", False, False), ("approval", False, False),
                                       ("points", False, False), ("approval", True, True)):
            with places.using(measured):
                ex = _exercise_with_ballots(priority_services, Exercise, Candidate, Ballot, chair,
                                            f"National {method} vote{' (results)' if close else ''}", method,
                                            visible, national_practices, managers, rng, now)
                ballots += len(national_practices)
                if close:
                    priority_services.exercise_close(exercise=ex, now=now)
        left = max(0, want["ballots"] - ballots)
        for place, count in zip(others, _split(left, len(others)) if others else [], strict=True):
            prac = practices_of[place.pk][:count]
            if not prac:
                continue
            with places.using(place):
                _exercise_with_ballots(priority_services, Exercise, Candidate, Ballot, chair, "Local priorities",
                                       "ranked", False, prac, managers, rng, now)
            ballots += len(prac)
        log(f"{ballots} ballots in {Exercise.objects.count()} exercises")

    with places.unscoped():
        figures = {
            "ICSs": ICS.objects.count(), "places": Place.objects.count(),
            "practices": Organisation.objects.filter(kind="practice").count(),
            "PCNs": Organisation.objects.filter(kind="pcn").count(), "users": User.objects.count(),
            "decision items": DecisionItem.objects.count(), "positions": Position.objects.count(),
            "acknowledgements": Acknowledgement.objects.count(), "ballots": Ballot.objects.count(),
            "meetings": Meeting.objects.count(), "actions": Action.objects.count(),
            "requests": Request.objects.count(),
        }
        mine = {
            "practices": Organisation.objects.filter(place=measured, kind="practice").count(),
            "decision items": DecisionItem.objects.filter(place=measured).count(),
            "positions": Position.objects.filter(round__item__place=measured).count(),
            "acknowledgements": Acknowledgement.objects.filter(item__place=measured).count(),
            "ballots": Ballot.objects.filter(exercise__place=measured).count(),
            "meetings": Meeting.objects.filter(forum__place=measured).count(),
            "actions": Action.objects.filter(place=measured).count(),
            "requests": Request.objects.filter(place=measured).count(),
        }
    return {"total": figures, "measured place": mine}


def people_in(place) -> list:
    found = personas(place)
    return [found.get(k) for k in ("chair", "gatekeeper", "member", "observer", "representative")]


def _exercise_with_ballots(services, Exercise, Candidate, Ballot, chair, title, method, visible, practices, managers,
                           rng, now):
    opens = now - timedelta(days=3)
    exercise = services.exercise_create(
        created_by=chair, title=title, purpose="Bench: the priorities of every practice.", places=3, method=method,
        points_per_ballot=10, weighting=Exercise.Weighting.LIST_SIZE if method == "approval" else "equal",
        ballots_visible_after_close=visible, opens_at=opens, closes_at=now + timedelta(days=3))
    candidates = [services.candidate_add(exercise=exercise, title=f"Priority {i + 1}", description="",
                                         influence_sought="") for i in range(8)]
    services.exercise_open(exercise=exercise, opened_by=chair, now=opens)
    ids = [c.pk for c in candidates]
    rows = []
    for practice in practices:
        picks = rng.sample(ids, rng.randint(1, len(ids)))
        if method == "approval":
            choices = picks[:3]
        elif method == "points":
            split = [rng.randint(0, 10) for _ in picks[:3]]
            split[0] += 10 - sum(split) if sum(split) <= 10 else 0
            if sum(split) != 10:
                split = [10] + [0] * (len(split) - 1)
            choices = {str(c): v for c, v in sorted(zip(picks[:3], split, strict=True)) if v}
        else:
            choices = picks
        voter = (managers.get(practice.place_id) or [chair])[0]
        rows.append(Ballot(exercise=exercise, practice=practice, cast_by=voter, choices=choices,
                           receipt_code=f"B{rng.randrange(10**9):09d}", cast_at=opens, updated_at=opens))
    Ballot.objects.bulk_create(rows, batch_size=5000)
    return exercise


# --------------------------------------------------------------------------------------------------- pages
@dataclass
class Page:
    name: str
    persona: str
    path: str
    queries: int = 0
    status: int = 0
    times: list = field(default_factory=list)
    floor_times: list = field(default_factory=list)  # the floor requests made one after each of this page's
    seq_scans: list = field(default_factory=list)
    streaming: bool = False


def targets(place) -> dict:
    """The records the detail pages show: the biggest of each kind in the measured place."""
    from django.db.models import Count

    from decisions.models import DecisionItem
    from members import places
    from members.models import Organisation
    from priorities.models import AgreedPriority, Exercise
    from representation.models import Forum, Meeting

    with places.using(place):
        item = (DecisionItem.objects.filter(status="agreed").annotate(n=Count("acknowledgements"))
                .order_by("-n", "pk").first())
        open_ex = (Exercise.objects.filter(status="open").annotate(n=Count("ballots")).order_by("-n", "pk").first())
        closed = Exercise.objects.exclude(status__in=["draft", "open"]).annotate(n=Count("ballots"))
        closed_ex = closed.filter(ballots_visible_after_close=False).order_by("-n", "pk").first()
        visible = closed.filter(ballots_visible_after_close=True).order_by("-n", "pk").first()
        priority = (AgreedPriority.objects.annotate(n=Count("plan_items")).order_by("-n", "pk").first())
        forum = Forum.objects.filter(place=place).annotate(n=Count("meetings")).order_by("-n", "pk").first()
        meeting = Meeting.objects.filter(forum=forum).annotate(n=Count("agenda_items")).order_by("-n", "pk").first()
        organisation = (Organisation.objects.practices().annotate(n=Count("memberships")).order_by("-n", "pk")
                        .first())
    return {"item": item, "open_exercise": open_ex, "closed_exercise": closed_ex, "visible_results": visible,
            "priority": priority, "forum": forum, "meeting": meeting, "organisation": organisation}


def pages(place) -> list[Page]:
    from django.urls import reverse

    from members import places

    t = targets(place)
    with places.using(place):
        rows = [(f"home ({role})", role, reverse("home"))
                for role in ("chair", "gatekeeper", "member", "observer", "practice", "representative")]
        rows += [
            ("directory", "member", reverse("members:directory")),
            ("organisation", "member", reverse("members:organisation", args=[t["organisation"].pk])),
            ("group", "member", reverse("members:group")),
            ("group manage", "chair", reverse("members:group_manage")),
            ("interests", "member", reverse("members:declarations")),
            ("invitations", "gatekeeper", reverse("members:invitations")),
            ("decision log", "member", reverse("decisions:log")),
            ("decision item (agreed)", "member", reverse("decisions:item", args=[t["item"].pk])),
            ("decision log CSV", "member", reverse("decisions:log_csv")),
            ("published decisions", "practice", reverse("decisions:published")),
            ("priorities", "member", reverse("priorities:list")),
            ("exercise (open, chair)", "chair", reverse("priorities:exercise", args=[t["open_exercise"].pk])),
            ("exercise (open, practice)", "practice", reverse("priorities:exercise", args=[t["open_exercise"].pk])),
            ("results", "member", reverse("priorities:exercise", args=[t["closed_exercise"].pk])),
            *([("results (ballots visible)", "member", reverse("priorities:exercise", args=[t["visible_results"].pk]))]
              if t["visible_results"] else []),
            ("plan", "member", reverse("priorities:priority", args=[t["priority"].pk])),
            ("forums", "member", reverse("representation:forums")),
            ("forum", "member", reverse("representation:forum", args=[t["forum"].pk])),
            ("meeting", "member", reverse("representation:meeting", args=[t["meeting"].pk])),
            ("actions", "member", reverse("representation:actions")),
            ("actions, show all", "member", reverse("representation:actions") + "?show=all"),
            ("my actions", "member", reverse("representation:my_actions")),
            ("requests", "gatekeeper", reverse("representation:requests")),
            ("requests, show all", "gatekeeper", reverse("representation:requests") + "?show=all"),
            ("agenda", "gatekeeper", reverse("representation:agenda")),
            ("reviews", "chair", reverse("representation:reviews")),
            ("dashboard", "chair", reverse("dashboard")),
            ("digest preview", "chair", reverse("digest_preview")),
            ("about", "member", reverse("about")),
        ]
    with places.unscoped(script_prefix="/"):
        if place.ics_id:
            rows.append(("ICS page", "chair", reverse("ics", args=[place.ics.slug])))
    rows.append((FLOOR, "member", f"/{place.slug}/bench-floor/"))
    return [Page(name, persona, path) for name, persona, path in rows]


def _get(client, path):
    """Server time of one GET: to the first byte for a streaming response, to the last otherwise."""
    start = time.perf_counter()
    response = client.get(path)
    if response.streaming:
        iterator = iter(response.streaming_content)
        next(iterator, None)
        elapsed = time.perf_counter() - start
        for _chunk in iterator:
            pass
    else:
        elapsed = time.perf_counter() - start
    # No response.close(): the test client finishes the request itself (closing here would also close the
    # database connection, as the end of a real request does).
    return response, elapsed


def _explain(sql: str, params) -> list[str]:
    """The tables over 10,000 rows that the plan of one query reads with a Seq Scan."""
    from django.db import connection

    if not sql.lstrip().upper().startswith("SELECT"):
        return []
    with connection.cursor() as cursor:
        try:
            cursor.execute("EXPLAIN (FORMAT JSON) " + sql, params)
        except Exception:  # noqa: BLE001 - counted and reported, not fatal
            EXPLAIN_FAILURES.append(sql[:120])
            return []
        plan = cursor.fetchone()[0]
    if isinstance(plan, str):
        plan = json.loads(plan)
    found = []

    def walk(node):
        if node.get("Node Type") == "Seq Scan":
            found.append(node["Relation Name"])
        for child in node.get("Plans", []):
            walk(child)

    walk(plan[0]["Plan"])
    return [name for name in found if _rows(name) > 10_000]


_ROW_COUNTS: dict[str, int] = {}
EXPLAIN_FAILURES: list[str] = []


def _rows(table: str) -> int:
    from django.db import connection

    if table not in _ROW_COUNTS:
        with connection.cursor() as cursor:
            cursor.execute("SELECT reltuples::bigint FROM pg_class WHERE relname = %s", [table])
            row = cursor.fetchone()
            _ROW_COUNTS[table] = int(row[0]) if row else 0
    return _ROW_COUNTS[table]


def measure_pages(place, *, requests: int = 30, explain: bool = True, budget: float = 0, only=None,
                  log=progress) -> list[Page]:
    """Each page: its queries (and their plans) on one warm request, then `requests` timed requests, each followed
    by one of the floor page, so the floor is measured interleaved under the same conditions. A page still being
    timed after `budget` seconds (0: no limit) stops early; the table says how many requests it got."""
    from django.test.utils import override_settings

    with override_settings(ROOT_URLCONF=BENCH_URLCONF):
        return _measure_pages(place, requests=requests, explain=explain, budget=budget, only=only, log=log)


def _measure_pages(place, *, requests, explain, budget, only, log) -> list[Page]:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    who = personas(place)
    clients = {}
    for role, user in who.items():
        clients[role] = Client()
        clients[role].force_login(user)
    result = [p for p in pages(place) if only is None or p.name in only or p.name == FLOOR]
    floor = next(p for p in result if p.name == FLOOR)
    for page in result:
        client = clients.get(page.persona)
        if client is None:
            page.status = -1
            continue
        _get(client, page.path)  # warm
        with CaptureQueriesContext(connection) as captured:
            response, _ = _get(client, page.path)
        page.status, page.streaming = response.status_code, response.streaming
        page.queries = len(captured.captured_queries)
        if explain:
            seen = set()
            for query in captured.captured_queries:
                for table in _explain_captured(query):
                    seen.add(table)
            page.seq_scans = sorted(seen)
        began = time.perf_counter()
        for _ in range(requests if page is not floor else 0):
            page.times.append(_get(client, page.path)[1])
            page.floor_times.append(_get(clients[floor.persona], floor.path)[1])
            floor.times.append(page.floor_times[-1])
            if budget and time.perf_counter() - began > budget:
                break
        if requests:
            log(f"  {page.name}: {page.status}, {page.queries} queries, median {_ms(_median(page.times))}")
    return result


def _explain_captured(query) -> list[str]:
    # CaptureQueriesContext keeps the SQL with its parameters interpolated; EXPLAIN it as it ran.
    return _explain(query["sql"], None)


def _median(times):
    return statistics.median(times) if times else 0.0


def _p95(times):
    if not times:
        return 0.0
    ordered = sorted(times)
    return ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:,.1f} ms"


# --------------------------------------------------------------------------------------------------- close, digest
def measure_close(place, *, log=progress) -> dict[str, dict]:
    """Close and count each method's national vote inside a transaction that is rolled back (so a kept database
    can be measured again)."""
    from django.db import transaction

    from members import places
    from priorities import services
    from priorities.models import Exercise

    class Rollback(Exception):
        pass

    results = {}
    with places.using(place):
        exercises = list(Exercise.objects.filter(status="open", title__startswith="National ").order_by("pk"))
        for exercise in exercises:
            ballots = exercise.ballots.count()
            try:
                with transaction.atomic():
                    start = time.perf_counter()
                    services.exercise_close(exercise=exercise)
                    elapsed = time.perf_counter() - start
                    raise Rollback
            except Rollback:
                pass
            results[exercise.method] = {"ballots": ballots, "seconds": elapsed}
            log(f"  close {exercise.method}: {ballots} ballots in {elapsed:.2f} s")
    return results


def measure_digest(place, *, log=progress) -> dict:
    """Schedule this week's digest of the measured place and send it through the outbox as the worker does (batches
    of OUTBOX_BATCH over one SMTP connection) to a real SMTP server on loopback (aiosmtpd, in a process of its own,
    bench/smtp_sink.py): recipients per second, build and send together."""
    from django.conf import settings
    from django.test.utils import override_settings

    from gpleadership import digest
    from members import outbox, places
    from members.models import OutboxEmail

    port = _free_port()
    sink = subprocess.Popen([sys.executable, str(ROOT / "bench" / "smtp_sink.py"), str(port)],
                            stdout=subprocess.PIPE, text=True)
    received = 0
    try:
        if sink.stdout.readline().strip() != "ready":
            raise RuntimeError("the SMTP sink did not start")
        with override_settings(EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend", EMAIL_HOST="127.0.0.1",
                               EMAIL_PORT=port, EMAIL_USE_TLS=False, EMAIL_HOST_USER="", EMAIL_HOST_PASSWORD=""):
            with places.using(place):
                week = digest.week_starting()
                digest.digest_deliveries(week=week).delete()  # an earlier run's, on a kept database
                ids = digest.digest_schedule(week=week)
            start = time.perf_counter()
            outcomes = defaultdict(int)
            # As the worker sends them (members.tasks.send_outbox_batch): OUTBOX_BATCH rows a task.
            size = settings.OUTBOX_BATCH
            for first in range(0, len(ids), size):
                for outcome, count in outbox.send_batch(ids[first:first + size]).items():
                    outcomes[outcome] += count
            elapsed = time.perf_counter() - start
        with places.unscoped():
            OutboxEmail.objects.filter(pk__in=ids).delete()
    finally:
        sink.terminate()
        out, _ = sink.communicate(timeout=30)
        received = int(out.strip() or 0)
    rate = len(ids) / elapsed if elapsed else 0.0
    log(f"  digest: {len(ids)} recipients in {elapsed:.2f} s ({rate:.0f}/s), {dict(outcomes)}, "
        f"{received} received")
    return {"recipients": len(ids), "seconds": elapsed, "per_second": rate, "received": received,
            "outcomes": dict(outcomes)}


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# --------------------------------------------------------------------------------------------------- load run
# How long a person reads a page before the next click, in the load run: a random 1–5 s.
READING = (1.0, 5.0)


def load_run(place, *, users: int = 50, seconds: int = 60, reading=READING, log=progress) -> dict:
    """50 signed-in users for 60 s against gunicorn (2 workers × 4 threads), each GETting a mix of pages, reading
    each for a random `reading` (low, high) seconds before the next; reading=None: no pause at all, which measures
    the server's capacity rather than people's experience."""
    from django.conf import settings
    from django.test import Client

    from members import places
    from members.models import Membership

    who = personas(place)
    with places.using(place):
        extra = [m.user for m in Membership.objects.current().filter(role_title="Practice Manager")
                 .select_related("user").order_by("pk")[:users]]
    group = list(who.values())
    extra = [u for u in extra if u.pk not in {g.pk for g in group}][:max(0, users - len(group))]
    mix = [p.path for p in pages(place) if p.name in {
        "home (member)", "decision log", "decision item (agreed)", "priorities", "forums", "my actions",
        "directory", "group", "about", "meeting", "forum", FLOOR}]
    sessions = []  # (cookie, the pages of the mix this person may see)
    allowed_for_practice = None
    for user in group + extra:
        client = Client()
        client.force_login(user)
        if user in group or allowed_for_practice is None:
            allowed = [path for path in mix if client.get(path).status_code == 200]
            if user not in group:
                allowed_for_practice = allowed
        else:
            allowed = allowed_for_practice
        sessions.append((f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}",
                         [path for path in allowed if "bench-floor" not in path]))
    port = _free_port()
    env = {**os.environ, **ENV}
    server = subprocess.Popen(
        [str(ROOT / ".venv/bin/gunicorn"), "gpleadership.wsgi", "-w", "2", "--threads", "4", "-b",
         f"127.0.0.1:{port}", "--log-level", "warning"], cwd=ROOT, env=env)
    try:
        _wait_for(port, sessions[0][1][0], sessions[0][0])
        stop = time.monotonic() + seconds
        times, errors, lock = [], defaultdict(int), threading.Lock()

        def user_loop(cookie, paths, offset):
            pace = random.Random(offset)
            if reading:  # people arrive over the first pause, not all in the same millisecond
                time.sleep(pace.uniform(0, reading[1]))
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            n = offset
            while time.monotonic() < stop:
                path = paths[n % len(paths)]
                n += 1
                start = time.perf_counter()
                try:
                    conn.request("GET", path, headers={"Cookie": cookie, "Host": "127.0.0.1"})
                    response = conn.getresponse()
                    response.read()
                    elapsed = time.perf_counter() - start
                    with lock:
                        times.append(elapsed)
                        if response.status != 200:
                            errors[str(response.status)] += 1
                except Exception as error:  # noqa: BLE001 - every failure is a counted error
                    with lock:
                        errors[type(error).__name__] += 1
                    conn.close()
                    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                if reading:
                    # Like a browser after a pause: the server has closed the idle connection (gunicorn keeps one
                    # open for 2 s), so the next page opens a new one.
                    conn.close()
                    time.sleep(min(pace.uniform(*reading), max(0.0, stop - time.monotonic())))
                    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            conn.close()

        threads = [threading.Thread(target=user_loop, args=(c, paths, i)) for i, (c, paths) in enumerate(sessions)]
        began = time.monotonic()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        wall = time.monotonic() - began
    finally:
        server.terminate()
        server.wait(timeout=30)
    ordered = sorted(times)

    def pct(q):
        return ordered[min(len(ordered) - 1, int(q * (len(ordered) - 1)))] if ordered else 0.0

    result = {"users": len(sessions), "seconds": round(wall, 1), "requests": len(times), "reading": reading,
              "throughput": len(times) / wall if wall else 0.0, "p50": pct(0.50), "p95": pct(0.95),
              "p99": pct(0.99), "errors": sum(errors.values()), "error_kinds": dict(errors)}
    log(f"  load: {result['requests']} requests, {result['throughput']:.1f}/s, p95 {_ms(result['p95'])}, "
        f"{result['errors']} errors")
    return result


def _wait_for(port, path, cookie, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", path, headers={"Cookie": cookie})
            conn.getresponse().read()
            conn.close()
            return
        except OSError:
            time.sleep(0.5)
    raise RuntimeError("gunicorn did not start")


# --------------------------------------------------------------------------------------------------- report
def report(*, scale, figures, demo_counts, result, close, digest_figures, load, requests) -> tuple[str, bool]:
    floor = next(p for p in result if p.name == FLOOR)
    floor_median = _median(floor.times)
    lines, failures = [], []
    lines.append(f"Scale {scale:g}: {json.dumps(figures['total'])}")
    lines.append(f"Measured place (Northbrook): {json.dumps(figures['measured place'])}")
    lines.append(f"Floor: {FLOOR} signed in, median {_ms(floor_median)} over {len(floor.times)} interleaved "
                 f"requests; {requests} requests per page")
    lines.append("")
    lines.append("| page | as | status | queries demo | queries national | n | median | p95 | floor alongside "
                 "| × floor | seq scans >10k rows | verdict |")
    lines.append("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for page in result:
        demo = demo_counts.get(page.name)
        alongside = _median(page.floor_times) if page.floor_times else floor_median
        ratio = _median(page.times) / alongside if alongside and page is not floor else 1.0
        problems = []
        if page.status != 200:
            problems.append(f"status {page.status}")
        if demo is not None and demo != page.queries:
            problems.append("queries grow")
        if ratio > 3:
            problems.append("> 3× floor")
        if page.seq_scans:
            problems.append("seq scan")
        verdict = "PASS" if not problems else "FAIL: " + ", ".join(problems)
        if problems:
            failures.append(f"{page.name}: {', '.join(problems)}")
        timing = f"{_ms(_median(page.times))}{' (first byte)' if page.streaming else ''}"
        lines.append(f"| {page.name} | {page.persona} | {page.status} | {demo if demo is not None else '–'} | "
                     f"{page.queries} | {len(page.times)} | {timing} | {_ms(_p95(page.times))} | {_ms(alongside)} | "
                     f"{ratio:,.1f} | "
                     f"{', '.join(page.seq_scans) or '–'} | {verdict} |")
    lines.append("")
    lines.append(f"EXPLAIN could not plan {len(EXPLAIN_FAILURES)} captured queries" +
                 (f", e.g. {EXPLAIN_FAILURES[0]!r}" if EXPLAIN_FAILURES else ""))
    for method, c in close.items():
        ok = c["seconds"] <= 1.0
        failures += [] if ok else [f"close {method}"]
        lines.append(f"Close and count, {method}: {c['ballots']} ballots in {c['seconds']:.2f} s "
                     f"(target ≤ 1 s): {'PASS' if ok else 'FAIL'}")
    if digest_figures:
        ok = digest_figures["per_second"] >= 200
        failures += [] if ok else ["digest"]
        lines.append(f"Digest: {digest_figures['recipients']} recipients in {digest_figures['seconds']:.2f} s = "
                     f"{digest_figures['per_second']:.0f} recipients/s into SMTP on loopback "
                     f"({digest_figures['received']} received; target ≥ 200/s): {'PASS' if ok else 'FAIL'}")
    for run in load or []:
        figures_line = (f"{run['users']} users × {run['seconds']} s against gunicorn -w 2 --threads 4, "
                        + (f"each reading a page {run['reading'][0]:g}–{run['reading'][1]:g} s before the next: "
                           if run["reading"] else "no pause between pages: ")
                        + f"{run['requests']} requests, {run['throughput']:.1f} req/s, p50 {_ms(run['p50'])}, "
                        f"p95 {_ms(run['p95'])}, p99 {_ms(run['p99'])}, "
                        f"{run['errors']} errors {run['error_kinds'] or ''}")
        if run["reading"]:
            ok = run["p95"] < 0.3 and run["errors"] == 0
            failures += [] if ok else ["load run"]
            lines.append(f"Load: {figures_line} (target p95 < 300 ms, 0 errors): {'PASS' if ok else 'FAIL'}")
        else:
            lines.append(f"Capacity (no target): {figures_line}")
    if not load:
        lines.append("Load: skipped (--skip-load)")
    lines.append("")
    lines.append(f"{len(failures)} targets FAIL" + (": " + "; ".join(failures) if failures else ""))
    return "\n".join(lines), not failures


# --------------------------------------------------------------------------------------------------- database
def _admin_sql(statement: str):
    import psycopg2

    conn = psycopg2.connect("postgresql://postgres@127.0.0.1:5432/postgres")
    conn.autocommit = True
    try:
        with conn.cursor() as cursor:
            cursor.execute(statement)
            return cursor.fetchall() if cursor.description else None
    finally:
        conn.close()


def _meta(key, value=None):
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE IF NOT EXISTS bench_meta (key text PRIMARY KEY, value jsonb NOT NULL)")
        if value is None:
            cursor.execute("SELECT value FROM bench_meta WHERE key = %s", [key])
            row = cursor.fetchone()
            return (json.loads(row[0]) if isinstance(row[0], str) else row[0]) if row else None
        cursor.execute("INSERT INTO bench_meta VALUES (%s, %s) ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value",
                       [key, json.dumps(value)])


def prepare_database(scale: float, keep: bool) -> bool:
    """Create the bench database, or keep it if it holds this scale's data. Returns True when data must be made."""
    exists = _admin_sql(f"SELECT 1 FROM pg_database WHERE datname = '{DB_NAME}'")
    if exists and keep:
        import django

        django.setup()
        if _meta_safe("scale") == scale:
            progress(f"reusing {DB_NAME} (scale {scale:g})")
            return False
    if exists:
        from django.db import connections

        connections.close_all()
        _admin_sql(f"DROP DATABASE {DB_NAME} WITH (FORCE)")
    _admin_sql(f"CREATE DATABASE {DB_NAME}")
    progress(f"created {DB_NAME}")
    return True


def demo_counts_now() -> dict[str, int]:
    """Each page's queries on the demo alone, counted by this code in a fresh database of its own (a second
    process, as its settings name another database)."""
    out = ROOT / "bench" / ".demo-counts.json"
    progress(f"demo scale: counting each page's queries in {DB_NAME}_demo")
    subprocess.run([sys.executable, str(Path(__file__).resolve()), "--demo-counts", str(out)], cwd=ROOT, check=True,
                   env={**os.environ, "BENCH_DB": f"{DB_NAME}_demo"})
    try:
        return json.loads(out.read_text())
    finally:
        out.unlink()


def _demo_counts_only(out: Path) -> int:
    prepare_database(0, keep=False)
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connections

    from members import places
    from members.models import Place

    call_command("migrate", "--noinput", verbosity=0)
    with places.unscoped():
        load_demo()
    pages_counted = measure_pages(Place.objects.get(slug="northbrook"), requests=0, explain=False)
    out.write_text(json.dumps({p.name: p.queries for p in pages_counted}))
    connections.close_all()
    _admin_sql(f"DROP DATABASE {DB_NAME} WITH (FORCE)")
    return 0


def _meta_safe(key):
    try:
        return _meta(key)
    except Exception:  # noqa: BLE001 - no table yet: nothing kept
        return None


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0, help="1 = national figures; 0.02 for a quick run")
    parser.add_argument("--requests", type=int, default=30, help="timed requests per page (at least 30)")
    parser.add_argument("--skip-load", action="store_true", help="skip the 60 s load run against gunicorn")
    parser.add_argument("--keep-db", action="store_true", help="reuse the bench database if it holds this scale")
    parser.add_argument("--load-seconds", type=int, default=60)
    parser.add_argument("--page-budget", type=float, default=0,
                        help="stop timing a page after this many seconds (0: always --requests)")
    parser.add_argument("--only", metavar="PAGES",
                        help="measure only these pages ('|' between names, as the table names them) and the floor, "
                             "on the kept database; no close, digest or load run (for working on a page)")
    parser.add_argument("--demo-counts", metavar="FILE",
                        help="only count each page's queries on the demo alone, in a fresh database, into FILE")
    args = parser.parse_args(argv)
    os.environ.update(ENV)
    os.chdir(ROOT)
    if args.demo_counts:
        return _demo_counts_only(Path(args.demo_counts))
    only = set(args.only.split("|")) if args.only else None
    if only and not args.keep_db:
        parser.error("--only measures the kept database: give --keep-db too")
    fresh = prepare_database(args.scale, args.keep_db)
    import django

    django.setup()
    import logging

    from django.core.management import call_command

    logging.getLogger("django.request").setLevel(logging.ERROR)  # a 403 is reported in the table, not as a trace

    if not (ROOT / "staticfiles" / "staticfiles.json").exists():
        call_command("collectstatic", "--noinput", verbosity=0)
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    migrating = bool(executor.migration_plan(executor.loader.graph.leaf_nodes()))
    call_command("migrate", "--noinput", verbosity=0)
    if migrating and not fresh:
        # A kept database that a migration has just filled in (a stored count backfilled): as autovacuum would leave
        # it before anyone measured, statistics and a visibility map that let counts be read from an index alone.
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    from members import places
    from members.models import Place

    if fresh:
        with places.unscoped():
            load_demo()
        place = Place.objects.get(slug="northbrook")
        progress("demo scale: counting each page's queries")
        demo_pages = measure_pages(place, requests=0, explain=False)
        _meta("demo_counts", {p.name: p.queries for p in demo_pages})
        started = time.perf_counter()
        figures = generate(args.scale)
        progress(f"generated in {time.perf_counter() - started:.0f} s")
        with connection.cursor() as cursor:
            # As autovacuum leaves a database that has been in use: statistics, and the visibility map that lets a
            # count be read from an index alone.
            cursor.execute("VACUUM ANALYZE")
        _meta("figures", figures)
        _meta("scale", args.scale)
    elif not only:
        # The data are kept but the code may have changed since: count the demo's queries again, on the demo alone.
        _meta("demo_counts", demo_counts_now())
    place = Place.objects.get(slug="northbrook")
    demo_counts, figures = _meta("demo_counts"), _meta("figures")
    progress(f"pages: {args.requests} requests each, the floor interleaved")
    result = measure_pages(place, requests=args.requests, budget=args.page_budget, only=only)
    if only:
        unknown = only - {page.name for page in result}
        text, _ = report(scale=args.scale, figures=figures, demo_counts=demo_counts, result=result, close={},
                         digest_figures=None, load=None, requests=args.requests)
        print()
        print(text.split("\n\nEXPLAIN")[0])
        print(f"\nNo such page: {', '.join(sorted(unknown))}" if unknown else "")
        return 2 if unknown else 0
    progress("exercise close and count")
    close = measure_close(place)
    progress("digest")
    digest_figures = measure_digest(place)
    load = None
    if not args.skip_load:
        progress(f"load run: 50 users, {args.load_seconds} s, reading each page; then without a pause")
        load = [load_run(place, seconds=args.load_seconds),
                load_run(place, seconds=args.load_seconds, reading=None)]
    text, ok = report(scale=args.scale, figures=figures, demo_counts=demo_counts, result=result, close=close,
                      digest_figures=digest_figures, load=load, requests=args.requests)
    print()
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
