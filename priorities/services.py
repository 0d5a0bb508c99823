"""Writes for priority setting. Views, the admin, tasks and the demo all go through these functions.

The rules of an exercise live here: who may vote and when, what a valid ballot is, how the close counts, and
how an agreed priority's plan is built.
"""

import secrets
from datetime import timedelta
from decimal import Decimal
from typing import NamedTuple

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count
from django.utils import timezone

from members import audit, notifications, outbox, prepared
from members.models import Membership, Organisation, User

from . import counting, emails
from .models import (
    RAG,
    AgreedPriority,
    Ballot,
    Candidate,
    Exercise,
    PlanItem,
    ProgressUpdate,
    ballot_probe,
    percent,
)

RECEIPT_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I: read aloud over the phone
REMINDER_HOURS = 48


def eligible_practices():
    """The electorate: every open practice. One ballot each."""
    return Organisation.objects.open_practices()


def is_voting_contact(user, practice: Organisation) -> bool:
    return Membership.objects.voting_contacts().filter(user=user, organisation=practice).exists()


def check_voting_contact(user, practice: Organisation) -> None:
    """A practice's ballot is cast by one of its voting contacts, nobody else."""
    if not is_voting_contact(user, practice):
        raise ValidationError(f"Only a voting contact of {practice.name} can cast its ballot.")


def _receipt_code() -> str:
    raw = "".join(secrets.choice(RECEIPT_ALPHABET) for _ in range(8))
    return f"{raw[:4]}-{raw[4:]}"


# --------------------------------------------------------------------------------------------------
# Exercises and candidates
# --------------------------------------------------------------------------------------------------

EXERCISE_FIELDS = (
    "title", "purpose", "places", "method", "points_per_ballot", "weighting", "ballots_visible_after_close",
    "opens_at", "closes_at",
)


def check_exercise_fields(fields: dict) -> None:
    errors = {}
    if fields["closes_at"] <= fields["opens_at"]:
        errors["closes_at"] = "Voting must close after it opens."
    if fields["places"] < 1:
        errors["places"] = "Choose at least one priority."
    if fields["method"] == Exercise.Method.POINTS and fields["points_per_ballot"] < 1:
        errors["points_per_ballot"] = "Give each practice at least one point to share."
    if errors:
        raise ValidationError(errors)


def check_exercise_editable(exercise: Exercise) -> None:
    """An exercise is set up while it is a draft; once voting opens, practices vote on what they saw."""
    if exercise.status != Exercise.Status.DRAFT:
        raise ValidationError("Voting has opened, so the exercise can no longer be changed.")


def check_candidates_editable(exercise: Exercise) -> None:
    """Ballots name candidates, so they change only while the exercise is a draft."""
    if exercise.status != Exercise.Status.DRAFT:
        raise ValidationError("Voting has opened, so the candidates can no longer be changed.")


@transaction.atomic
def exercise_create(*, created_by: User, **fields) -> Exercise:
    fields = {name: fields[name] for name in EXERCISE_FIELDS}
    check_exercise_fields(fields)
    return Exercise.objects.create(created_by=created_by, **fields)


@transaction.atomic
def exercise_update(*, exercise: Exercise, **fields) -> Exercise:
    exercise = Exercise.objects.select_for_update().get(pk=exercise.pk)
    check_exercise_editable(exercise)
    fields = {name: fields[name] for name in EXERCISE_FIELDS}
    check_exercise_fields(fields)
    for name, value in fields.items():
        setattr(exercise, name, value)
    exercise.save(update_fields=list(fields))
    return exercise


@transaction.atomic
def candidate_add(*, exercise: Exercise, title: str, description: str = "", influence_sought: str = "") -> Candidate:
    exercise = Exercise.objects.select_for_update().get(pk=exercise.pk)
    check_candidates_editable(exercise)
    title = title.strip()
    if exercise.candidates.filter(is_archived=False, title__iexact=title).exists():
        raise ValidationError({"title": "There is already a candidate with this title."})
    last = exercise.candidates.order_by("-position").values_list("position", flat=True).first() or 0
    return Candidate.objects.create(
        exercise=exercise,
        title=title,
        description=description.strip(),
        influence_sought=influence_sought.strip(),
        position=last + 1,
    )


@transaction.atomic
def candidate_update(
    *, candidate: Candidate, title: str, description: str = "", influence_sought: str = ""
) -> Candidate:
    """Change a candidate while its exercise is a draft. Ballots name candidates, so once voting opens they stay."""
    exercise = Exercise.objects.select_for_update().get(pk=candidate.exercise_id)
    check_candidates_editable(exercise)
    candidate = Candidate.objects.select_for_update().get(pk=candidate.pk)
    if candidate.is_archived:
        raise ValidationError("This candidate has been removed from the exercise.")
    title = title.strip()
    if exercise.candidates.filter(is_archived=False, title__iexact=title).exclude(pk=candidate.pk).exists():
        raise ValidationError({"title": "There is already a candidate with this title."})
    candidate.title = title
    candidate.description = description.strip()
    candidate.influence_sought = influence_sought.strip()
    candidate.save(update_fields=["title", "description", "influence_sought"])
    return candidate


@transaction.atomic
def candidate_archive(*, candidate: Candidate) -> Candidate:
    exercise = Exercise.objects.select_for_update().get(pk=candidate.exercise_id)
    check_candidates_editable(exercise)
    candidate.is_archived = True
    candidate.save(update_fields=["is_archived"])
    return candidate


@transaction.atomic
def exercise_open(*, exercise: Exercise, opened_by: User, now=None) -> Exercise:
    now = now or timezone.now()
    exercise = Exercise.objects.select_for_update().get(pk=exercise.pk)
    if exercise.status != Exercise.Status.DRAFT:
        raise ValidationError("This exercise is already open.")
    live = exercise.candidates.filter(is_archived=False).count()
    if live < 2:
        raise ValidationError("Add at least two candidate priorities before opening the vote.")
    if exercise.places > live:
        raise ValidationError(
            f"The exercise chooses {exercise.places} priorities but has only {live} candidates. "
            "Add candidates or choose fewer."
        )
    if exercise.closes_at <= now:
        raise ValidationError("The closing time has passed. Set a later closing time first.")
    exercise.status = Exercise.Status.OPEN
    exercise.opened_at = now
    exercise.save(update_fields=["status", "opened_at"])
    notifications.notify(kind=emails.VOTE_OPENED, about=f"exercise:{exercise.pk}",
                         recipients=set(Membership.objects.voting_contacts().values_list("user_id", flat=True)),
                         params={"exercise": exercise.pk})
    return exercise


# --------------------------------------------------------------------------------------------------
# Ballots
# --------------------------------------------------------------------------------------------------


def check_choices(*, exercise: Exercise, candidate_ids: list[int], choices) -> None:
    """Raise ValidationError, in words a practice manager understands, unless ``choices`` is a valid ballot."""
    known = set(candidate_ids)
    if exercise.method == Exercise.Method.APPROVAL:
        if not isinstance(choices, list) or not choices:
            raise ValidationError("Tick at least one priority.")
        if len(set(choices)) != len(choices) or not set(choices) <= known:
            raise ValidationError("The ballot names a priority that is not on the list.")
        if len(choices) > exercise.places:
            raise ValidationError(
                f"You ticked {len(choices)} priorities. Tick no more than {exercise.places}."
            )
    elif exercise.method == Exercise.Method.POINTS:
        if not isinstance(choices, dict) or not set(int(key) for key in choices) <= known:
            raise ValidationError("The ballot names a priority that is not on the list.")
        if any(isinstance(v, bool) or not isinstance(v, int) or v < 0 for v in choices.values()):
            raise ValidationError("Points are whole numbers of 0 or more.")
        total = sum(choices.values())
        if total != exercise.points_per_ballot:
            raise ValidationError(
                f"You have given {total} of {exercise.points_per_ballot} points. "
                f"Share exactly {exercise.points_per_ballot} points."
            )
    else:
        if not isinstance(choices, list) or not choices:
            raise ValidationError("Rank at least one priority: put 1st against the one you want most.")
        if len(set(choices)) != len(choices):
            raise ValidationError("A priority is ranked twice.")
        if not set(choices) <= known:
            raise ValidationError("The ballot names a priority that is not on the list.")


def _normalise(exercise: Exercise, choices):
    if exercise.method == Exercise.Method.POINTS:
        # JSON keys are strings; keep only candidates that were given points, in a stable order.
        return {str(key): int(value) for key, value in sorted(choices.items(), key=lambda kv: int(kv[0])) if value}
    return [int(c) for c in choices]


def check_voting_open(exercise: Exercise, now=None) -> None:
    """Ballots are cast and changed between the opening and the closing time of an open exercise."""
    now = now or timezone.now()
    if exercise.accepts_votes(now):
        return
    not_yet = exercise.status == Exercise.Status.OPEN and now < exercise.opens_at
    if exercise.status == Exercise.Status.DRAFT or not_yet:
        raise ValidationError(f"Voting opens at {timezone.localtime(exercise.opens_at):%H:%M on %-d %B %Y}.")
    raise ValidationError("Voting has closed, so ballots can no longer be cast or changed.")


def _lock_open_exercise(exercise: Exercise, now) -> Exercise:
    # Every ballot locks the exercise row, and so does the close: a vote either commits before the count reads
    # the ballots, or sees the exercise closed. No ballot can slip in uncounted.
    exercise = Exercise.objects.select_for_update().get(pk=exercise.pk)
    check_voting_open(exercise, now)
    return exercise


@transaction.atomic
def ballot_cast(*, exercise: Exercise, practice: Organisation, user: User, choices, now=None) -> Ballot:
    """Cast or change a practice's ballot. One ballot per practice, by its voting contact, while voting is open."""
    now = now or timezone.now()
    if not eligible_practices().filter(pk=practice.pk).exists():
        raise ValidationError(f"{practice.name} is not a practice that votes in this exercise.")
    check_voting_contact(user, practice)
    exercise = _lock_open_exercise(exercise, now)
    candidate_ids = list(exercise.candidates.filter(is_archived=False).values_list("pk", flat=True))
    check_choices(exercise=exercise, candidate_ids=candidate_ids, choices=choices)
    choices = _normalise(exercise, choices)
    ballot = Ballot.objects.select_for_update().filter(exercise=exercise, practice=practice).first()
    if ballot is None:
        try:
            # The savepoint lets the unique constraint answer a race the exercise lock did not prevent.
            with transaction.atomic():
                ballot = Ballot.objects.create(
                    exercise=exercise, practice=practice, cast_by=user, choices=choices,
                    receipt_code=_receipt_code(), cast_at=now, updated_at=now,
                )
        except IntegrityError:
            ballot = Ballot.objects.select_for_update().get(exercise=exercise, practice=practice)
        else:
            _queue_receipt(ballot)
            return ballot
    ballot.choices = choices
    ballot.cast_by = user
    ballot.receipt_code = _receipt_code()
    ballot.revision += 1
    ballot.updated_at = now
    ballot.save(update_fields=["choices", "cast_by", "receipt_code", "revision", "updated_at"])
    _queue_receipt(ballot)
    return ballot


def _queue_receipt(ballot: Ballot) -> None:
    outbox.enqueue(
        key=emails.receipt_key(ballot), kind=emails.RECEIPT,
        params={"exercise": ballot.exercise_id, "practice": ballot.practice_id, "revision": ballot.revision},
    )


def describe_choices(exercise: Exercise, choices, titles: dict[int, str]) -> list[str]:
    """A ballot in words, for the receipt: '1st: …', '4 points: …', 'Ticked: …'."""
    if exercise.method == Exercise.Method.APPROVAL:
        return [titles[c] for c in choices]
    if exercise.method == Exercise.Method.POINTS:
        return [f"{titles[int(c)]}: {p} point{'s' if p != 1 else ''}" for c, p in choices.items()]
    return [f"{ordinal(n)}: {titles[c]}" for n, c in enumerate(choices, start=1)]


def ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


# --------------------------------------------------------------------------------------------------
# Close, count, publish
# --------------------------------------------------------------------------------------------------


def _s(value: Decimal) -> str:
    return f"{value:.5f}"


def _weight_for(exercise: Exercise, list_size: int | None) -> Decimal:
    if not exercise.is_weighted:
        return Decimal(1)
    return Decimal(list_size or 0)


class CountedBallot(NamedTuple):
    """A ballot as the count reads it: its choices, its weight, and its practice's name (to name the practices whose
    ballots weigh nothing)."""

    choices: list | dict
    weight: Decimal
    practice_name: str = ""


def turnout_counts(pk: int):
    """The electorate of exercise `pk` counted by PCN in the database, as (PCN name, eligible, voted) rows: a
    national electorate is thousands of practices; whether each voted as models.ballot_probe asks it."""
    return (eligible_practices().annotate(ballot=ballot_probe(pk)).order_by().values("pcn__name")
            .annotate(eligible=Count("pk"), voted=Count("ballot")).values_list("pcn__name", "eligible", "voted"))


def turnout(exercise: Exercise, ballots_by_practice: set[int] | None = None, *, counted: list | None = None) -> dict:
    """Eligible practices and ballots, overall and by PCN (`ballots_by_practice`: the ids of the practices that
    voted, if read already; `counted`: the rows of turnout_counts, if read already). One query at most."""
    if counted is None and ballots_by_practice is None:
        # From SQL compiled once a day (members.prepared).
        counted = prepared.objects("turnout", turnout_counts, pk=exercise.pk)
    elif counted is None:
        counted = [(pcn_name, 1, int(pk in ballots_by_practice))
                   for pk, pcn_name in eligible_practices().order_by().values_list("pk", "pcn__name")]
    by_pcn: dict[str, dict] = {}
    for pcn_name, eligible, voted in counted:
        name = pcn_name or "Not in a PCN"
        row = by_pcn.setdefault(name, {"pcn": name, "eligible": 0, "voted": 0})
        row["eligible"] += eligible
        row["voted"] += voted
    eligible = sum(row["eligible"] for row in by_pcn.values())
    voted = sum(row["voted"] for row in by_pcn.values())
    return {
        "eligible": eligible,
        "voted": voted,
        "percent": percent(voted, eligible),
        "by_pcn": sorted(by_pcn.values(), key=lambda row: (row["pcn"] == "Not in a PCN", row["pcn"])),
    }


def count_exercise(exercise: Exercise, candidates: list[Candidate], ballots: list[CountedBallot]) -> dict:
    """Count with priorities.counting and return the result as JSON-safe data (numbers as strings)."""
    titles = {c.pk: c.title for c in candidates}
    names = [c.title for c in candidates]
    result: dict = {
        "method": exercise.method,
        "places": exercise.places,
        "weighting": exercise.weighting,
        "candidates": [{"id": c.pk, "title": c.title} for c in candidates],
        "ballots": len(ballots),
        "weight_total": _s(sum((b.weight for b in ballots), Decimal(0))),
        "unweighted_practices": sorted(b.practice_name for b in ballots if exercise.is_weighted and not b.weight),
    }
    seats = min(exercise.places, len(names))
    if exercise.method == Exercise.Method.RANKED:
        stv = counting.count_stv(
            names,
            [counting.RankedBallot(tuple(titles[c] for c in b.choices if c in titles), b.weight) for b in ballots],
            seats,
        )
        winners = list(stv.elected_names)
        result["stv"] = {
            "valid_votes": _s(stv.valid_votes),
            "quota": _s(stv.quota),
            "seed": str(stv.seed),
            "tie_broken_by_lot": stv.tie_broken_by_lot,
            "ties_by_lot": [list(tied) for tied in stv.ties_by_lot],
            "elected": [{"name": e.name, "stage": e.stage, "reason": e.reason} for e in stv.elected],
            "excluded": list(stv.excluded),
            "stages": [
                {
                    "number": stage.number,
                    "action": stage.action,
                    "kind": stage.kind,
                    "candidate": stage.candidate,
                    "why": stage.why,
                    "transfers": {name: _s(v) for name, v in stage.transfers.items()},
                    "totals": {name: _s(v) for name, v in stage.totals.items()},
                    "non_transferable_added": _s(stage.non_transferable_added),
                    "non_transferable": _s(stage.non_transferable),
                    "elected": list(stage.elected),
                    "tie_note": stage.tie_note,
                }
                for stage in stv.stages
            ],
        }
        result["note"] = (
            f"Single transferable vote (SSI 2007/42) for {seats} place{'s' if seats != 1 else ''}: "
            f"valid votes {_s(stv.valid_votes)}, quota {_s(stv.quota)}."
        )
    else:
        if exercise.method == Exercise.Method.APPROVAL:
            tally = counting.count_approval(
                names, [counting.ApprovalBallot(tuple(titles[c] for c in b.choices), b.weight) for b in ballots],
                seats, max_choices=exercise.places,
            )
        else:
            tally = counting.count_points(
                names,
                [counting.PointsBallot({titles[int(c)]: p for c, p in b.choices.items()}, b.weight) for b in ballots],
                seats, points_per_ballot=exercise.points_per_ballot,
            )
        winners = list(tally.winners)
        result["ranking"] = [
            {"title": r.name, "total": _s(r.total), "rank": r.rank, "winner": r.winner} for r in tally.ranking
        ]
        result["note"] = tally.note
        result["tie_broken_by_lot"] = tally.tie_broken_by_lot
        result["tied_at_cutoff"] = list(tally.tied_at_cutoff)
        if exercise.method == Exercise.Method.POINTS:
            result["points_per_ballot"] = exercise.points_per_ballot
        result["seed"] = str(tally.seed)
    by_title = {c.title: c.pk for c in candidates}
    result["winners"] = winners
    result["winner_ids"] = [by_title[name] for name in winners]
    return result


@transaction.atomic
def exercise_close(*, exercise: Exercise, now=None) -> Exercise:
    """Close the vote and count it. The weights are the practices' list sizes at this moment, kept on the ballots."""
    now = now or timezone.now()
    exercise = Exercise.objects.select_for_update().get(pk=exercise.pk)
    check_closable(exercise)
    candidates = list(exercise.candidates.filter(is_archived=False).order_by("position", "pk"))
    # One query reads every ballot with its practice's list size, as plain rows: a national vote has thousands of
    # ballots, and building a model instance each took most of the time. None changes while it is counted: a ballot
    # is cast or changed only under the exercise's lock (_lock_open_exercise), which this transaction holds.
    rows = list(
        exercise.ballots.order_by("practice__name", "pk")
        .values_list("pk", "choices", "weight", "practice_id", "practice__name", "practice__list_size")
    )
    ballots, practices, weighed = [], set(), {}
    for pk, choices, weight, practice_id, practice_name, list_size in rows:
        new_weight = _weight_for(exercise, list_size)
        if weight != new_weight:
            weighed[pk] = new_weight
        ballots.append(CountedBallot(choices, new_weight, practice_name))
        practices.add(practice_id)
    # The weights are kept on the ballots, with their history, in bulk: a save each (two queries with the history
    # row) took seconds.
    audit.set_values_with_history(Ballot, "weight", weighed, when=now)
    result = count_exercise(exercise, candidates, ballots)
    result["turnout"] = turnout(exercise, practices)
    result["counted_at"] = now.isoformat()
    exercise.result = result
    exercise.status = Exercise.Status.CLOSED
    exercise.closed_at = now
    exercise.save(update_fields=["result", "status", "closed_at"])
    return exercise


def check_closable(exercise: Exercise) -> None:
    if exercise.status != Exercise.Status.OPEN:
        raise ValidationError("Only an open exercise can be closed.")


def check_publishable(exercise: Exercise) -> None:
    """A counted result is published once; publishing again changes nothing (exercise_publish returns early)."""
    if exercise.status != Exercise.Status.CLOSED:
        raise ValidationError("Close the vote before publishing the result.")


@transaction.atomic
def exercise_publish(*, exercise: Exercise, published_by: User, now=None) -> Exercise:
    exercise = Exercise.objects.select_for_update().get(pk=exercise.pk)
    if exercise.status == Exercise.Status.PUBLISHED:
        return exercise
    check_publishable(exercise)
    exercise.status = Exercise.Status.PUBLISHED
    exercise.published_at = now or timezone.now()
    exercise.published_by = published_by
    exercise.save(update_fields=["status", "published_at", "published_by"])
    notifications.notify(kind=emails.RESULT_PUBLISHED, about=f"exercise:{exercise.pk}",
                         recipients=set(Membership.objects.voting_contacts().values_list("user_id", flat=True)),
                         params={"exercise": exercise.pk})
    return exercise


@transaction.atomic
def exercise_archive(*, exercise: Exercise) -> Exercise:
    """Take an exercise out of every list. Nothing is deleted: its ballots, count and history stay."""
    exercise = Exercise.objects.select_for_update().get(pk=exercise.pk)
    if exercise.is_archived:
        return exercise
    if exercise.status == Exercise.Status.OPEN:
        # Practices may be voting: close and count it first, so no ballot is left uncounted out of sight.
        raise ValidationError("Voting is open. Close the vote before archiving the exercise.")
    if exercise.status == Exercise.Status.CLOSED:
        raise ValidationError("The result is counted but not published. Publish it before archiving the exercise.")
    exercise.is_archived = True
    exercise.save(update_fields=["is_archived"])
    return exercise


def close_overdue_exercises(*, now=None) -> list[int]:
    """Close and count every open exercise whose closing time has passed. Run by the beat schedule."""
    now = now or timezone.now()
    closed = []
    for pk in Exercise.objects.open().filter(closes_at__lte=now).values_list("pk", flat=True):
        exercise = Exercise(pk=pk)
        try:
            exercise_close(exercise=exercise, now=now)
        except ValidationError:
            continue  # closed by the chair in the meantime
        closed.append(pk)
    return closed


# --------------------------------------------------------------------------------------------------
# Reminders
# --------------------------------------------------------------------------------------------------


@transaction.atomic
def reminders_queue(*, now=None) -> list[int]:
    """Queue the reminder for every practice that has not voted in an exercise closing within 48 hours.

    The outbox key (one per exercise and practice) makes this safe to run as often as the beat likes: each
    practice is reminded once per exercise. Returns the outbox ids it created.
    """
    now = now or timezone.now()
    due = Exercise.objects.open().filter(
        opens_at__lte=now, closes_at__gt=now, closes_at__lte=now + timedelta(hours=REMINDER_HOURS)
    )
    rows = []
    for exercise in due:
        voted = set(exercise.ballots.values_list("practice_id", flat=True))
        for practice_id in eligible_practices().values_list("pk", flat=True):
            if practice_id not in voted:
                rows.append({
                    "key": emails.reminder_key(exercise_id=exercise.pk, practice_id=practice_id),
                    "kind": emails.REMINDER, "params": {"exercise": exercise.pk, "practice": practice_id},
                })
    return outbox.enqueue_many(rows)


# --------------------------------------------------------------------------------------------------
# Agreed priorities and their delivery plan
# --------------------------------------------------------------------------------------------------


def check_result_published(exercise: Exercise) -> None:
    """The agreed priorities come from a result everyone has seen."""
    if exercise.status != Exercise.Status.PUBLISHED:
        raise ValidationError("Publish the result before confirming the agreed priorities.")


@transaction.atomic
def priorities_confirm(*, exercise: Exercise, candidates: list[Candidate], confirmed_by: User, now=None):
    """The chair confirms the final list from the published result. Dropped ones are archived, never deleted."""
    now = now or timezone.now()
    exercise = Exercise.objects.select_for_update().get(pk=exercise.pk)
    check_result_published(exercise)
    if not candidates:
        raise ValidationError("Choose at least one priority to agree.")
    if any(c.exercise_id != exercise.pk or c.is_archived for c in candidates):
        raise ValidationError("A chosen priority is not a candidate in this exercise.")
    order = {pk: n for n, pk in enumerate(exercise.result.get("winner_ids", []))}
    chosen = sorted(candidates, key=lambda c: (order.get(c.pk, len(order)), c.position, c.pk))
    live = {p.candidate_id: p for p in exercise.agreed_priorities.select_for_update().filter(is_archived=False)}
    agreed = []
    for position, candidate in enumerate(chosen, start=1):
        priority = live.pop(candidate.pk, None)
        if priority is None:
            priority = AgreedPriority.objects.create(
                exercise=exercise, candidate=candidate, title=candidate.title, description=candidate.description,
                influence_sought=candidate.influence_sought, position=position, confirmed_by=confirmed_by,
                confirmed_at=now,
            )
        elif priority.position != position:
            priority.position = position
            priority.save(update_fields=["position"])
        agreed.append(priority)
    for dropped in live.values():
        dropped.is_archived = True
        dropped.save(update_fields=["is_archived"])
    return agreed


PLAN_FIELDS = ("title", "lead", "due_date", "funding_note", "rag_status")


@transaction.atomic
def plan_item_add(
    *, priority: AgreedPriority, parent: PlanItem | None, kind: str, added_by: User, title: str, lead: str,
    due_date=None, funding_note: str = "", rag_status: str = RAG.GREEN, note: str = "",
) -> PlanItem:
    expected = PlanItem.PARENT_KIND[PlanItem.Kind(kind)]
    if expected is None and parent is not None:
        raise ValidationError("An objective sits at the top of the plan.")
    if expected is not None:
        if parent is None or parent.priority_id != priority.pk or parent.is_archived:
            raise ValidationError(f"Choose the {expected.label.lower()} this {kind} belongs to.")
        if parent.kind != expected:
            raise ValidationError(f"A {kind} belongs to an {expected.label.lower()}, not to a {parent.kind}.")
    siblings = PlanItem.objects.filter(priority=priority, parent=parent)
    last = siblings.order_by("-position").values_list("position", flat=True).first() or 0
    item = PlanItem.objects.create(
        priority=priority, parent=parent, kind=kind, title=title.strip(), lead=lead.strip(), due_date=due_date,
        funding_note=funding_note.strip(), rag_status=rag_status, position=last + 1,
    )
    ProgressUpdate.objects.create(item=item, rag_status=rag_status, note=note.strip() or "Added to the plan.",
                                  recorded_by=added_by)
    return item


@transaction.atomic
def plan_item_update(*, item: PlanItem, updated_by: User, note: str = "", **fields) -> PlanItem:
    """Change a plan item. A new RAG status or a progress note goes into the progress history."""
    item = PlanItem.objects.select_for_update().get(pk=item.pk)
    if item.is_archived:
        raise ValidationError("This item has been removed from the plan.")
    fields = {name: fields[name] for name in PLAN_FIELDS if name in fields}
    old_rag = item.rag_status
    for name, value in fields.items():
        setattr(item, name, value.strip() if isinstance(value, str) else value)
    item.updated_at = timezone.now()
    item.save(update_fields=[*fields, "updated_at"])
    if item.rag_status != old_rag or note.strip():
        ProgressUpdate.objects.create(item=item, rag_status=item.rag_status, note=note.strip(), recorded_by=updated_by)
    return item


@transaction.atomic
def plan_item_archive(*, item: PlanItem) -> PlanItem:
    item = PlanItem.objects.select_for_update().get(pk=item.pk)
    if item.children.filter(is_archived=False).exists():
        raise ValidationError("Remove the items under this one first.")
    item.is_archived = True
    item.save(update_fields=["is_archived"])
    return item
