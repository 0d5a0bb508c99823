"""Read-only queries for decisions: pages, the weekly digest and the chair's dashboard.

Each function runs a fixed number of queries however many decisions, rounds and positions there are.
"""

from datetime import datetime, timedelta

from django.db.models import Count, Exists, IntegerField, OuterRef, Prefetch, Q, Subquery, Value
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone

from members.models import Organisation, Seat

from .models import Acknowledgement, DecisionItem, Position, Principle, Round

# A published decision older than a fortnight that fewer than this share of practices have seen needs chasing.
LOW_ACKNOWLEDGEMENT_RATE = 0.5
LOW_ACKNOWLEDGEMENT_AFTER_DAYS = 14


def practice_count() -> int:
    return Organisation.objects.open_practices().count()


def _count(queryset, field_name="item"):
    """A correlated COUNT subquery: counts without multiplying rows the way joined aggregates do."""
    return Coalesce(
        Subquery(
            queryset.filter(**{field_name: OuterRef("pk")})
            .order_by()
            .values(field_name)
            .annotate(n=Count("pk"))
            .values("n"),
            output_field=IntegerField(),
        ),
        Value(0),
    )


def with_log_columns(queryset):
    """What the decision log shows for each item, in one query (plus one for principles)."""
    practices = Organisation.objects.open_practices()
    return (
        queryset.select_related("raised_by", "lead", "redirected_to")
        .prefetch_related(Prefetch("principles", queryset=Principle.objects.order_by("title")))
        .annotate(
            round_count=_count(Round.objects.all()),
            open_round_deadline=Subquery(
                Round.objects.filter(item=OuterRef("pk"), closed_at__isnull=True).values("deadline")[:1]
            ),
            acknowledged=_count(Acknowledgement.objects.filter(practice__in=practices)),
            log_date=Coalesce("decided_on", TruncDate("created_at")),
        )
    )


def filter_log(queryset, *, q="", status="", date_from=None, date_to=None, principle=None, organisation=None):
    if q:
        queryset = queryset.filter(
            Q(title__icontains=q) | Q(question__icontains=q) | Q(statement__icontains=q)
            | Q(proposed_wording__icontains=q) | Q(background__icontains=q)
        )
    if status:
        queryset = queryset.filter(status=status)
    if date_from or date_to:
        queryset = queryset.annotate(filter_date=Coalesce("decided_on", TruncDate("created_at")))
        if date_from:
            queryset = queryset.filter(filter_date__gte=date_from)
        if date_to:
            queryset = queryset.filter(filter_date__lte=date_to)
    if principle:
        queryset = queryset.filter(Exists(DecisionItem.principles.through.objects.filter(
            decisionitem_id=OuterRef("pk"), principle=principle)))
    if organisation:
        queryset = queryset.filter(
            Q(redirected_to=organisation)
            | Exists(DecisionItem.organisations.through.objects.filter(
                decisionitem_id=OuterRef("pk"), organisation=organisation))
        )
    return queryset


def acknowledgement_by_pcn(item: DecisionItem) -> tuple[list[dict], dict]:
    """Per PCN: practices, how many acknowledged the decision, and the rate; then the totals. Two queries."""
    acknowledged_ids = set(
        Acknowledgement.objects.filter(item=item).values_list("practice_id", flat=True)
    )
    rows: dict[int | None, dict] = {}
    for practice in Organisation.objects.open_practices().select_related("pcn").order_by("pcn__name", "name"):
        row = rows.setdefault(
            practice.pcn_id, {"pcn": practice.pcn, "practices": 0, "acknowledged": 0, "missing": []}
        )
        row["practices"] += 1
        if practice.pk in acknowledged_ids:
            row["acknowledged"] += 1
        else:
            row["missing"].append(practice)
    result = list(rows.values())
    for row in result:
        row["rate"] = row["acknowledged"] / row["practices"] if row["practices"] else 0
    total = sum(r["practices"] for r in result)
    done = sum(r["acknowledged"] for r in result)
    return result, {"practices": total, "acknowledged": done, "rate": done / total if total else 0}


def item_rounds(item: DecisionItem) -> list[Round]:
    """Every round of an item with its seats asked and positions, in three queries."""
    return list(
        Round.objects.filter(item=item)
        .select_related("opened_by", "closed_by")
        .prefetch_related(
            Prefetch("seats", queryset=Seat.objects.select_related("holder", "deputy").order_by("title")),
            Prefetch(
                "positions",
                queryset=Position.objects.select_related("seat", "responded_by", "principle").order_by("seat__title"),
            ),
        )
        .order_by("number")
    )


def position_history(item: DecisionItem):
    """Every change to every position on the item, newest first: who answered for which seat, and when."""
    return (
        Position.history.filter(round__item=item)
        .select_related("seat", "responded_by", "history_user", "round")
        .order_by("-history_date")
    )


def digest_summary(*, since: datetime) -> dict:
    """For the weekly digest: decisions published since `since`, and items in a live consensus check."""
    now = timezone.now()
    published = list(
        DecisionItem.objects.published().filter(published_at__gte=since)
        .prefetch_related(Prefetch("principles", queryset=Principle.objects.order_by("title")))
        .order_by("-published_at")
    )
    live = list(
        Round.objects.live(now).select_related("item").order_by("deadline")
    )
    return {
        "since": since,
        "published": published,
        "consensus_checks": [{"item": r.item, "round": r.number, "deadline": r.deadline} for r in live],
    }


def chair_attention(*, now: datetime | None = None) -> dict:
    """For the chair's dashboard: overdue open rounds, seats yet to respond, decisions practices have not seen."""
    now = now or timezone.now()
    open_rounds = list(
        Round.objects.open()
        .select_related("item")
        .prefetch_related(
            Prefetch("seats", queryset=Seat.objects.select_related("holder", "deputy").order_by("title")),
            Prefetch("positions", queryset=Position.objects.only("pk", "round_id", "seat_id")),
        )
        .order_by("deadline")
    )
    waiting = []
    for open_round in open_rounds:
        answered = {p.seat_id for p in open_round.positions.all()}
        missing = [seat for seat in open_round.seats.all() if seat.pk not in answered]
        if missing:
            waiting.append({"round": open_round, "item": open_round.item, "seats": missing})
    total = practice_count()
    cutoff = now - timedelta(days=LOW_ACKNOWLEDGEMENT_AFTER_DAYS)
    low = []
    if total:
        for item in (
            DecisionItem.objects.published()
            .filter(published_at__lte=cutoff)
            .annotate(acknowledged=_count(
                Acknowledgement.objects.filter(practice__in=Organisation.objects.open_practices())
            ))
            .filter(acknowledged__lt=total * LOW_ACKNOWLEDGEMENT_RATE)
            .order_by("published_at")
        ):
            low.append({"item": item, "acknowledged": item.acknowledged, "practices": total,
                        "rate": item.acknowledged / total})
    return {
        "overdue_rounds": [r for r in open_rounds if r.is_overdue(now)],
        "seats_not_responded": waiting,
        "low_acknowledgement": low,
    }
