"""Read-only queries for decisions: the pages (the log, an item and its history), the weekly digest and the
chair's dashboard.

Each function runs a fixed number of queries however many decisions, rounds and positions there are.
"""

from datetime import datetime, timedelta
from typing import NamedTuple

from django.core.paginator import Page, Paginator
from django.db.models import (
    BigIntegerField,
    BooleanField,
    Case,
    CharField,
    Count,
    DateField,
    DateTimeField,
    Exists,
    ExpressionWrapper,
    F,
    FilteredRelation,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from members import access, prepared
from members.access import practice_ids as access_practice_ids
from members.access import seat_ids as access_seat_ids
from members.models import InArray, Organisation, Seat, User, open_practice
from members.papers import with_versions

from .diff import has_changes, word_diff
from .models import (
    Acknowledgement,
    Comment,
    DecisionItem,
    ItemInterest,
    ItemPaper,
    JSONListInOrder,
    OrderedJSONList,
    Position,
    Round,
    log_date,
)
from .services import round_verdict

# A published decision older than a fortnight that fewer than this share of practices have seen needs chasing.
LOW_ACKNOWLEDGEMENT_RATE = 0.5
LOW_ACKNOWLEDGEMENT_AFTER_DAYS = 14


def practice_count() -> int:
    return prepared.counts("practice_count", _practices_counted)["n"]


def _practices_counted():
    """The number of open practices (the practices a decision should reach), as the one row of `n`."""
    return prepared.one_row(Organisation.objects.open_practices(), n=Count("*"))


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


def _principle_titles():
    """The titles of an item's principles in title order, as `principle_titles` (a list): read in the item's own
    row, for the rows listed only (PostgreSQL works out a subquery of the select list after the sort and the
    LIMIT), where a second query of the listed items' principles sorted the whole log again (1 ms a page at national
    scale)."""
    return Subquery(
        DecisionItem.principles.through.objects.filter(decisionitem_id=OuterRef("pk")).order_by()
        .values("decisionitem_id").annotate(titles=JSONListInOrder("principle__title")).values("titles"),
        output_field=OrderedJSONList())


def with_log_columns(queryset):
    """What the decision log shows for each item, in one query: `principle_titles`, `redirected_to_name` (the
    organisation's name, for a redirected item), `round_count`, `open_round_deadline`, `acknowledged` (for published
    items only, the only ones that show it) and `log_date`."""
    return queryset.annotate(
        principle_titles=_principle_titles(),
        # A subquery rather than a join: joined, every item of the log was matched with its organisation before
        # the sort that keeps a page of them.
        redirected_to_name=Subquery(Organisation._base_manager.filter(pk=OuterRef("redirected_to_id")).order_by()
                                    .values("name")[:1]),
        round_count=_count(Round.objects.all()),
        open_round_deadline=Subquery(
            Round.objects.open().filter(item=OuterRef("pk")).values("deadline")[:1]
        ),
        # The practices that have seen it: its stored count less the acknowledgements of practices no longer open,
        # as the dashboard reads it, rather than each acknowledgement's practice asked whether it is open (every
        # acknowledgement of every published item listed, 20 to a page).
        acknowledged=Case(When(published_at__isnull=False,
                               then=F("acknowledged_count") - _count(_not_open_acknowledgements(listed=True))),
                          default=0),
        log_date=log_date(),
    )


# Published decisions a page at a time: a place publishes for years, and the golden thread is read page by page.
PUBLISHED_PAGE_SIZE = 20


def published_page(*, practice_ids, unseen_only: bool = False, page: str | None = None) -> tuple[Page, int]:
    """The published decisions, newest first, PUBLISHED_PAGE_SIZE to a `page` (a Django Page; a page past the end
    gives the last, anything else not a number the first), each with the log's columns and `seen_by_my_practice`:
    whether one of `practice_ids` (the reader's practices) has acknowledged it. `unseen_only`: only those none of
    them has. With the number of open practices (practice_count: 0 on an empty page, which shows none). The first
    page comes from one prepared query (members.prepared), its rows carrying the count and the practices; another
    page takes three queries, its count prepared."""
    own = {f"practice_{n}": pk for n, pk in enumerate(sorted(practice_ids))}
    unseen_only = unseen_only and bool(own)

    def published(**own):
        items = DecisionItem.objects.published()
        if unseen_only:
            items = items.exclude(pk__in=Acknowledgement.objects.filter(practice_id__in=list(own.values()))
                                  .values("item"))
        return items

    def listed(**own):
        seen = Exists(Acknowledgement._base_manager.filter(  # of decisions already in the place
            item=OuterRef("pk"), practice_id__in=list(own.values()))) if own else Value(False)
        return with_log_columns(published(**own)).annotate(seen_by_my_practice=seen).order_by("-published_at", "-pk")

    def counted(**own):  # without the log's columns, which a count does not need
        return prepared.one_row(published(**own), n=Count("*"))

    key = ("published", unseen_only, len(own))
    if not _is_first_page(page):
        return prepared.paged(
            count=prepared.counts((key, "count"), counted, **own)["n"], number=page, size=PUBLISHED_PAGE_SIZE,
            first=lambda: list(listed(**own)[:PUBLISHED_PAGE_SIZE]), rest=lambda: listed(**own)), practice_count()

    def first(**own):
        # The count and the practices: subqueries PostgreSQL runs once for the query.
        return listed(**own).annotate(published_count=Subquery(counted(**own)),
                                      practices=Subquery(_practices_counted()))[:PUBLISHED_PAGE_SIZE]

    # With its generic plan: planned for its values on every run it took longer (1.6 against 2.1–2.7 ms at national
    # scale, once the acknowledged column was read from the stored count).
    items = prepared.objects((key, "first"), first, generic=True, **own)
    first_page = Paginator(range(items[0].published_count if items else 0), PUBLISHED_PAGE_SIZE).get_page(1)
    first_page.object_list = items
    return first_page, items[0].practices if items else 0


def log_page(user, *, number, size: int, only) -> tuple[Page, set[int], int]:
    """The decision log unfiltered, newest first, `size` items to a page (page `number` as the address gives it),
    with the log's columns and only the fields `only`; with the ids of its items waiting for a seat of the reader
    (items_awaiting_my_seat) and the number of open practices (practice_count: 0 on an empty page, which shows
    none). The first page, which most readers see, comes from one query compiled once a day (members.prepared):
    each of its rows carries the count of the whole log, the number of practices and whether it waits for the
    reader; another page takes four queries, its count and rows prepared."""
    # Who they are is asked here, not while the SQL is compiled in a stand-in place where they are nobody.
    roles = {"group": access.is_group(user), "participant": access.is_participant(user)}
    seats = user.is_authenticated and bool(access_seat_ids(user))
    key = ("log", *roles.values(), seats)

    def logged():
        return DecisionItem.objects.visible_as(**roles)

    def logged_count():
        return prepared.one_row(logged(), n=Count("*"))

    def listed():
        return with_log_columns(logged()).only(*only).order_by("-log_date", "-pk")

    if not _is_first_page(number):
        page = prepared.paged(
            count=prepared.counts((key, "count"), logged_count)["n"],
            number=number, size=size, first=lambda: list(with_log_columns(listed())[:size]),
            rest=lambda: with_log_columns(listed()))
        return page, items_awaiting_my_seat(user, [item.pk for item in page]), practice_count()

    def first(**reader):
        # The count of the whole log and the practices: subqueries PostgreSQL runs once for the query.
        items = listed().annotate(log_count=Subquery(logged_count()), practices=Subquery(_practices_counted()))
        if seats:
            items = items.annotate(awaiting_my_seat=ExpressionWrapper(
                Q(pk__in=_unanswered_asks(reader["person_id"], now=reader["now"]).values("round__item_id")),
                output_field=BooleanField()))
        return items[:size]

    reader = {"person_id": user.pk, "now": timezone.now()} if seats else {}
    items = prepared.objects((key, "first", size), first, generic=True, **reader)
    page = Paginator(range(items[0].log_count if items else 0), size).get_page(1)
    page.object_list = items
    awaiting = {item.pk for item in items if seats and item.awaiting_my_seat}
    return page, awaiting, items[0].practices if items else 0


def _is_first_page(number) -> bool:
    """Whether Paginator.get_page(number) gives the first page whatever the count: no number, or 1 (a number past
    the end, or below 1, gives the last)."""
    try:
        return int(number) == 1
    except (TypeError, ValueError):
        return True


def public_decisions(*, limit: int):
    """The decisions the chair chose to show beyond the portal, newest first, each with its `principle_titles`. One
    query, prepared (members.prepared)."""
    return prepared.objects(("public_decisions", limit), lambda: (
        DecisionItem.objects.public().order_by("-decided_on", "-pk")[:limit]
        .only("title", "statement", "decided_on")  # not the discussion's texts
        .annotate(principle_titles=_principle_titles())))


def filter_log(queryset, *, q="", status="", date_from=None, date_to=None, principle=None, organisation=None):
    if q:
        queryset = queryset.filter(
            Q(title__icontains=q) | Q(question__icontains=q) | Q(statement__icontains=q)
            | Q(proposed_wording__icontains=q) | Q(background__icontains=q)
        )
    if status:
        queryset = queryset.filter(status=status)
    if date_from or date_to:
        queryset = queryset.annotate(filter_date=log_date())
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
    """Per PCN (`pcn_id` None: practices in no PCN), by name: its open practices, how many acknowledged the
    decision, and the rate; then the totals. One query, counted by the database, from prepared SQL."""
    def counts(item):
        seen = Acknowledgement.objects.filter(item=item, practice=OuterRef("pk"))
        return (Organisation.objects.open_practices().order_by().values("pcn_id", "pcn__name")
                .annotate(practices=Count("pk"), acknowledged=Count("pk", filter=Q(Exists(seen))))
                .values_list("pcn_id", "pcn__name", "practices", "acknowledged"))

    result = sorted(
        ({"pcn_id": pcn_id, "name": name, "practices": practices, "acknowledged": acknowledged,
          "rate": acknowledged / practices}
         for pcn_id, name, practices, acknowledged in prepared.objects("item.acknowledgement_by_pcn", counts,
                                                                       item=item.pk)),
        key=lambda row: (row["pcn_id"] is None, row["name"] or ""),
    )
    total = sum(r["practices"] for r in result)
    done = sum(r["acknowledged"] for r in result)
    return result, {"practices": total, "acknowledged": done, "rate": done / total if total else 0}


def acknowledgement_rates(*, since: datetime, by: str) -> dict[int | None, dict]:
    """The rule of acknowledgement_by_pcn over every decision published since `since`, grouped by the open
    practices' `by` ("pcn" or "place"): {group id: practices, decisions (those of the practices' places),
    acknowledged, expected (each practice × each decision of its place), name}; None is the practices in no PCN.
    One query, however many groups, decisions and practices."""
    def figures(since):
        first, *rest = acknowledgement_parts(since=since, by=by)
        return first.union(*rest, all=True)

    # From SQL compiled once a day (members.prepared) where there is one place (the dashboard; elsewhere run as it
    # is), `since` given as a value.
    return acknowledgement_rates_from(prepared.objects(("acknowledgement_rates", by), figures, since=since))


def acknowledgement_parts(*, since: datetime, by: str) -> list:
    """The grouped reads acknowledgement_rates joins by UNION ALL, for a page that reads them in a query of its own
    with others' rows (the chair's dashboard): each a values_list of (kind, pk, group, name, place, n), `kind`
    saying what the row counts (acknowledgement_rates_from reads them). Acknowledgements grouped by practice in the
    database and by PCN (or place) in Python: joining each acknowledgement to its practice costs more than the
    grouping (tens of thousands at national scale). (The decisions are the scope's, so their acknowledgements need
    no test of their own place.)"""
    published = DecisionItem.objects.published().filter(published_at__gte=since)
    no_id, no_name = Value(None, output_field=IntegerField()), Value(None, output_field=CharField())
    decisions = (published.order_by().values_list("place").annotate(n=Count("pk"))
                 .values_list(Value(_DECISIONS), "place", no_id, no_name, "place", "n"))
    practices = (Organisation.objects.open_practices().order_by()
                 .values_list(Value(_PRACTICES), "pk", by, f"{by}__name", "place", no_id))
    acknowledged = (Acknowledgement._base_manager.filter(item__in=published.values("pk")).order_by()
                    .values_list("practice").annotate(n=Count("item"))  # not the id: the index alone answers
                    .values_list(Value(_ACKNOWLEDGED), "practice", no_id, no_name, no_id, "n"))
    return [decisions, practices, acknowledged]


def acknowledgement_rates_from(rows) -> dict[int | None, dict]:
    """acknowledgement_rates's figures from the rows of acknowledgement_parts (rows of other kinds are left
    alone)."""
    rows = list(rows)
    decisions = {place: n for kind, _, _, _, place, n in rows if kind == _DECISIONS}
    groups: dict[int | None, dict] = {}
    group_of: dict[int, int | None] = {}  # open practice → its group
    for kind, pk, group, name, place, _ in rows:
        if kind != _PRACTICES:
            continue
        group_of[pk] = group
        row = groups.setdefault(group, {"name": name, "practices": 0, "decisions": 0, "acknowledged": 0,
                                        "expected": 0})
        place_decisions = decisions.get(place, 0)
        row["practices"] += 1
        row["decisions"] = max(row["decisions"], place_decisions)
        row["expected"] += place_decisions
    # Closed practices drop out.
    for kind, practice, _, _, _, count in rows:
        if kind == _ACKNOWLEDGED and practice in group_of:
            groups[group_of[practice]]["acknowledged"] += count
    return groups


def _not_open_acknowledgements(*, listed: bool = False):
    """The acknowledgements of the scope's organisations that are not open practices now (a practice closed or
    archived since it acknowledged): DecisionItem.acknowledged_count counts them, who has seen a decision does not.
    A handful, found by practice in the index of acknowledgements by practice. `listed`: matched against the list of
    those organisations, read once for the query (members.models.InArray: `= ANY(ARRAY(…))` on PostgreSQL), for a
    subquery run for each decision listed: as `IN (…)` PostgreSQL read the place's organisations again for each."""
    not_open = Organisation.objects.exclude(open_practice()).order_by().values("pk")
    if listed:
        return Acknowledgement._base_manager.filter(InArray(F("practice_id"), not_open))
    return Acknowledgement._base_manager.filter(practice__in=not_open)


def acknowledgement_rates_by_place(*, since: datetime, recent_since: datetime) -> tuple[dict, dict]:
    """acknowledgement_rates(by="place") over two windows at once, `since` and the shorter `recent_since` within
    it (the ICS page's year and its chart's twelve weeks): the same figures for each, in one query (three grouped
    reads joined by UNION ALL, each row marked with what it counts), compiled once a day for the places being read
    (members.prepared). The acknowledgements are the decisions' stored counts (DecisionItem.acknowledged_count) less
    those of practices no longer open: counted one by one, they were tens of thousands at national scale (2 ms)."""
    def published(since):
        return DecisionItem.objects.published().filter(published_at__gte=since)

    no_name = Value("", output_field=CharField())
    nothing = Value(0, output_field=BigIntegerField())

    def figures(since, recent_since):
        decisions = (
            published(since).order_by().values_list("place")
            .annotate(n=Count("pk"), recent=Count("pk", filter=Q(published_at__gte=recent_since)),
                      acknowledged=Sum("acknowledged_count"),
                      recent_acknowledged=Sum("acknowledged_count", filter=Q(published_at__gte=recent_since)))
            .values_list(Value(_DECISIONS), "place", no_name, "n", "recent", "acknowledged", "recent_acknowledged"))
        practices = (
            Organisation.objects.open_practices().order_by().values_list("place", "place__name")
            .annotate(n=Count("pk"))
            .values_list(Value(_PRACTICES), "place", "place__name", "n", nothing, nothing, nothing))
        # Less the acknowledgements of practices no longer open, by the decision's place (a practice acknowledges
        # only its own place's decisions: services.acknowledgement_record).
        not_open = (
            _not_open_acknowledgements().filter(item__published_at__isnull=False, item__published_at__gte=since)
            .order_by().values_list("item__place")
            .annotate(n=Count("pk"), recent=Count("pk", filter=Q(item__published_at__gte=recent_since)))
            .values_list(Value(_NOT_OPEN), "item__place", no_name, "n", "recent", nothing, nothing))
        return decisions.union(practices, not_open, all=True)

    # Its generic plan is the plan PostgreSQL makes for the values (each part from the same index), but it kept
    # planning afresh on every run: 0.5 ms of the 1.1 ms the query took at national scale.
    decisions, practices, names, not_open = {}, {}, {}, []
    for kind, place, name, n, recent, acknowledged, recent_acknowledged in prepared.objects(
            "acknowledgement_rates_by_place", figures, generic=True, since=since, recent_since=recent_since):
        if kind == _DECISIONS:
            decisions[place] = (n, recent, acknowledged or 0, recent_acknowledged or 0)
        elif kind == _PRACTICES:
            practices[place], names[place] = n, name
        else:
            not_open.append((place, n, recent))
    windows: tuple[dict, dict] = tuple(
        {place: {"name": names[place], "practices": n, "decisions": decisions.get(place, (0, 0))[window],
                 "acknowledged": decisions.get(place, (0, 0, 0, 0))[2 + window],
                 "expected": n * decisions.get(place, (0, 0))[window]}
         for place, n in practices.items()}
        for window in (0, 1))
    for place, count, recent_count in not_open:
        if place in windows[0]:
            windows[0][place]["acknowledged"] -= count
            windows[1][place]["acknowledged"] -= recent_count
    return windows


# What each row of acknowledgement_rates_by_place's query counts.
_DECISIONS, _PRACTICES, _NOT_OPEN, _ACKNOWLEDGED, _PUBLISHED = (
    "decisions", "practices", "not open", "acknowledged", "published")


def item_rounds(item: DecisionItem) -> list[Round]:
    """Every round of an item with its seats asked (`seats.all()`) and positions (`positions.all()`, each with its
    seat), in two queries from prepared SQL (members.prepared): the seats asked come with the position each gave
    in that round, if any (a seat gives one position a round, and only a seat asked gives one:
    services.position_record)."""
    rounds = prepared.objects(
        "item.rounds", lambda item: Round.objects.filter(item=item).select_related("opened_by", "closed_by")
        .order_by("number"), item=item.pk)
    asked = prepared.objects(
        "item.rounds.seats", lambda item: Round.seats.through.objects.filter(round__item=item)
        .annotate(given=FilteredRelation("seat__positions", condition=Q(seat__positions__round=F("round"))))
        .select_related("seat__holder", "seat__deputy", "given__responded_by", "given__recorded_by",
                        "given__principle").order_by("seat__title", "seat_id"), item=item.pk)
    seats, positions = {r.pk: [] for r in rounds}, {r.pk: [] for r in rounds}
    for link in asked:
        seats[link.round_id].append(link.seat)
        position = getattr(link, "given", None)  # select_related sets nothing where the seat gave none
        if position is not None:
            position.seat = link.seat
            positions[link.round_id].append(position)
    for r in rounds:
        prepared.prefetched(r, "seats", seats[r.pk])
        prepared.prefetched(r, "positions", positions[r.pk])
    return rounds


# The fields the item's history shows, in the order it shows them.
HISTORY_FIELDS = [
    ("title", "Title"),
    ("status", "Status"),
    ("question", "Question"),
    ("background", "Background"),
    ("proposed_wording", "Proposed wording"),
    ("lead", "Lead"),
    ("statement", "Decision statement"),
    ("decided_on", "Date of the decision"),
    ("published_at", "Published"),
    ("is_public", "Shown on the public page"),
    ("redirected_to", "Redirected to"),
    ("outcome_reason", "Reason"),
]

# What each row of item_history's query is: a stored version of the item, or of one of its positions.
_ITEM_VERSION, _POSITION_VERSION = "item", "position"
# The columns of a version of the item, then of a position: each part of the query reads its own and leaves the
# other's empty (NULL of the column's type).
_ITEM_VERSION_COLUMNS = {
    "v_title": ("title", CharField), "v_status": ("status", CharField), "v_question": ("question", CharField),
    "v_background": ("background", CharField), "v_wording": ("proposed_wording", CharField),
    "v_lead": ("lead_id", BigIntegerField), "v_lead_name": ("lead__full_name", CharField),
    "v_lead_email": ("lead__email", CharField), "v_statement": ("statement", CharField),
    "v_decided_on": ("decided_on", DateField), "v_published_at": ("published_at", DateTimeField),
    "v_is_public": ("is_public", BooleanField), "v_redirected_to": ("redirected_to_id", BigIntegerField),
    "v_redirected_to_name": ("redirected_to__name", CharField), "v_reason": ("outcome_reason", CharField),
}
_POSITION_VERSION_COLUMNS = {
    "v_round": ("round_id", BigIntegerField), "v_round_number": ("round__number", IntegerField),
    "v_seat": ("seat_id", BigIntegerField), "v_seat_title": ("seat__title", CharField),
    "v_stance": ("stance", CharField), "v_responded_by": ("responded_by_id", BigIntegerField),
    "v_responder_name": ("responded_by__full_name", CharField), "v_responder_email": ("responded_by__email", CharField),
}


def _versions(item):
    """Every stored version of the item and of its positions, oldest first (the item's before its positions'), in
    one query: the two history tables joined by UNION ALL, each row marked with which it is and naming the people
    and records it points to."""
    def part(history, kind: str, own: dict, other: dict):
        columns = {name: F(path) for name, (path, _) in own.items()}
        columns.update({name: Value(None, output_field=field()) for name, (_, field) in other.items()})
        return (history.order_by().annotate(kind=Value(kind), at=F("history_date"), who=F("history_user_id"),
                                            who_name=F("history_user__full_name"),
                                            who_email=F("history_user__email"), **columns)
                .values_list("kind", "at", "history_id", "who", "who_name", "who_email",
                             *_ITEM_VERSION_COLUMNS, *_POSITION_VERSION_COLUMNS, named=True))

    return part(DecisionItem.history.filter(id=item), _ITEM_VERSION, _ITEM_VERSION_COLUMNS,
                _POSITION_VERSION_COLUMNS).union(
        part(Position.history.filter(round__item=item), _POSITION_VERSION, _POSITION_VERSION_COLUMNS,
             _ITEM_VERSION_COLUMNS), all=True).order_by("kind", "at", "history_id")


def _person(pk, name, email) -> User | None:
    return User(pk=pk, full_name=name, email=email) if pk is not None else None


def item_history(item: DecisionItem) -> dict:
    """Who changed what on the item, when (`history`: each stored version compared with the one before, in Python),
    and every change to every position on the item (`position_history`: who answered for which seat, and when, each
    a historical Position with its `round`, `seat` and `responded_by`), both newest first. One query, from prepared
    SQL (members.prepared)."""
    item_versions, position_versions = [], []
    for row in prepared.objects("item.history", _versions, item=item.pk):
        who = _person(row.who, row.who_name, row.who_email)
        if row.kind == _ITEM_VERSION:
            item_versions.append(DecisionItem.history.model(
                history_id=row.history_id, history_date=row.at, history_user=who, id=item.pk, title=row.v_title,
                status=row.v_status, question=row.v_question, background=row.v_background,
                proposed_wording=row.v_wording, lead=_person(row.v_lead, row.v_lead_name, row.v_lead_email),
                statement=row.v_statement, decided_on=row.v_decided_on, published_at=row.v_published_at,
                is_public=row.v_is_public, outcome_reason=row.v_reason,
                redirected_to=Organisation(pk=row.v_redirected_to, name=row.v_redirected_to_name)
                if row.v_redirected_to is not None else None))
        else:
            position_versions.append(Position.history.model(
                history_id=row.history_id, history_date=row.at, history_user=who, stance=row.v_stance,
                round=Round(pk=row.v_round, item=item, number=row.v_round_number),
                seat=Seat(pk=row.v_seat, title=row.v_seat_title),
                responded_by=_person(row.v_responded_by, row.v_responder_name, row.v_responder_email)))
    position_versions.reverse()
    return {"history": _changes(item_versions), "position_history": position_versions}


def _changes(records) -> list[dict]:
    """Each version of the item (oldest first) compared with the one before: what changed, newest first."""
    rows, previous = [], None
    status_labels = dict(DecisionItem.Status.choices)
    for record in records:
        changes = []
        for field_name, label in HISTORY_FIELDS:
            attname = field_name + "_id" if field_name in ("lead", "redirected_to") else field_name
            new = getattr(record, attname)
            if previous is not None and getattr(previous, attname) == new:
                continue
            if previous is None and new in ("", None, False):
                continue
            if field_name in ("lead", "redirected_to"):
                shown = str(getattr(record, field_name)) if new else "nobody"
            elif field_name == "status":
                shown = status_labels.get(new, new)
            elif field_name == "is_public":
                shown = "yes" if new else "no"
            elif field_name == "published_at":
                shown = timezone.localtime(new).strftime("%-d %B %Y %H:%M") if new else "no"
            else:
                shown = str(new) if new not in (None, "") else "(empty)"
            changes.append({"label": label, "value": shown})
        if changes:
            rows.append({"when": record.history_date, "who": record.history_user,
                         "created": previous is None, "changes": changes})
        previous = record
    rows.reverse()
    return rows


def _round_views(user, rounds: list[Round], now: datetime) -> list[dict]:
    """Each round with the rule's verdict, its seats and positions, the user's own seats, and what changed in the
    wording from the round before."""
    views = []
    previous = None
    for r in rounds:
        positions = {p.seat_id: p for p in r.positions.all()}
        seats = list(r.seats.all())
        verdict = round_verdict(round=r, positions=positions.values(), seat_ids=[s.pk for s in seats], now=now)
        diff = word_diff(previous.wording, r.wording) if previous else None
        views.append({
            "round": r,
            "verdict": verdict,
            "rows": [{"seat": s, "position": positions.get(s.pk)} for s in seats],
            "missing": [s for s in seats if s.pk in verdict.missing_seat_ids],
            "stand_asides": [positions[s.pk] for s in seats if s.pk in verdict.stand_aside_seat_ids],
            "my_seats": [{"seat": s, "position": positions.get(s.pk)} for s in seats if s.is_held_by(user)],
            "diff": diff if diff and has_changes(diff) else None,
            "previous": previous,
            "overdue": r.is_overdue(now),
        })
        previous = r
    return views


def _papers(item):
    """Every version of an item's papers: what item_papers and item_papers_and_discussion read."""
    return ItemPaper.objects.filter(item=item)


def item_papers(item: DecisionItem) -> list[ItemPaper]:
    """An item's papers, current versions with their earlier ones (members.papers.with_versions). One query."""
    return with_versions(prepared.objects(
        "item.papers", lambda item: _papers(item).select_related("uploaded_by"), item=item.pk))


def item_acknowledgements(item: DecisionItem, *, practice_ids) -> dict:
    """A published decision's reach: practices that have seen it by PCN, and whether each of the person's own
    practices has. Two queries at most."""
    by_pcn, totals = acknowledgement_by_pcn(item)
    return {
        "ack_by_pcn": by_pcn,
        "ack_totals": totals,
        "my_practices": [
            {"practice": p, "seen": p.seen}
            for p in Organisation.objects.filter(pk__in=practice_ids).annotate(
                seen=Exists(Acknowledgement.objects.filter(item=item, practice=OuterRef("pk")))).order_by("name")
        ] if practice_ids else [],
    }


# What each row of item_papers_and_discussion's query is.
_PAPER, _COMMENT, _INTEREST = "paper", "comment", "interest"
# The columns only a paper has (members.papers.PaperBase), empty in the other rows.
_PAPER_ONLY = {"p_file": ("file", CharField), "p_original_name": ("original_name", CharField),
               "p_content_type": ("content_type", CharField), "p_size": ("size", BigIntegerField),
               "p_sha256": ("sha256", CharField), "p_supersedes": ("supersedes_id", BigIntegerField)}


def item_papers_and_discussion(item: DecisionItem) -> dict:
    """An item's papers (`papers`, as item_papers gives them, each with its `uploaded_by`), its comments
    (`comments`, each with its `author`) and the interests declared on it (`interests`, each with its `user`), those
    not withdrawn, each in the order given, in one query from prepared SQL (members.prepared): the three reads joined
    by UNION ALL, each row marked with which it is."""
    def rows(queryset, kind: str, text: str, moment: str, person: str, **only):
        only = only or {name: Value(None, output_field=field()) for name, (_, field) in _PAPER_ONLY.items()}
        return (queryset.order_by()
                .annotate(kind=Value(kind), said=F(text), at=F(moment), person=F(person),
                          person_name=F(f"{person}__full_name"), person_email=F(f"{person}__email"), **only)
                .values_list("kind", "at", "pk", "said", "person", "person_name", "person_email", *_PAPER_ONLY))

    def every(item):
        # The papers first: PostgreSQL types each column of a UNION from its parts in turn, and two parts' bare
        # NULLs would make a paper's size a text.
        papers = rows(_papers(item), _PAPER, "title", "uploaded_at", "uploaded_by",
                      **{name: F(column) for name, (column, _) in _PAPER_ONLY.items()})
        return papers.union(
            rows(Comment.objects.filter(item=item, is_withdrawn=False), _COMMENT, "body", "created_at", "author"),
            rows(ItemInterest.objects.filter(item=item, is_withdrawn=False), _INTEREST, "interest", "declared_at",
                 "user"),
            all=True).order_by("kind", "at", "pk")

    found = {_PAPER: [], _COMMENT: [], _INTEREST: []}
    for kind, at, pk, text, person, name, email, *paper in prepared.objects("item.papers_and_discussion", every,
                                                                            item=item.pk):
        someone = User(pk=person, full_name=name, email=email) if person is not None else None
        if kind == _PAPER:
            file, original_name, content_type, size, sha256, supersedes = paper
            found[kind].append(ItemPaper(
                pk=pk, item=item, title=text, file=file, original_name=original_name, content_type=content_type,
                size=size, sha256=sha256, uploaded_by=someone, uploaded_at=at, supersedes_id=supersedes))
        elif kind == _COMMENT:
            found[kind].append(Comment(pk=pk, item=item, body=text, created_at=at, author=someone))
        else:
            found[kind].append(ItemInterest(pk=pk, item=item, interest=text, declared_at=at, user=someone))
    return {"papers": with_versions(found[_PAPER]), "comments": found[_COMMENT], "interests": found[_INTEREST]}


def item_discussion(item: DecisionItem, *, user, now: datetime) -> dict:
    """What the group sees on an item: its rounds (the current one and the last), how the proposal differs from
    the last round's wording, its papers, the discussion, interests declared, and the history of the item and its
    positions. A fixed number of queries."""
    rounds = _round_views(user, item_rounds(item), now)
    last = rounds[-1] if rounds else None
    proposal_diff = None
    if last and item.is_revisable:
        pieces = word_diff(last["round"].wording, item.proposed_wording)
        proposal_diff = pieces if has_changes(pieces) else None
    return {
        "rounds": rounds,
        "earlier_rounds": list(reversed(rounds[:-1])) if rounds else [],
        "current": last if last and last["round"].is_open else None,
        "last": last,
        "proposal_diff": proposal_diff,
        **item_papers_and_discussion(item),
        **item_history(item),
    }


class DigestDecision(NamedTuple):
    """A decision published since the last digest."""
    pk: int
    title: str
    statement: str


class DigestRound(NamedTuple):
    """A live round still waiting for seats."""
    pk: int
    number: int
    deadline: datetime
    item_id: int
    item__title: str


class SignOff(NamedTuple):
    """A decision whose consensus waits for the chair to confirm it."""
    pk: int
    title: str


_PUBLISHED, _ASKING, _SIGN_OFF = "published", "asking", "sign_off"


def digest_decisions(*, since: datetime, now: datetime | None = None, group: bool = True) -> dict:
    """For the weekly digest: `published`, the decisions published since `since`, the latest first (DigestDecision
    rows); and for the group's digest (`group`), `consensus_checks`, the live rounds still waiting for seats, the
    nearest deadline first (DigestRound rows), and `sign_offs`, the decisions awaiting the chair's confirmation
    (DecisionItem.objects.awaiting_sign_off, the agenda's), by title (SignOff rows). Only rounds still asking seats:
    an item whose seats have all answered waits for the chair, not for a seat (a sign-off), and an agreed, parked or
    withdrawn item is in no consensus check at all. One query, prepared (members.prepared: the digest's preview and
    every place's weekly send ask it): the reads joined by UNION ALL, each row marked with which it is (a round trip
    and its Python fewer for each, issue 12)."""
    no_time, no_title = Value(None, DateTimeField()), Value(None, CharField())

    def published(since, now):
        # Between `since` and now (nothing is published later): with both ends PostgreSQL's generic plan reads the
        # range from the index of the place's published decisions (decision_place_published); with one end it
        # judged a third of them in the range and read the place's 1,006 items instead (1.5 against 0.04 ms).
        return (DecisionItem.objects.published().filter(published_at__gte=since, published_at__lte=now).order_by()
                .annotate(kind=Value(_PUBLISHED), at=F("published_at"), by_title=no_title,
                          number=Value(None, IntegerField()), item_ref=F("pk"))
                .values_list("kind", "at", "by_title", "pk", "number", "item_ref", "title", "statement"))

    def asking(now):
        return (Round.objects.live(now).waiting_for_seats().filter(item__status=DecisionItem.Status.CONSENSUS_CHECK)
                .order_by().annotate(kind=Value(_ASKING), at=F("deadline"), by_title=no_title,
                                     item_title=F("item__title"), no_statement=Value(""))
                .values_list("kind", "at", "by_title", "pk", "number", "item_id", "item_title", "no_statement"))

    def signing_off():
        return (DecisionItem.objects.awaiting_sign_off().order_by()
                .annotate(kind=Value(_SIGN_OFF), at=no_time, by_title=F("title"), number=Value(None, IntegerField()),
                          item_ref=F("pk"), no_statement=Value(""))
                .values_list("kind", "at", "by_title", "pk", "number", "item_ref", "title", "no_statement"))

    now = now or timezone.now()
    if group:
        # Each kind in its own order: published and asked by time, sign-offs by title (in PostgreSQL's collation).
        rows = prepared.objects("digest.decisions", lambda since, now: published(since, now).union(
            asking(now), signing_off(), all=True).order_by("kind", "at", "by_title", "pk"), since=since, now=now)
    else:
        rows = prepared.objects("digest.published", lambda since, now: published(since, now).order_by("at", "pk"),
                                since=since, now=now)
    found = {_PUBLISHED: [], _ASKING: [], _SIGN_OFF: []}
    for kind, at, _, pk, number, item_id, title, statement in rows:
        found[kind].append(DigestDecision(pk, title, statement) if kind == _PUBLISHED
                           else DigestRound(pk, number, at, item_id, title) if kind == _ASKING else SignOff(pk, title))
    # Read in the order of their times; the decisions are told the latest first (the same moment: the latest made).
    return {"published": found[_PUBLISHED][::-1], "consensus_checks": found[_ASKING], "sign_offs": found[_SIGN_OFF]}


def chair_attention(*, now: datetime | None = None) -> dict:
    """For the chair's dashboard: overdue open rounds, seats yet to respond, decisions practices have not seen."""
    now = now or timezone.now()
    # The open rounds, and the seats they ask that have not answered: two queries from SQL compiled once a day
    # (members.prepared), the seats by a subquery of the open rounds rather than by their ids, each asked seat's
    # position probed in the one-position-per-seat index in the same query (the rounds are the scope's already, so
    # the positions need no test of their place).
    open_rounds = prepared.objects("chair.open_rounds", lambda: Round.objects.open().select_related("item")
                                   .order_by("deadline", "pk"))
    waiting = []
    if open_rounds:
        missing: dict[int, list[Seat]] = {}
        for link in prepared.objects("chair.open_rounds.seats_unanswered", lambda: Round.seats.through.objects.filter(
                round__in=Round.objects.open().values("pk")).exclude(Exists(Position._base_manager.filter(
                    round_id=OuterRef("round_id"), seat_id=OuterRef("seat_id")))).select_related("seat")
                .order_by("seat__title", "pk")):
            missing.setdefault(link.round_id, []).append(link.seat)
        for open_round in open_rounds:
            if open_round.pk in missing:
                waiting.append({"round": open_round, "item": open_round.item, "seats": missing[open_round.pk]})
    # Each decision's stored count (DecisionItem.acknowledged_count) less the acknowledgements of practices no longer
    # open, as (kind, pk, title, published_at, acknowledged_count, practices) rows, `practices` the open practices
    # (a subquery run once): a place can have hundreds, and the dashboard only names them (counted one by one, their
    # acknowledgements were tens of thousands at national scale, 4 ms). The acknowledgements of practices no longer
    # open, by decision, in the same query (UNION ALL, each row marked with what it is; after the decisions, as they
    # have no publication time). Prepared (members.prepared) with the cutoff as a value, as the time of day moves it.
    def published(cutoff):
        decisions = (DecisionItem.objects.published().filter(published_at__lte=cutoff).order_by()
                     .annotate(kind=Value(_PUBLISHED), practices=Subquery(_practices_counted()))
                     .values_list("kind", "pk", "title", "published_at", "acknowledged_count", "practices",
                                  named=True))
        not_open = (_not_open_acknowledgements().filter(item__published_at__lte=cutoff).order_by()
                    .values_list("item").annotate(n=Count("pk"))
                    .values_list(Value(_NOT_OPEN), "item", Value(None, output_field=CharField()),
                                 Value(None, output_field=DateTimeField()), "n",
                                 Value(None, output_field=IntegerField())))
        return decisions.union(not_open, all=True).order_by("published_at", "pk")

    cutoff = now - timedelta(days=LOW_ACKNOWLEDGEMENT_AFTER_DAYS)
    rows = prepared.objects("dashboard.low_acknowledgement", published, cutoff=cutoff)
    not_open = {row.pk: row.acknowledged_count for row in rows if row.kind == _NOT_OPEN}
    low = []
    for item in rows:
        if item.kind != _PUBLISHED:
            continue
        acknowledged = item.acknowledged_count - not_open.get(item.pk, 0)
        if item.practices and acknowledged < item.practices * LOW_ACKNOWLEDGEMENT_RATE:
            low.append({"item": item, "acknowledged": acknowledged, "practices": item.practices,
                        "rate": acknowledged / item.practices})
    return {
        "overdue_rounds": [r for r in open_rounds if r.is_overdue(now)],
        "seats_not_responded": waiting,
        "low_acknowledgement": low,
    }


def practices_to_acknowledge_by_reader(*, users, item_ids) -> dict[int, dict[int, list[Organisation]]]:
    """For each reader (by id) and each published decision of `item_ids`, the reader's own practices that have not
    yet acknowledged it (the digest offers "acknowledge for <practice>" for each). Two queries once the readers'
    practices are known (members.access.remember_roles), however many readers, items and practices."""
    own = {user.pk: access_practice_ids(user) for user in users}
    every = set().union(*own.values()) if own else set()
    if not every or not item_ids:
        return {}
    practices = list(Organisation.objects.filter(pk__in=every).order_by("name"))
    seen = set(Acknowledgement.objects.filter(item_id__in=item_ids, practice_id__in=every)
               .values_list("item_id", "practice_id"))
    return {
        user_id: {item_id: [p for p in practices if p.pk in mine and (item_id, p.pk) not in seen]
                  for item_id in item_ids}
        for user_id, mine in own.items() if mine
    }


def seats_to_respond_by_reader(*, users, round_ids) -> dict[int, dict[int, list[Seat]]]:
    """For each reader (by id) and each round of `round_ids`, the seats they hold or deputise for that were asked
    and have not responded (the digest offers "respond for <seat>"). One query, however many readers: each of the
    readers' asks probes the one-position-per-seat index, rather than every position of every round being read."""
    if not users or not round_ids:
        return {}

    def unanswered(reader_ids, round_ids):
        answered = Position.objects.filter(round_id=OuterRef("round_id"), seat_id=OuterRef("seat_id"))
        return (
            Round.seats.through.objects.filter(round_id__in=round_ids)
            .filter(Q(seat__holder__in=reader_ids) | Q(seat__deputy__in=reader_ids))
            .exclude(Exists(answered))
            .select_related("seat").order_by("seat__title")
        )

    if len(users) == 1:
        # One reader (the digest's preview): from SQL compiled once a day for this many rounds (members.prepared).
        rounds = {f"round_{n:03}": pk for n, pk in enumerate(round_ids)}  # in the order sorted() gives them
        asked = prepared.objects(("digest.seats_to_respond", len(rounds)), lambda reader, **rounds: unanswered(
            [reader], [rounds[name] for name in sorted(rounds)]), reader=users[0].pk, **rounds)
    else:
        asked = unanswered([user.pk for user in users], round_ids)
    waiting: dict[int, dict[int, list[Seat]]] = {}
    for link in asked:
        # A person may hold one seat and deputise for another: the link is theirs either way.
        for user_id in {link.seat.holder_id, link.seat.deputy_id} - {None}:
            waiting.setdefault(user_id, {}).setdefault(link.round_id, []).append(link.seat)
    return waiting


def _unanswered_asks(user_id: int, *, now: datetime | None = None):
    """(round, seat) links of live consensus checks asking a seat the person holds or deputises for, unanswered."""
    live = Round.objects.live(now or timezone.now()).values("pk")
    asked = Round.seats.through.objects.filter(round_id__in=live,
                                               seat_id__in=Seat.objects.held_by(user_id).values("pk"))
    answered = Position.objects.filter(round_id=OuterRef("round_id"), seat_id=OuterRef("seat_id"))
    return asked.exclude(Exists(answered))


def items_awaiting_my_seat(user, item_ids) -> set[int]:
    """Which of these items have a live consensus check waiting for a seat of this person (the log marks them).
    One query, prepared (members.prepared): every item waiting for them is read, a handful at most."""
    if not user.is_authenticated or not item_ids or not access_seat_ids(user):
        return set()
    waiting = prepared.objects("log.awaiting_my_seat", lambda person_id, now: _unanswered_asks(
        person_id, now=now).values_list("round__item_id"), person_id=user.pk, now=timezone.now())
    return {item_id for (item_id,) in waiting} & set(item_ids)


def waiting_on(user, *, now: datetime | None = None) -> dict[str, int]:
    """What of the decisions waits on this person now: `seats`, the (round, seat) pairs of live consensus checks
    asking a seat they hold or deputise for that has not responded; `acknowledge`, the (published decision, practice)
    pairs of their own practices not yet acknowledged. Three queries at most, the first two prepared
    (members.prepared: every home page asks them)."""
    seats = prepared.counts("home.seats", lambda person_id, now: prepared.one_row(
        _unanswered_asks(person_id, now=now), n=Count("*")), person_id=user.pk, now=now or timezone.now(),
    )["n"] if access_seat_ids(user) else 0
    own = sorted(access_practice_ids(user))
    acknowledge = 0
    if own:
        # The published decisions each of their practices has not acknowledged, counted in one prepared query with
        # a count for each practice (0.4 ms at national scale; not by a subquery of the person's practices, whose
        # generic plan read every acknowledgement of every published decision, 12 ms).
        def unacknowledged(**practices):
            return prepared.one_row(DecisionItem.objects.published(), **{
                name: Count("pk", filter=~Exists(Acknowledgement._base_manager.filter(  # the item is in the place
                    item_id=OuterRef("pk"), practice_id=practice_id)))
                for name, practice_id in practices.items()})

        acknowledge = sum(prepared.counts(("home.unacknowledged", len(own)), unacknowledged,
                                          **{f"practice_{n}": pk for n, pk in enumerate(own)}).values())
    return {"seats": seats, "acknowledge": acknowledge}
