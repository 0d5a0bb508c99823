"""Read functions for the weekly digest and the chair's dashboard. Each runs a fixed number of queries,
however many exercises, practices or plan items there are."""

from datetime import datetime

from django.db.models import Count, Prefetch
from django.utils import timezone

from members.models import Organisation

from .models import AgreedPriority, Ballot, Exercise, PlanItem
from .services import eligible_practices


def open_exercises(*, now: datetime | None = None) -> list[Exercise]:
    """Exercises open for voting, soonest closing first, each with ``ballot_count``, ``eligible`` and
    ``turnout_percent``. Two queries."""
    now = now or timezone.now()
    exercises = list(
        Exercise.objects.open().filter(closes_at__gt=now).annotate(ballot_count=Count("ballots")).order_by("closes_at")
    )
    eligible = eligible_practices().count() if exercises else 0
    for exercise in exercises:
        exercise.eligible = eligible
        exercise.turnout_percent = round(100 * exercise.ballot_count / eligible) if eligible else 0
    return exercises


def practices_not_voted(*, exercises: list[Exercise] | None = None) -> dict[Exercise, list[Organisation]]:
    """For each open exercise (or those given), the eligible practices with no ballot yet, by name. Three queries
    at most."""
    if exercises is None:
        exercises = open_exercises()
    if not exercises:
        return {}
    practices = list(eligible_practices().select_related("pcn").order_by("name"))
    voted = set(
        Ballot.objects.filter(exercise__in=exercises).values_list("exercise_id", "practice_id")
    )
    return {e: [p for p in practices if (e.pk, p.pk) not in voted] for e in exercises}


def plan_items_needing_attention(*, today=None) -> list[PlanItem]:
    """Live plan items that are overdue or rated red or amber, with their agreed priority. One query."""
    return list(
        PlanItem.objects.needing_attention(today)
        .filter(priority__is_archived=False)
        .select_related("priority", "parent")
        .order_by("due_date", "priority__title", "pk")
    )


def results_published_since(since: datetime) -> list[Exercise]:
    """Exercises whose result was published after ``since``, with ``winners`` (titles, in order) and their live
    agreed priorities prefetched as ``agreed``. Two queries."""
    exercises = list(
        Exercise.objects.filter(status=Exercise.Status.PUBLISHED, is_archived=False, published_at__gt=since)
        .prefetch_related(
            Prefetch("agreed_priorities", queryset=AgreedPriority.objects.current(), to_attr="agreed")
        )
        .order_by("published_at")
    )
    for exercise in exercises:
        exercise.winners = list((exercise.result or {}).get("winners", []))
        exercise.turnout = (exercise.result or {}).get("turnout", {})
    return exercises
