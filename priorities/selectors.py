"""Read functions for the priorities pages, the weekly digest and the chair's dashboard. Each runs a fixed number
of queries, however many exercises, practices or plan items there are."""

from datetime import datetime, timedelta
from decimal import Decimal
from typing import NamedTuple

from django.db import connection
from django.db.models import (
    BooleanField,
    Count,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Value,
    Window,
)
from django.db.models.functions import Coalesce, RowNumber
from django.utils import timezone

from members import places, prepared
from members.access import practice_ids, voting_practice_ids
from members.models import Membership, Organisation

from .models import (
    RAG,
    AgreedPriority,
    Ballot,
    Candidate,
    Exercise,
    ExerciseQuerySet,
    PlanItem,
    ballots_by_exercise,
    percent,
)
from .services import describe_choices, eligible_practices, turnout


def _with_turnout(exercises: list[Exercise], eligible: int) -> list[Exercise]:
    """Each exercise (annotated by ExerciseQuerySet.with_turnout) with ``eligible`` and ``turnout_percent`` (None
    where its ballots were not counted: with_turnout's `open_only`)."""
    for exercise in exercises:
        exercise.eligible = eligible
        exercise.turnout_percent = None if exercise.ballot_count is None else percent(exercise.ballot_count, eligible)
    return exercises


def open_exercises(*, now: datetime | None = None) -> list[Exercise]:
    """Exercises open for voting, soonest closing first, each with ``ballot_count``, ``eligible`` and
    ``turnout_percent``. Two queries (one when none is open)."""
    now = now or timezone.now()
    # Prepared (members.prepared): the digest's preview and each place's weekly send ask it. The electorate is
    # counted in the same query, by a subquery that asks nothing of the exercise (PostgreSQL runs it once), not by a
    # second query.
    return _with_ballots(prepared.objects("priorities.open_exercises", lambda now: _open_now(now).annotate(
        electorate=_electorate()), now=now), now=now)


def _with_ballots(exercises: list[Exercise], *, now: datetime) -> list[Exercise]:
    """The open `exercises` (each with its `electorate`) with their turnout (_with_turnout). One query, none when
    there are none: the ballots of all the open votes counted together (models.ballots_by_exercise), a round trip
    that costs less than asking each practice of the place once per open vote."""
    if not exercises:
        return []
    counted = dict(prepared.objects("priorities.open_exercises.ballots",
                                    lambda now: ballots_by_exercise(_open_now(now)), now=now))
    for exercise in exercises:
        exercise.ballot_count = counted.get(exercise.pk, 0)
    return _with_turnout(exercises, exercises[0].electorate)


def digest_exercises(*, since: datetime, now: datetime | None = None) -> dict[str, list[Exercise]]:
    """For the weekly digest: `open`, as open_exercises gives them, and `results`, as results_published_since
    gives them, both lists read in one query (UNION ALL of the two rules' QuerySets): two queries when votes are
    open and no result was published, three when both. Prepared (members.prepared)."""
    now = now or timezone.now()
    found = prepared.objects("priorities.digest_exercises", lambda since, now: (
        _open_now(now).order_by().annotate(electorate=_electorate()).union(
            _published_since(since).order_by().annotate(electorate=Value(0, output_field=IntegerField())), all=True)),
        since=since, now=now)
    opened = sorted((e for e in found if e.status == Exercise.Status.OPEN), key=lambda e: (e.closes_at, e.pk))
    published = sorted((e for e in found if e.status != Exercise.Status.OPEN), key=lambda e: (e.published_at, e.pk))
    return {"open": _with_ballots(opened, now=now), "results": _with_results(published, since=since)}


def _eligible() -> int:
    """How many practices may vote (priorities.services.eligible_practices). One query, prepared."""
    return prepared.counts("priorities.eligible", lambda: prepared.one_row(eligible_practices(), n=Count("*")))["n"]


def _electorate() -> Coalesce:
    """_eligible as a value of another query."""
    return Coalesce(Subquery(eligible_practices().order_by().values(every=Value(1)).annotate(n=Count("*"))
                             .values("n")), 0)


def _open_now(now: datetime):
    return Exercise.objects.open().filter(closes_at__gt=now).order_by("closes_at")


def exercise_list(*, user, include_drafts: bool, now: datetime | None = None) -> dict:
    """The priorities page: every exercise the person may see (drafts only for those who run them), an open one
    with its turnout; for each open one, whether each of the person's practices has voted and may vote; and the agreed
    priorities with the plan items needing attention. A fixed number of queries."""
    now = now or timezone.now()

    def listed():
        exercises = Exercise.objects.filter(is_archived=False)
        if not include_drafts:
            exercises = exercises.exclude(status=Exercise.Status.DRAFT)
        # The page shows the turnout of the open exercises only.
        return exercises.with_turnout(open_only=True).order_by("-closes_at", "title")

    # From SQL compiled once a day (members.prepared): the page's queries took longer to build than to run.
    eligible = _eligible()
    exercises = _with_turnout(prepared.objects(("priorities.exercises", include_drafts), listed), eligible)
    for exercise in exercises:
        exercise.state = exercise.window_state(now)
    open_ones = [e for e in exercises if e.status == Exercise.Status.OPEN]
    return {
        "exercises": exercises,
        "open_exercises": open_ones,
        "drafts": [e for e in exercises if e.status == Exercise.Status.DRAFT],
        "finished": [e for e in exercises if e.is_counted],
        "for_my_practice": _for_my_practices(user, open_ones, now),
        "agreed": _agreed_with_attention(),
        "eligible": eligible,
    }


def _my_practices(user, mine: list[int]) -> tuple[list[Organisation], set[int]]:
    """The practices the person works for (`mine`), by name, and the ids of those they are a voting contact of (from
    their standing, members.access). One query."""
    return list(Organisation.objects.filter(pk__in=mine).order_by("name")), set(voting_practice_ids(user)) & set(mine)


def _for_my_practices(user, open_exercises: list[Exercise], now: datetime) -> list[dict]:
    """For each open exercise and each practice the person works for: its ballot, and whether they may cast it."""
    mine = sorted(practice_ids(user))
    if not mine or not open_exercises:
        return []
    my_practices, voting_for = _my_practices(user, mine)
    voted = {
        (b.exercise_id, b.practice_id): b
        for b in Ballot.objects.filter(exercise__in=open_exercises, practice_id__in=mine).only(
            "exercise_id", "practice_id", "updated_at"
        )
    }
    return [
        {
            "exercise": e,
            "practice": p,
            "ballot": voted.get((e.pk, p.pk)),
            "can_vote": p.pk in voting_for and e.accepts_votes(now),
        }
        for e in open_exercises
        for p in my_practices
    ]


def exercise_page(exercise: Exercise, *, user, now: datetime) -> dict:
    """The exercise page: its candidates in order, the agreed priorities once the result is published, and a row for
    each practice the person works for with its ballot, its voting contacts and whether the person may cast it.
    A fixed number of queries."""
    candidates = prepared.objects("exercise.candidates", lambda pk: Candidate.objects.filter(
        exercise_id=pk, is_archived=False).order_by("position", "pk"), pk=exercise.pk)
    return {
        "candidates": candidates,
        "my_rows": _my_practice_rows(exercise, user, {c.pk: c.title for c in candidates}, now),
        "agreed": prepared.objects("exercise.agreed", lambda pk: AgreedPriority.objects.current().filter(
            exercise_id=pk).order_by("position"), pk=exercise.pk) if exercise.is_published else [],
    }


def _my_practice_rows(exercise: Exercise, user, titles: dict[int, str], now: datetime) -> list[dict]:
    mine = practice_ids(user)
    if not mine:
        return []
    voting_for = set(voting_practice_ids(user)) & mine

    # The practices the person works for (members.access.practice_ids), by a subquery of their memberships so that
    # each of the three queries is prepared (members.prepared): every practice's voting contacts open this page.
    def my_practices(person_id):
        return Membership.objects.in_practices().filter(user_id=person_id).values("organisation")

    practices = prepared.objects("exercise.my_practices", lambda person_id: Organisation.objects.filter(
        pk__in=my_practices(person_id)).order_by("name"), person_id=user.pk)
    ballots = {b.practice_id: b for b in prepared.objects("exercise.my_ballots", lambda pk, person_id: (
        Ballot.objects.filter(exercise_id=pk, practice__in=my_practices(person_id)).select_related("cast_by")
    ), pk=exercise.pk, person_id=user.pk)}
    # Who casts a practice's ballot is shown to the practice's other people while voting is open: not read for a
    # person who is the voting contact of every practice they work for, or once voting is not open.
    contacts: dict[int, list[str]] = {}
    if mine - voting_for and exercise.window_state(now) == "open":
        for m in prepared.objects("exercise.my_contacts", lambda person_id: Membership.objects.voting_contacts()
                                  .filter(organisation__in=my_practices(person_id)).select_related("user"),
                                  person_id=user.pk):
            contacts.setdefault(m.organisation_id, []).append(m.user.get_full_name())
    rows = []
    for practice in practices:
        ballot = ballots.get(practice.pk)
        is_contact = practice.pk in voting_for
        rows.append(
            {
                "practice": practice,
                "ballot": ballot,
                "is_contact": is_contact,
                "contacts": contacts.get(practice.pk, []),
                "can_vote": is_contact and exercise.accepts_votes(now),
                # A practice's own voting contacts see its ballot: it is their receipt.
                "lines": describe_choices(exercise, ballot.choices, titles) if ballot and is_contact else [],
            }
        )
    return rows


def reads_turnout(exercise: Exercise) -> bool:
    """Whether exercise_turnout counts the exercise's ballots (services.turnout_counts), rather than report the
    turnout stored when it was counted."""
    return not exercise.is_counted


def exercise_turnout(exercise: Exercise, *, counted: list | None = None) -> dict:
    """Turnout as counted once the exercise is counted; before that, as it stands (`counted`: the rows of
    services.turnout_counts for it, when the page has read them in a query of its own). One query at most."""
    return turnout(exercise, counted=counted) if reads_turnout(exercise) else exercise.result["turnout"]


def latest_voted() -> Exercise | None:
    """The exercise open now, else the one closed most recently. One query."""
    # From SQL compiled once a day (members.prepared): building and compiling it cost more than running it.
    return next(iter(prepared.objects("latest_voted", lambda: Exercise.objects.latest_voted_first()[:1])), None)


def latest_turnout() -> tuple[Exercise | None, dict | None]:
    """latest_voted with its turnout (overall and by PCN). Two queries at most."""
    exercise = latest_voted()
    return exercise, exercise_turnout(exercise) if exercise else None


def _turnout_figures(exercise: Exercise, eligible: dict[int, int]) -> dict:
    if exercise.is_counted:
        stored = exercise.result["turnout"]
        figures = {"eligible": stored["eligible"], "voted": stored["voted"]}
    else:
        figures = {"eligible": eligible.get(exercise.place_id, 0), "voted": exercise.ballot_count}
    return {**figures, "percent": percent(figures["voted"], figures["eligible"])}


_VOTED, _COUNTED = "voted", "counted"


def latest_exercises_by_place(*, eligible: dict[int, int]) -> tuple[dict[int, tuple[Exercise, dict]],
                                                                     dict[int, Exercise]]:
    """latest_turnout for every place of the scope at once, {place id: (exercise, {eligible, voted, percent})}, with
    `eligible` the page's count of each place's open practices (as services.eligible_practices counts them), and
    each place's latest counted exercise (the most recently closed), {place id: exercise}: in one query (UNION
    ALL, each row marked with which it is; a place's exercise may be both), compiled once a day for the places being
    read (members.prepared). Ballots are counted for the first only."""
    def latest(kind):
        if kind == _VOTED:
            ranked, order = Exercise.objects.latest_voted_first(), ExerciseQuerySet.latest_voted_order()
        else:
            ranked = Exercise.objects.filter(is_archived=False,
                                             status__in=[Exercise.Status.CLOSED, Exercise.Status.PUBLISHED])
            order = [F("closed_at").desc(), F("pk").desc()]
        return Exercise.objects.filter(pk__in=ranked.annotate(
            place_rank=Window(RowNumber(), partition_by=F("place"), order_by=order)).filter(place_rank=1).values("pk"))

    exercises = prepared.objects("latest_exercises_by_place", lambda: (
        latest(_VOTED).with_turnout().annotate(kind=Value(_VOTED)).order_by()
        .union(latest(_COUNTED).annotate(ballot_count=Value(0), kind=Value(_COUNTED)).order_by(), all=True)))
    turnout, counted = {}, {}
    for exercise in exercises:
        if exercise.kind == _VOTED:
            turnout[exercise.place_id] = (exercise, _turnout_figures(exercise, eligible))
        else:
            counted[exercise.place_id] = exercise
    return turnout, counted


def ballots_by_practice(exercise: Exercise) -> list[Ballot]:
    """Every ballot of an exercise with its practice, by practice name. One query."""
    return list(exercise.ballots.select_related("practice").order_by("practice__name"))


def _agreed_with_attention() -> list[AgreedPriority]:
    """Live agreed priorities, newest result first, each with how many of its plan items are red, amber and
    overdue."""
    live = Q(plan_items__is_archived=False)
    # Prepared (members.prepared); what is overdue is decided by today's date, and the SQL is compiled daily.
    return prepared.objects("priorities.agreed", lambda: (
        AgreedPriority.objects.current()
        .select_related("exercise")
        .annotate(
            red=Count("plan_items", filter=live & Q(plan_items__rag_status=RAG.RED)),
            amber=Count("plan_items", filter=live & Q(plan_items__rag_status=RAG.AMBER)),
            overdue=Count("plan_items", filter=Q(plan_items__in=PlanItem.objects.overdue())),
        )
        .order_by("-exercise__published_at", "position")
    ))


class PracticeRow(NamedTuple):
    pk: int
    name: str


def practices_not_voted(*, exercises: list[Exercise] | None = None) -> dict[Exercise, list[tuple]]:
    """For each open exercise (or those given), the eligible practices with no ballot yet, by name, as (pk, name)
    rows: a place has hundreds, named and counted only. Two queries at most (one for the exercises, without their
    turnout, which is not asked for here)."""
    if exercises is None:
        exercises = prepared.objects("priorities.open_now", _open_now, now=timezone.now())
    if not exercises:
        return {}

    # Each practice with whether it has voted in each exercise (its ballot's practice, or None), one index probe
    # each, from SQL prepared for this many exercises (members.prepared): only this place's practices, while a
    # national vote holds thousands of other places' ballots.
    def practices(**exercise_ids):
        return (eligible_practices().order_by("name", "pk")
                .annotate(**{name: _ballot_of(pk) for name, pk in exercise_ids.items()})
                .values_list("pk", "name", *sorted(exercise_ids)))

    names = [f"exercise_{n:03}" for n in range(len(exercises))]  # in the order sorted() gives them
    rows = prepared.objects(("practices_not_voted", len(exercises)), practices,
                            **{name: e.pk for name, e in zip(names, exercises, strict=True)})
    missing: dict[Exercise, list[tuple]] = {e: [] for e in exercises}
    for pk, name, *ballots in rows:
        practice = PracticeRow(pk, name)
        for exercise, ballot in zip(exercises, ballots, strict=True):
            if ballot is None:
                missing[exercise].append(practice)
    return missing


def _ballot_of(exercise_id):
    """The practice's ballot in the exercise (its practice's id), or None: the rule of practices_not_voted, asked of
    each practice by one index probe. (Not EXISTS: Postgres hashed every ballot of each national vote for it, 6 ms a
    vote.)"""
    return Subquery(Ballot._base_manager.filter(exercise_id=exercise_id, practice_id=OuterRef("pk"))
                    .order_by().values("practice_id")[:1])


def practices_not_voted_first(*, shown: int, exercises: list[Exercise] | None = None
                              ) -> dict[Exercise, tuple[list[tuple], int]]:
    """practices_not_voted's first `shown` practices of each open exercise (or those given), by name, with how many
    there are: what the chair's dashboard names and counts, where a place has hundreds. Two queries at most (one for
    the exercises): a part for each exercise, cut to its first `shown` and carrying the count of them all (a window
    over the part, worked out before the cut), from SQL prepared for this many exercises (members.prepared)."""
    if exercises is None:
        exercises = prepared.objects("priorities.open_now", _open_now, now=timezone.now())
    if not exercises:
        return {}
    if not connection.features.supports_slicing_ordering_in_compound:  # SQLite: from the whole lists
        return {e: (missing[:shown], len(missing)) for e, missing in practices_not_voted(exercises=exercises).items()}

    def first(**exercise_ids):
        parts = [eligible_practices().annotate(ballot=_ballot_of(pk)).filter(ballot__isnull=True)
                 .annotate(exercise=Value(pk, output_field=IntegerField()), missing=Window(Count("pk")))
                 .order_by("name", "pk").values_list("exercise", "pk", "name", "missing")[:shown]
                 for _name, pk in sorted(exercise_ids.items())]
        return parts[0].union(*parts[1:], all=True) if len(parts) > 1 else parts[0]

    names = [f"exercise_{n:03}" for n in range(len(exercises))]  # in the order sorted() gives them
    found: dict[int, tuple[list[tuple], int]] = {e.pk: ([], 0) for e in exercises}
    for exercise_id, pk, name, count in prepared.objects(
            ("practices_not_voted_first", len(exercises), shown), first,
            **{name: e.pk for name, e in zip(names, exercises, strict=True)}):
        found[exercise_id][0].append(PracticeRow(pk, name))
        found[exercise_id] = (found[exercise_id][0], count)
    return {e: found[e.pk] for e in exercises}


def _needing_attention(today):
    """Live plan items that are overdue or rated red or amber, with their agreed priority (and parent), in the
    order they are listed."""
    return (PlanItem.objects.needing_attention(today).filter(priority__is_archived=False)
            .select_related("priority", "parent").order_by("due_date", "priority__title", "pk"))


def plan_items_needing_attention(*, today=None, limit: int | None = None) -> list[PlanItem]:
    """Live plan items that are overdue or rated red or amber, with their agreed priority; the first `limit` if
    given. One query, from SQL compiled once a day (members.prepared)."""
    def needing_attention(today):
        found = _needing_attention(today)
        return found[:limit] if limit else found

    return prepared.objects(("plan_items_needing_attention", limit), needing_attention,
                            today=today or timezone.localdate())


def _plan_item_new(*, today, since, due_since) -> Q:
    """A plan item needing attention is new since `since` when it fell overdue on `since` or later (its due date
    is from the day before, `due_since`) or was last changed (rated red or amber) since then. (An item with no due
    date is not due: said outright, so that the condition is false for it rather than unknown, as a column too.)"""
    return Q(due_date__isnull=False, due_date__gte=due_since, due_date__lt=today) | Q(updated_at__date__gte=since)


def plan_items_needing_attention_first(*, shown: int, today=None, since=None) -> tuple[list[PlanItem], int, int]:
    """plan_items_needing_attention's first `shown`, each marked `is_new` (_plan_item_new), with how many there are
    and how many of them are new: what the chair's dashboard lists and counts. One query, from SQL compiled once a
    day (members.prepared): the counts are windows over the whole list, worked out before the cut (a place's list
    is sorted whole for its first few anyway)."""
    today = today or timezone.localdate()
    since = since or today

    def first(today, since, due_since):
        new = _plan_item_new(today=today, since=since, due_since=due_since)
        return _needing_attention(today).annotate(
            # The condition itself as the column: as CASE's THEN true, a prepared statement's value came back as text.
            is_new=ExpressionWrapper(new, output_field=BooleanField()),
            listed=Window(Count("pk")), listed_new=Window(Count("pk", filter=new)))[:shown]

    # The day before `since` given as a value of its own (a value derived from another cannot be prepared).
    items = prepared.objects(("plan_items_needing_attention_first", shown), first, today=today, since=since,
                             due_since=since - timedelta(days=1))
    return items, items[0].listed if items else 0, items[0].listed_new if items else 0


def results_published_since(since: datetime) -> list[Exercise]:
    """Exercises whose result was published after ``since``, with ``winners`` (titles, in order) and their live
    agreed priorities as ``agreed``. Two queries (one when none was published), from SQL compiled once a day
    (members.prepared: each digest preview asks)."""
    return _with_results(prepared.objects("results_published_since", lambda since: _published_since(since).order_by(
        "published_at"), since=since), since=since)


def _published_since(since: datetime):
    return Exercise.objects.filter(status=Exercise.Status.PUBLISHED, is_archived=False, published_at__gt=since)


def _with_results(exercises: list[Exercise], *, since: datetime) -> list[Exercise]:
    """The `exercises` published since `since` with their winners, turnout and agreed priorities (one query, none
    for no exercise)."""
    agreed: dict[int, list[AgreedPriority]] = {exercise.pk: [] for exercise in exercises}
    if exercises:  # as prefetch_related would read them: the same order, nothing read for no exercise
        for priority in prepared.objects("results_published_since.agreed", lambda since: (
                AgreedPriority.objects.current().filter(exercise__in=_published_since(since).values("pk"))),
                since=since):
            agreed[priority.exercise_id].append(priority)
    for exercise in exercises:
        exercise.agreed = agreed[exercise.pk]
        exercise.winners = list((exercise.result or {}).get("winners", []))
        exercise.turnout = (exercise.result or {}).get("turnout", {})
    return exercises


def ballots_to_cast(*, user, exercise_ids) -> dict[int, list[Organisation]]:
    """For each exercise of `exercise_ids`, the practices this person is the voting contact of that have not voted
    (the digest offers "open the ballot for <practice>"). Two queries."""
    if not user.is_authenticated:
        return {}
    return ballots_to_cast_by_reader(users=[user], exercise_ids=exercise_ids).get(user.pk, {})


def ballots_to_cast_by_reader(*, users, exercise_ids) -> dict[int, dict[int, list[Organisation]]]:
    """`ballots_to_cast` of many readers at once (the weekly digest's): by reader's id. Two queries."""
    if not users or not exercise_ids:
        return {}
    def of_readers(reader_ids):
        return (Membership.objects.voting_contacts().filter(user_id__in=reader_ids)
                .select_related("organisation").order_by("organisation__name"))

    # One reader's (the digest's preview) from SQL compiled once a day (members.prepared); a batch's as built (its
    # SQL has as many ids as readers).
    memberships = (prepared.objects("digest.voting_contacts", lambda reader: of_readers([reader]), reader=users[0].pk)
                   if len(users) == 1 else of_readers([user.pk for user in users]))
    contacts: dict[int, list[Organisation]] = {}
    for membership in memberships:
        contacts.setdefault(membership.user_id, []).append(membership.organisation)
    if not contacts:
        return {}
    practice_ids = {practice.pk for practices in contacts.values() for practice in practices}
    # The exercises and practices are the place's already (its news, its readers' memberships), so the place's
    # own filter is left out: with it, Postgres read every ballot of each of the place's exercises (6 ms at
    # national scale) instead of the practices' few (1 ms).
    with places.unscoped():
        voted = set(Ballot.objects.filter(exercise_id__in=exercise_ids, practice_id__in=practice_ids).order_by()
                    .values_list("exercise_id", "practice_id"))
    return {user_id: {e: [p for p in practices if (e, p.pk) not in voted] for e in exercise_ids}
            for user_id, practices in contacts.items()}


def ballots_waiting(*, user, now: datetime | None = None) -> int:
    """How many (vote open now, practice) pairs wait for this person's ballot as the practice's voting contact.
    Two queries at most."""
    if not voting_practice_ids(user):  # nobody's voting contact: nothing to ask the database
        return 0
    voting_for = len(voting_practice_ids(user))

    def open_now(now):
        return Exercise.objects.open().filter(opens_at__lte=now, closes_at__gt=now)

    # Every (open vote, practice) pair less the ballots cast for them, counted from SQL prepared once a day
    # (members.prepared: every home page asks).
    now = now or timezone.now()
    votes = prepared.counts("home.open_votes", lambda now: prepared.one_row(open_now(now), n=Count("*")), now=now)["n"]
    if not votes:
        return 0
    cast = prepared.counts("home.ballots_cast", lambda person_id, now: prepared.one_row(Ballot.objects.filter(
        exercise__in=open_now(now).values("pk"),
        practice__in=Membership.objects.voting_contacts().filter(user_id=person_id).values("organisation"),
    ), n=Count("*")), person_id=user.pk, now=now)["n"]
    return votes * voting_for - cast


# --------------------------------------------------------------------------------------------------
# The count in words
# --------------------------------------------------------------------------------------------------


def _number(text: str) -> str:
    """A stored Decimal string in words' company: whole numbers with commas, fractions without trailing zeros."""
    value = Decimal(text)
    if value == value.to_integral_value():
        return f"{int(value):,}"
    return f"{value.normalize():,f}"


def _and(names: list[str]) -> str:
    """'A', 'A and B', 'A, B and C'."""
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


def _plural(n: int, one: str, many: str) -> str:
    return one if n == 1 else many


def _who_decided(result: dict) -> str:
    counted = result.get("ballots", 0)
    turnout = result.get("turnout") or {}
    out_of = (
        f" ({turnout['voted']} of the {turnout['eligible']} practices that could vote, {turnout['percent']}%)"
        if turnout.get("eligible") else ""
    )
    if not counted:
        return f"No practice voted{out_of}, so the places were filled by the counting rules alone."
    sentence = f"{counted:,} {_plural(counted, 'practice’s vote', 'practices’ votes')} decided it{out_of}."
    if result.get("weighting") == Exercise.Weighting.LIST_SIZE:
        sentence += (
            " Each practice’s vote counted as many times as it has registered patients: "
            f"{_number(result.get('weight_total', '0'))} in all."
        )
    return sentence


def _tally_in_words(result: dict) -> list[str]:
    """Approval and points: who was agreed, with their totals, and the nearest who was not."""
    weighted = result.get("weighting") == Exercise.Weighting.LIST_SIZE
    points = result["method"] == Exercise.Method.POINTS
    unit = ("weighted " if weighted else "") + ("points" if points else "votes")
    ranking = result.get("ranking", [])
    agreed = [f"{row['title']} ({_number(row['total'])} {unit})" for row in ranking if row["winner"]]
    if points:
        share = result.get("points_per_ballot")
        how = f"Each practice shared {f'{share} points' if share else 'its points'} among the candidates."
        why = "received the most points"
    else:
        places = result.get("places", 1)
        how = f"Each practice ticked up to {places} {_plural(places, 'candidate', 'candidates')}."
        why = "had the most votes" + (", weighted by list size" if weighted else "")
    sentence = f"{_and(agreed)} {_plural(len(agreed), 'was', 'were')} agreed because " \
               f"{_plural(len(agreed), 'it', 'they')} {why}"
    runner_up = next((row for row in ranking if not row["winner"]), None)
    if runner_up:
        sentence += f"; the next, {runner_up['title']}, had {_number(runner_up['total'])}"
    return [how, sentence + "."]


def _passed_on_to(name: str, stage_number: int, stages: list[dict]) -> str:
    """Whose votes reached ``name`` by ``stage_number``: ' with votes passed on from C and D'."""
    sources = []
    for stage in stages[1:stage_number]:
        if stage["candidate"] and stage["candidate"] != name and stage["transfers"].get(name):
            sources.append(stage["candidate"])
    sources = list(dict.fromkeys(sources))
    if not sources:
        return ""
    if len(sources) > 3:
        return f", with votes passed on from {len(sources)} other candidates"
    return f", with votes passed on from {_and(sources)}"


def _stv_in_words(result: dict) -> list[str]:
    """Ranked: the quota, then how each agreed candidate got there."""
    stv = result["stv"]
    how = (
        "Practices numbered the candidates in order of preference. To be agreed a candidate needed "
        f"{_number(stv['quota'])} of the {_number(stv['valid_votes'])} valid votes (the quota); the votes of a "
        "candidate who was excluded, or who had more than the quota, passed on to each ballot’s next choice."
    )
    last = sum(1 for e in stv["elected"] if e["reason"] != "quota")
    clauses = []
    for elected in stv["elected"]:
        name, stage = elected["name"], elected["stage"]
        if elected["reason"] == "quota" and stage == 1:
            clauses.append(f"{name} reached the quota on first preferences")
        elif elected["reason"] == "quota":
            clauses.append(
                f"{name} reached the quota at stage {stage}{_passed_on_to(name, stage, stv['stages'])}"
            )
        else:
            left = _plural(last, "as the only candidate left for the last place",
                           "as one of the last candidates left for the places remaining")
            clauses.append(f"{name} was agreed at stage {stage} {left}")
    return [how, "; ".join(clauses) + "."] if clauses else [how]


def _lot_in_words(result: dict) -> list[str]:
    stv = result.get("stv") or {}
    if not (result.get("tie_broken_by_lot") or stv.get("tie_broken_by_lot")):
        return []
    seed = result.get("seed") or stv.get("seed")
    audit = f"the seed ({seed}) is shown in the audit of the count below."
    ties = stv.get("ties_by_lot") if stv else ([result["tied_at_cutoff"]] if result.get("tied_at_cutoff") else [])
    if not ties:
        # Counted before the tied candidates were stored: say so without names.
        return [f"A tie was broken by lot, in public; {audit}"]
    return [f"A tie between {_and(list(tied))} was broken by lot, in public; {audit}" for tied in ties]


def result_in_words(result: dict) -> list[str]:
    """The stored count explained in plain English, sentence by sentence, for the top of the results page: how many
    practices' votes decided it, how the method works and which candidates were agreed and why, then any tie broken
    by lot. Reads only the stored result (never recounts); no queries."""
    sentences = [_who_decided(result)]
    candidates = result.get("candidates", [])
    if candidates and len(candidates) <= result.get("places", 0):
        sentences.append(
            f"There {_plural(len(candidates), 'was', 'were')} no more candidates than places, "
            "so every candidate was agreed."
        )
    elif result.get("method") == Exercise.Method.RANKED:
        sentences += _stv_in_words(result)
    else:
        sentences += _tally_in_words(result)
    return sentences + _lot_in_words(result)
