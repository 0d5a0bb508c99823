"""The ICS leaders' page: each place of a system side by side, read across its places at once.

Every figure is read for all the places in one query (grouped by place in the database, or by a window that
keeps the latest few of each place), so the page runs the same number of queries for a system of two places as
for one of twenty. The places' own pages define what each figure means; this module reads the same QuerySet
methods (published, awaiting triage, open practices, the turnout counted at the close) rather than its own.
"""

from collections import defaultdict
from datetime import date, datetime, timedelta
from typing import NamedTuple

from django.db.models import BigIntegerField, Count, Exists, F, FilteredRelation, OuterRef, Q, Value, Window
from django.db.models.functions import Cast, RowNumber
from django.utils import timezone

from decisions import selectors as decision_selectors
from decisions.models import DecisionItem
from members import prepared
from members.models import ICS, GroupRole, Membership, Place
from members.places import across, place_prefix
from priorities import selectors as priority_selectors
from priorities.models import RAG, AgreedPriority, percent
from priorities.selectors import exercise_turnout
from representation.models import Action, Forum, RepresentativeQuerySet, Request

from . import charts

# Engagement is measured over the last year of published decisions.
ENGAGEMENT_DAYS = 365
# The page names the latest few decisions each place published to the system; the count says how many in all.
LATEST_DECISIONS = 3


def priority_rag(red: int, amber: int, green: int, complete: int) -> str:
    """A priority's state from its live plan items, the worst first: red, then amber, then green; complete when
    every item is; "" when it has no plan yet."""
    for status, count in ((RAG.RED, red), (RAG.AMBER, amber), (RAG.GREEN, green), (RAG.COMPLETE, complete)):
        if count:
            return status
    return ""


class ShownPriority(NamedTuple):
    """An agreed priority as the page shows it: its title and the worst RAG of its live plan (priority_rag)."""

    title: str
    rag: str


class ShownDecision(NamedTuple):
    """A decision a place published to the system, as the page names it."""

    title: str
    published_at: datetime


# What each row of _priorities_and_public_decisions' query is.
_PRIORITY, _DECISION = "priority", "decision"


def _priorities_and_public_decisions(since: datetime) -> tuple[dict[int, list[ShownPriority]], dict[int, int],
                                                                   dict[int, list[ShownDecision]]]:
    """Each place's agreed priorities with the counts of their live plan items by RAG, how many decisions each
    place published to the system since `since`, and the latest few of them, in one query (UNION ALL, each row
    marked with which it is; a round trip and its Python fewer than two): each of the latest decisions carries its
    place's count (a window over the same rows). Decisions published at the same moment come the newest first, in
    the order of the index that answers (decision_place_public). Each part is sorted the same way: by place, the
    latest published first, then the priority's position (a decision's rank by the same order)."""
    live = Q(plan_items__is_archived=False)
    # Cast: a bare parameter in a column of UNION ALL is typed as text when the statement is prepared on the server.
    nothing = Cast(Value(0), output_field=BigIntegerField())

    def both(since):
        priorities = (
            AgreedPriority.objects.current()
            .filter(exercise__is_archived=False)
            .order_by()
            .annotate(
                red=Count("plan_items", filter=live & Q(plan_items__rag_status=RAG.RED)),
                amber=Count("plan_items", filter=live & Q(plan_items__rag_status=RAG.AMBER)),
                green=Count("plan_items", filter=live & Q(plan_items__rag_status=RAG.GREEN)),
                complete=Count("plan_items", filter=live & Q(plan_items__rag_status=RAG.COMPLETE)),
            )
            .values_list(Value(_PRIORITY), "exercise__place", "pk", "title", "exercise__published_at", "position",
                         "red", "amber", "green", "complete", nothing))
        decisions = (
            DecisionItem.objects.public()
            .filter(published_at__gte=since)
            .order_by()
            .annotate(place_rank=Window(RowNumber(), partition_by=F("place"),
                                        order_by=[F("published_at").desc(), F("pk").desc()]),
                      place_count=Window(Count("pk"), partition_by=F("place")))
            .filter(place_rank__lte=LATEST_DECISIONS)
            .values_list(Value(_DECISION), "place", "pk", "title", "published_at", "place_rank",
                         nothing, nothing, nothing, nothing, "place_count"))
        return priorities.union(decisions, all=True)

    priorities, counts, latest = defaultdict(list), {}, defaultdict(list)
    rows = prepared.objects("ics.priorities_and_public_decisions", both, since=since)
    # Sorted here, not by the query: a place's few rows (the decisions' ranks follow their published time).
    for which, place, _pk, title, published_at, _rank, red, amber, green, complete, count in sorted(
            rows, key=lambda row: (row[1], _latest_first(row[4]), row[5], row[2])):
        if which == _PRIORITY:
            priorities[place].append(ShownPriority(title, priority_rag(red, amber, green, complete)))
        else:
            counts[place] = count
            latest[place].append(ShownDecision(title, published_at))
    return priorities, counts, latest


def _latest_first(moment: datetime | None) -> tuple:
    """A sort key putting the latest first, and no time (a priority of an exercise not published) before any, as
    PostgreSQL's descending order does."""
    return (0, 0) if moment is None else (1, -moment.timestamp())


# What each row of _activity_by_place's query counts.
_OPEN_ACTIONS, _DONE_ACTIONS = "open actions", "done actions"
_TRIAGE, _OPEN_REQUESTS = "triage", "open requests"
_TRIAGE_COUNTS = ("within_target", "late", "waiting")


def _activity_by_place(ics: ICS, *, today: date) -> tuple[dict[int, dict], dict[int, dict], dict[int, int]]:
    """By place, in one query (grouped reads joined by UNION ALL, each row marked with what it counts): the
    actions open on time and overdue today, and those done in the charts' window (with_status_counts for today,
    each part from an index alone); the requests received in the window, by triage against its target; the open
    requests routed from the system's ICS-level partners."""
    window_start = today - timedelta(weeks=charts.WINDOW_WEEKS)
    nothing = Value(0, output_field=BigIntegerField())

    def activity(ics):
        open_actions = (Action.objects.order_by().values("place").with_open_counts(today)
                        .values_list(Value(_OPEN_ACTIONS), "place", "on_time", "overdue", nothing))
        done_actions = (Action.objects.order_by().values("place").with_done_count(since=window_start, on=today)
                        .values_list(Value(_DONE_ACTIONS), "place", "done", nothing, nothing))
        requests = (Request.objects.filter(received_at__date__gt=window_start).order_by().values("place")
                    .with_triage_counts(today).values_list(Value(_TRIAGE), "place", *_TRIAGE_COUNTS))
        open_requests = (Request.objects.awaiting_triage().filter(routed_from_ics=ics).order_by().values("place")
                         .annotate(n=Count("pk")).values_list(Value(_OPEN_REQUESTS), "place", "n", nothing, nothing))
        return open_actions.union(done_actions, requests, open_requests, all=True)

    # The SQL counts from the ends of those days (times derived from the dates), so the dates are in the key. Sent
    # as SQL, not prepared on the server: planned for the day's values, the counts are read from the indexes.
    by_kind = {_OPEN_ACTIONS: {}, _DONE_ACTIONS: {}, _TRIAGE: {}, _OPEN_REQUESTS: {}}
    for kind, place, *counts in prepared.objects(("ics.activity", today, window_start), activity, on_server=False,
                                                 ics=ics.pk):
        by_kind[kind][place] = counts
    actions = {place: {"on_time": 0, "overdue": 0, "done": 0}
               for place in by_kind[_OPEN_ACTIONS].keys() | by_kind[_DONE_ACTIONS].keys()}
    for place, (on_time, overdue, _) in by_kind[_OPEN_ACTIONS].items():
        actions[place].update(on_time=on_time, overdue=overdue)
    for place, (done, *_) in by_kind[_DONE_ACTIONS].items():
        actions[place]["done"] = done
    return (actions,
            {place: dict(zip(_TRIAGE_COUNTS, counts, strict=True)) for place, counts in by_kind[_TRIAGE].items()},
            {place: counts[0] for place, counts in by_kind[_OPEN_REQUESTS].items()})


def _ics_forums(ics: ICS, place_ids: list[int]) -> list[Forum]:
    """The ICS-level forums, each with its `current_representatives`, and each representative with the places of
    `place_ids` they come from (`home_place_ids`): where they hold a live group role or work for one of the place's
    organisations now, asked of each place (a question per place: the query is compiled for the system's set of
    places, members.prepared). One query: each forum joined to its representatives in post (a row per
    representative, or one for a forum with none), so the forums with their host and the representatives with
    their person come together."""
    def at_home(place_id):
        return (Exists(GroupRole.objects.live().filter(user=OuterRef("in_post__user"), place=place_id))
                | Exists(Membership.objects.current().filter(user=OuterRef("in_post__user"),
                                                             organisation__place=place_id)))

    forums = {}
    for row in prepared.objects("ics.forums", lambda ics: (
            Forum.objects.current().filter(place__isnull=True, ics=ics)
            .annotate(in_post=FilteredRelation("representatives",
                                               condition=RepresentativeQuerySet.in_post("representatives__")))
            .select_related("host", "in_post__user")
            .annotate(**{f"home_{pk}": at_home(pk) for pk in place_ids})
            .order_by("name", "pk", "in_post__role", "in_post__pk")), ics=ics.pk):
        forum = forums.setdefault(row.pk, row)
        if forum is row:
            forum.current_representatives = []
        rep = getattr(row, "in_post", None)  # select_related sets nothing on a forum with nobody in post
        if rep is not None:
            rep.home_place_ids = [pk for pk in place_ids if getattr(row, f"home_{pk}")]
            forum.current_representatives.append(rep)
    return list(forums.values())


def _representatives_by_place(forums: list[Forum]) -> dict[int, list[dict]]:
    """Which place each ICS-level representative comes from (`home_place_ids`, read with them). A person of two
    places counts in both."""
    by_place = defaultdict(list)
    for forum in forums:
        for rep in forum.current_representatives:
            for place_id in rep.home_place_ids:
                by_place[place_id].append({"forum": forum, "representative": rep})
    return by_place


def ics_page(ics: ICS, ics_places: list[Place], *, now: datetime | None = None) -> dict:
    """Everything the ICS leaders' page shows: a row per place (`rows`) and the ICS-level forums with their
    representatives (`forums`). A fixed number of queries, however many places the system has."""
    now = now or timezone.now()
    since = now - timedelta(days=ENGAGEMENT_DAYS)
    with across(ics_places):
        priorities, decisions_public, latest_public = _priorities_and_public_decisions(since)
        acknowledgements, recent_acknowledgements = decision_selectors.acknowledgement_rates_by_place(
            since=since, recent_since=charts.window_since(now))
        # Each place's open practices are the electorate of its vote too.
        turnout, exercises = priority_selectors.latest_exercises_by_place(
            eligible={place: row["practices"] for place, row in acknowledgements.items()})
        actions, requests, open_requests = _activity_by_place(ics, today=timezone.localdate(now))
        forums = _ics_forums(ics, [place.pk for place in ics_places])
        representatives = _representatives_by_place(forums)
        ics_charts = charts.for_ics(ics_places, today=timezone.localdate(now), now=now, actions=actions,
                                    requests=requests, turnout=turnout, acknowledgements=recent_acknowledgements)
    rows = []
    for place in ics_places:
        reach = acknowledgements.get(place.pk, {"practices": 0, "decisions": 0, "acknowledged": 0, "expected": 0})
        practices, decisions = reach["practices"], reach["decisions"]
        acknowledged, expected = reach["acknowledged"], reach["expected"]
        exercise = exercises.get(place.pk)
        rows.append({
            "place": place,
            "url": place_prefix(place),
            "priorities": priorities.get(place.pk, []),
            "decisions_public": decisions_public.get(place.pk, 0),
            "latest_public": latest_public.get(place.pk, []),
            "representatives": representatives.get(place.pk, []),
            "open_requests": open_requests.get(place.pk, 0),
            "practices": practices,
            "decisions_published": decisions,
            "acknowledged": acknowledged,
            "expected_acknowledgements": expected,
            "acknowledgement_percent": percent(acknowledged, expected) if expected else None,
            "exercise": exercise,
            "turnout": exercise_turnout(exercise) if exercise else None,
        })
    return {"rows": rows, "forums": forums, "since": since, "charts": ics_charts,
            "window_weeks": charts.WINDOW_WEEKS}
