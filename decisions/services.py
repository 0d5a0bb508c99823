"""Rules and writes for consensus decisions. Views, the admin, tasks and the demo all go through these functions.

The group decides by consensus, not by vote: a proposal goes round until every seat can live with it.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, F, Max, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from members import notifications, outbox
from members.models import Declaration, GroupRole, Membership, Organisation, Seat, User

from . import access as decision_access
from . import emails
from .models import Acknowledgement, Comment, DecisionItem, ItemInterest, Position, Principle, Round

Status = DecisionItem.Status
Outcome = Round.Outcome
Stance = Position.Stance


# The rule -------------------------------------------------------------------------------------------------


@dataclass
class Verdict:
    """What the consensus rule says about a round, now."""

    outcome: str  # one of Round.Outcome's closed values, or "" while the round is still waiting for seats
    missing_seat_ids: set[int] = field(default_factory=set)
    blocking_seat_ids: set[int] = field(default_factory=set)
    stand_aside_seat_ids: set[int] = field(default_factory=set)

    @property
    def is_consensus(self) -> bool:
        return self.outcome == Outcome.CONSENSUS


def consensus_verdict(*, seat_ids, stances: dict[int, str], deadline_passed: bool) -> Verdict:
    """THE RULE. A round reaches consensus when every seat asked has responded and none blocks.

    Stand-asides count as responses (they are recorded and shown, but do not stop consensus). A block ends the
    round without consensus, whenever it arrives. A deadline passing with seats missing ends it without
    consensus too. Otherwise the round is still waiting ("").
    """
    seat_ids = set(seat_ids)
    answered = {seat_id: stance for seat_id, stance in stances.items() if seat_id in seat_ids}
    verdict = Verdict(
        outcome="",
        missing_seat_ids=seat_ids - answered.keys(),
        blocking_seat_ids={s for s, stance in answered.items() if stance == Stance.BLOCK},
        stand_aside_seat_ids={s for s, stance in answered.items() if stance == Stance.STAND_ASIDE},
    )
    if verdict.blocking_seat_ids:
        verdict.outcome = Outcome.BLOCKED
    elif not verdict.missing_seat_ids:
        verdict.outcome = Outcome.CONSENSUS
    elif deadline_passed:
        verdict.outcome = Outcome.LAPSED
    return verdict


def round_verdict(*, round: Round, positions=None, seat_ids=None, now: datetime | None = None) -> Verdict:
    """The rule applied to a stored round; pass prefetched positions and seat ids to avoid queries."""
    if positions is None:
        positions = round.positions.all()
    if seat_ids is None:
        seat_ids = [seat.pk for seat in round.seats.all()]
    return consensus_verdict(
        seat_ids=seat_ids,
        stances={p.seat_id: p.stance for p in positions},
        deadline_passed=round.deadline <= (now or timezone.now()),
    )


def deadline_from_date(day: date) -> datetime:
    """A round's deadline is the end of the chosen day, in the group's time zone."""
    return timezone.make_aware(datetime.combine(day, time(23, 59)))


# Principles -----------------------------------------------------------------------------------------------


@transaction.atomic
def principle_create(*, by: User, title: str, description: str = "", adopted_on: date | None = None) -> Principle:
    title = title.strip()
    if Principle.objects.filter(title__iexact=title).exists():
        raise ValidationError({"title": "The group already has a principle with this title."})
    principle = Principle(title=title, description=description.strip(), adopted_on=adopted_on or timezone.localdate())
    principle._history_user = by
    principle.save()
    return principle


@transaction.atomic
def principle_update(*, principle: Principle, by: User, title: str, description: str, adopted_on: date) -> Principle:
    principle = Principle.objects.select_for_update().get(pk=principle.pk)
    title = title.strip()
    if Principle.objects.filter(title__iexact=title).exclude(pk=principle.pk).exists():
        raise ValidationError({"title": "The group already has a principle with this title."})
    principle.title, principle.description, principle.adopted_on = title, description.strip(), adopted_on
    principle._history_user = by
    principle.save(update_fields=["title", "description", "adopted_on"])
    return principle


@transaction.atomic
def principle_archive(*, principle: Principle, by: User) -> Principle:
    """Retire a principle: decisions that cite it keep citing it; new decisions cannot."""
    principle = Principle.objects.select_for_update().get(pk=principle.pk)
    if not principle.is_archived:
        principle.is_archived = True
        principle._history_user = by
        principle.save(update_fields=["is_archived"])
    return principle


# Items ----------------------------------------------------------------------------------------------------


def _lock(item: DecisionItem) -> DecisionItem:
    return DecisionItem.objects.select_for_update().get(pk=item.pk)


def _lock_round(round: Round) -> tuple[DecisionItem, Round]:
    # Always the item first, then the round: the same order everywhere, so writers cannot deadlock.
    item = DecisionItem.objects.select_for_update().get(pk=round.item_id)
    return item, Round.objects.select_for_update().get(pk=round.pk)


def _save(obj, by: User | None, fields: list[str]):
    obj._history_user = by
    obj.save(update_fields=fields)


@transaction.atomic
def item_create(
    *,
    raised_by: User,
    title: str,
    question: str,
    background: str = "",
    proposed_wording: str = "",
    lead: User | None = None,
    principles=(),
    organisations=(),
) -> DecisionItem:
    """Raise a matter for the group to decide. It starts as a draft, visible to the group only."""
    if not title.strip() or not question.strip():
        raise ValidationError("A decision item needs a title and a question.")
    item = DecisionItem(
        raised_by=raised_by,
        title=title.strip(),
        question=question.strip(),
        background=background.strip(),
        proposed_wording=proposed_wording.strip(),
        lead=lead,
    )
    item._history_user = raised_by
    item.save()
    if principles:
        item.principles.set(principles)
    if organisations:
        item.organisations.set(organisations)
    return item


@transaction.atomic
def item_update(
    *,
    item: DecisionItem,
    by: User,
    title: str,
    question: str,
    background: str,
    proposed_wording: str,
    lead: User | None,
    principles=None,
    organisations=None,
) -> DecisionItem:
    """Revise the item between rounds. The wording frozen in past rounds is unaffected."""
    item = _lock(item)
    if not item.is_revisable:
        raise ValidationError("The wording cannot change while a consensus check is open or after the outcome.")
    item.title, item.question = title.strip(), question.strip()
    item.background, item.proposed_wording = background.strip(), proposed_wording.strip()
    item.lead = lead
    _save(item, by, ["title", "question", "background", "proposed_wording", "lead"])
    if principles is not None:
        item.principles.set(principles)
    if organisations is not None:
        item.organisations.set(organisations)
    return item


@transaction.atomic
def item_start_discussion(*, item: DecisionItem, by: User) -> DecisionItem:
    item = _lock(item)
    if item.status != Status.DRAFT:
        raise ValidationError("Only a draft can be opened for discussion.")
    item.status = Status.DISCUSSION
    _save(item, by, ["status"])
    return item


def _cancel_open_round(item: DecisionItem, by: User | None, now: datetime) -> None:
    for open_round in Round.objects.select_for_update().open().filter(item=item):
        _close_round(open_round, outcome=Outcome.CANCELLED, by=by, now=now, item=item)


def _end_item(
    item: DecisionItem, *, by: User, status: str, reason: str, redirected_to=None, errors: dict | None = None
) -> DecisionItem:
    item = _lock(item)
    if not item.is_open:
        raise ValidationError("This item already has its outcome.")
    reason = reason.strip()
    errors = dict(errors or {})
    if not reason:
        errors["reason"] = "Give the reason, so that the group and the log can see why."
    if errors:
        raise ValidationError(errors)
    _cancel_open_round(item, by, timezone.now())
    item.status = status
    item.outcome_reason = reason
    item.redirected_to = redirected_to
    item.decided_on = timezone.localdate()
    _save(item, by, ["status", "outcome_reason", "redirected_to", "decided_on"])
    return item


@transaction.atomic
def item_park(*, item: DecisionItem, by: User, reason: str) -> DecisionItem:
    """Not agreed: the item is parked, with the reason, and may be raised again as a new item later."""
    return _end_item(item, by=by, status=Status.NOT_AGREED, reason=reason)


@transaction.atomic
def item_redirect(*, item: DecisionItem, by: User, organisation: Organisation, reason: str) -> DecisionItem:
    """The matter belongs to one member organisation (a contract matter to the LMC): it goes there."""
    errors = {"organisation": "Choose the organisation whose role it is."} if organisation is None else {}
    return _end_item(item, by=by, status=Status.REDIRECTED, reason=reason, redirected_to=organisation, errors=errors)


@transaction.atomic
def item_withdraw(*, item: DecisionItem, by: User, reason: str) -> DecisionItem:
    return _end_item(item, by=by, status=Status.WITHDRAWN, reason=reason)


# Rounds ---------------------------------------------------------------------------------------------------


@transaction.atomic
def round_open(*, item: DecisionItem, by: User, deadline: datetime, now: datetime | None = None) -> Round:
    """Open a consensus check: freeze the proposed wording as round n and ask every active seat."""
    now = now or timezone.now()
    item = _lock(item)
    if not item.is_revisable:
        raise ValidationError("A consensus check can only be opened on a draft or an item in discussion.")
    if not item.proposed_wording.strip():
        raise ValidationError("Write the proposed wording before opening a consensus check.")
    if deadline <= now:
        raise ValidationError({"deadline": "The deadline must be today or later."})
    seats = list(Seat.objects.filter(is_active=True).order_by("pk"))
    if not seats:
        raise ValidationError("There are no active seats to ask.")
    vacant = [seat.title for seat in seats if seat.holder_id is None and seat.deputy_id is None]
    if vacant:
        # Consensus needs every seat, so a seat nobody can speak for would make consensus impossible.
        raise ValidationError(
            f"These seats have no holder or deputy: {', '.join(vacant)}. Fill them or make them inactive first."
        )
    number = (item.rounds.aggregate(n=Max("number"))["n"] or 0) + 1
    new_round = Round(item=item, number=number, wording=item.proposed_wording, deadline=deadline,
                      opened_at=now, opened_by=by)
    new_round._history_user = by
    new_round.save()
    new_round.seats.set(seats)
    item.status = Status.CONSENSUS_CHECK
    _save(item, by, ["status"])

    round_emails_queue(round_id=new_round.pk, kind=emails.ROUND_OPENED, now=now)
    return new_round


def _close_round(round: Round, *, outcome: str, by: User | None, now: datetime, item: DecisionItem):
    """Close a round the caller has locked (with its item, locked first)."""
    round.closed_at = now
    round.closed_by = by
    round.outcome = outcome
    _save(round, by, ["closed_at", "closed_by", "outcome"])
    if outcome in (Outcome.BLOCKED, Outcome.LAPSED):
        # Back to discussion: the lead revises the wording and the chair may open round n+1.
        if item.status == Status.CONSENSUS_CHECK:
            item.status = Status.DISCUSSION
            _save(item, by, ["status"])
    return round


@transaction.atomic
def round_close(*, round: Round, by: User | None = None, now: datetime | None = None) -> Round:
    """Close a round by the rule: consensus if every seat responded and none blocks; otherwise without consensus.

    The chair may close a round early; the hourly task closes rounds whose deadline has passed. Idempotent.
    """
    now = now or timezone.now()
    item, round = _lock_round(round)
    if not round.is_open:
        return round
    verdict = round_verdict(round=round, now=now)
    return _close_round(round, outcome=verdict.outcome or Outcome.LAPSED, by=by, now=now, item=item)


def rounds_close_overdue(*, now: datetime | None = None) -> int:
    """Close every open round whose deadline has passed (each in its own transaction)."""
    now = now or timezone.now()
    closed = 0
    for overdue in Round.objects.overdue(now).only("pk", "item_id"):
        round_close(round=overdue, now=now)
        closed += 1
    return closed


def interest_flag_for(*, user: User, item: DecisionItem) -> str:
    """The user's declared interests related to the item: on the item itself, or on the register against an
    organisation the item concerns."""
    notes = list(
        ItemInterest.objects.filter(item=item, user=user, is_withdrawn=False).values_list("interest", flat=True)
    )
    notes += list(
        Declaration.objects.current().filter(user=user, organisation__in=item.organisations.all())
        .values_list("interest", flat=True)
    )
    return "; ".join(notes)


def check_round_takes_positions(round: Round, *, now: datetime | None = None) -> None:
    """A seat records or changes its position while the round is open and its deadline has not passed."""
    if not round.is_open:
        raise ValidationError("This round has closed, so its positions can no longer change.")
    if round.is_overdue(now):
        raise ValidationError("The deadline for this round has passed.")


@transaction.atomic
def position_record(
    *,
    round: Round,
    seat: Seat,
    by: User,
    stance: str,
    reason: str = "",
    principle: Principle | None = None,
    recorded_by: User | None = None,
    given_how: str = "",
    now: datetime | None = None,
) -> Position:
    """Record (or change) a seat's position in an open round. The later answer replaces the earlier one.

    `by` is the holder or deputy who gives it. A position given by phone or in the meeting is recorded for them by
    the chair or a gatekeeper (`recorded_by`), saying how it was given (`given_how`): consensus must be reachable
    when a GP answers the phone but never opens the portal.

    Writers for one seat compete (holder and deputy at once), so the round row is locked first and the
    (round, seat) unique constraint backs it up.
    """
    now = now or timezone.now()
    item, round = _lock_round(round)
    check_round_takes_positions(round, now=now)
    if not round.seats.filter(pk=seat.pk).exists():
        raise ValidationError("This seat was not asked in this round.")
    seat = Seat.objects.get(pk=seat.pk)
    if not seat.is_held_by(by):
        raise PermissionDenied("Only the seat's holder or deputy records its position.")
    if recorded_by is not None:
        if not decision_access.can_record_for_seats(recorded_by):
            raise PermissionDenied("Only the chair or a gatekeeper records a position on a seat's behalf.")
        if given_how not in {Position.GivenHow.PHONE, Position.GivenHow.MEETING, Position.GivenHow.EMAIL}:
            raise ValidationError({"given_how": "Say how the position was given."})
    else:
        given_how = ""
    if stance not in Stance.values:
        raise ValidationError({"stance": "Choose a position."})
    reason = reason.strip()
    if stance == Stance.STAND_ASIDE and not reason:
        raise ValidationError({"reason": "Give the reason your seat stands aside."})
    if stance == Stance.BLOCK and not reason:
        raise ValidationError({"reason": "Give the concern at stake: a block needs a reason."})
    if stance != Stance.BLOCK:
        principle = None
    flag = interest_flag_for(user=by, item=item)
    position = Position.objects.filter(round=round, seat=seat).first()
    if position is None:
        position = Position(round=round, seat=seat)
    position.stance, position.reason, position.principle = stance, reason, principle
    position.responded_by, position.responded_at, position.interest_flag = by, now, flag
    position.recorded_by, position.given_how = recorded_by, given_how
    position._history_user = recorded_by or by
    if position.pk is None:
        position.save()
    else:
        position.save(update_fields=["stance", "reason", "principle", "responded_by", "responded_at",
                                     "interest_flag", "recorded_by", "given_how"])
    if stance == Stance.BLOCK:
        # A block ends the round at once: there is no consensus on this wording, so the lead revises it. Every
        # seat asked hears of it.
        _close_round(round, outcome=Outcome.BLOCKED, by=by, now=now, item=item)
        asked = round.seats.all()
        notifications.notify(kind=emails.ROUND_BLOCKED, about=f"round:{round.pk}", params={"round": round.pk},
                             recipients={pk for seat in asked for pk in (seat.holder_id, seat.deputy_id) if pk})
    elif round_verdict(round=round, now=now).is_consensus:
        # The last seat heard and none blocks: the group hears that consensus is reached (once per round).
        notifications.notify(kind=emails.ROUND_CONSENSUS, about=f"round:{round.pk}", params={"round": round.pk},
                             recipients=set(GroupRole.objects.live().values_list("user_id", flat=True)))
    return position


# Outcome --------------------------------------------------------------------------------------------------


def check_confirmable(
    *, item: DecisionItem, last_round: Round | None, verdict: Verdict | None = None, now: datetime | None = None
) -> None:
    """Whether the chair may confirm the item's consensus now: it is in a consensus check and its last round
    reached consensus, whether the round has closed with it or is still open with every seat heard and none
    blocking. Pass the open round's verdict if it is already worked out."""
    if item.status != Status.CONSENSUS_CHECK or last_round is None:
        raise ValidationError("Only an item in a consensus check can be confirmed.")
    if last_round.is_open:
        if not (verdict or round_verdict(round=last_round, now=now)).is_consensus:
            raise ValidationError("This round has not reached consensus: every seat must respond and none block.")
    elif last_round.outcome != Outcome.CONSENSUS:
        raise ValidationError("The last round closed without consensus.")


@transaction.atomic
def item_confirm(
    *,
    item: DecisionItem,
    by: User,
    statement: str,
    decided_on: date | None = None,
    principles=None,
    publish: bool = False,
    is_public: bool = False,
    now: datetime | None = None,
) -> DecisionItem:
    """The chair confirms a consensus and writes the decision statement. A separate step from reaching it."""
    now = now or timezone.now()
    item = _lock(item)
    last = Round.objects.select_for_update().filter(item=item).order_by("-number").first()
    check_confirmable(item=item, last_round=last, now=now)
    if last.is_open:
        _close_round(last, outcome=Outcome.CONSENSUS, by=by, now=now, item=item)
    statement = statement.strip()
    errors = {}
    if not statement:
        errors["statement"] = "Write the decision statement."
    if is_public and not publish:
        errors["is_public"] = "Publish to practices too, or do not show it on the public page."
    if errors:
        raise ValidationError(errors)
    item.status = Status.AGREED
    item.statement = statement
    item.decided_on = decided_on or timezone.localdate()
    fields = ["status", "statement", "decided_on"]
    if publish:
        item.published_at, item.is_public = now, is_public
        fields += ["published_at", "is_public"]
    _save(item, by, fields)
    if principles is not None:
        item.principles.set(principles)
    return item


@transaction.atomic
def item_publish(*, item: DecisionItem, by: User, is_public: bool = False) -> DecisionItem:
    """Publish an agreed decision to every practice (and, if the chair chooses, the public page)."""
    item = _lock(item)
    if item.status != Status.AGREED:
        raise ValidationError("Only an agreed decision can be published.")
    first_time = item.published_at is None
    if first_time:
        item.published_at = timezone.now()
    item.is_public = is_public
    _save(item, by, ["published_at", "is_public"])
    if first_time:
        # Everyone at a practice and everyone on the group hears of it, at once or in the digest as they chose.
        group = GroupRole.objects.live().values_list("user_id", flat=True)
        practices = Membership.objects.current().filter(
            organisation__kind=Organisation.Kind.PRACTICE).values_list("user_id", flat=True)
        notifications.notify(kind=emails.DECISION_PUBLISHED, about=f"item:{item.pk}",
                             recipients=set(group) | set(practices), params={"item": item.pk})
    return item


@transaction.atomic
def item_set_public(*, item: DecisionItem, by: User, is_public: bool) -> DecisionItem:
    item = _lock(item)
    if item.published_at is None:
        raise ValidationError("Publish the decision to practices first.")
    if item.is_public != is_public:
        item.is_public = is_public
        _save(item, by, ["is_public"])
    return item


# Discussion, interests, acknowledgements -------------------------------------------------------------------


@transaction.atomic
def comment_add(*, item: DecisionItem, author: User, body: str) -> Comment:
    if not item.is_open:
        raise ValidationError("Discussion has closed on this item.")
    body = body.strip()
    if not body:
        raise ValidationError({"body": "Write your comment."})
    comment = Comment(item=item, author=author, body=body)
    comment._history_user = author
    comment.save()
    return comment


@transaction.atomic
def interest_declare(*, item: DecisionItem, user: User, interest: str) -> ItemInterest:
    interest = interest.strip()
    if not interest:
        raise ValidationError({"interest": "Describe the interest."})
    declared = ItemInterest(item=item, user=user, interest=interest)
    declared._history_user = user
    declared.save()
    return declared


@transaction.atomic
def acknowledgement_record(*, item: DecisionItem, practice: Organisation, by: User) -> Acknowledgement:
    """A practice has seen a published decision. Acknowledging twice changes nothing."""
    if item.published_at is None:
        raise ValidationError("Only a published decision can be acknowledged.")
    if practice.kind != Organisation.Kind.PRACTICE:
        raise ValidationError("Only a practice acknowledges a decision.")
    if practice.place_id != item.place_id:
        # A decision reaches its own place's practices (the pages offer no other); the counts of who has seen it
        # are of those practices.
        raise ValidationError("Only a practice of the decision's place acknowledges it.")
    acknowledgement = Acknowledgement.objects.filter(item=item, practice=practice).first()
    if acknowledgement is None:
        acknowledgement = Acknowledgement(item=item, practice=practice, acknowledged_by=by)
        acknowledgement._history_user = by
        # The unique constraint settles a race between two people of one practice; get the winner's row.
        try:
            with transaction.atomic():
                acknowledgement.save()
                # Counted where it is written, in the same transaction: an increment in the database, so two
                # practices acknowledging at once both count. (Not in the item's history: models.DecisionItem.)
                DecisionItem._base_manager.filter(pk=item.pk).update(
                    acknowledged_count=F("acknowledged_count") + 1)
        except IntegrityError:
            acknowledgement = Acknowledgement.objects.get(item=item, practice=practice)
    return acknowledgement


def acknowledged_count_recount(*, items=None) -> int:
    """Count every decision's acknowledgements afresh into DecisionItem.acknowledged_count (those of `items`, a
    QuerySet, if given), in one UPDATE: for acknowledgements written in bulk (the national bench's generator), which
    acknowledgement_record does not see. Returns how many decisions were counted."""
    counted = (Acknowledgement._base_manager.filter(item=OuterRef("pk")).order_by().values("item")
               .annotate(n=Count("pk")).values("n"))
    decisions = DecisionItem._base_manager.all() if items is None else items
    return decisions.update(acknowledged_count=Coalesce(Subquery(counted), Value(0)))


# Reminders ------------------------------------------------------------------------------------------------

# Two days before a round's deadline, seats that have not responded are reminded.
REMINDER_BEFORE = timedelta(days=2)


def round_emails_queue(*, round_id: int, kind: str, now: datetime | None = None) -> list[int]:
    """Queue a round's emails to its seats: all of them when it opens, those yet to respond as the deadline nears.
    Returns the outbox ids still waiting. One email per (round, seat, kind): safe to run again and again."""
    now = now or timezone.now()
    round = Round.objects.live(now).filter(pk=round_id).first()
    if round is None:
        return []
    seat_ids = set(round.seats.values_list("pk", flat=True))
    if kind == emails.ROUND_REMINDER:
        if round.deadline - REMINDER_BEFORE > now:
            return []
        seat_ids -= set(round.positions.values_list("seat_id", flat=True))
    return outbox.enqueue_many([
        {"key": emails.round_email_key(round_id=round.pk, seat_id=seat_id, kind=kind), "kind": kind,
         "params": {"round": round.pk, "seat": seat_id}, "created_at": now}
        for seat_id in sorted(seat_ids)
    ])


def rounds_due_a_reminder(*, now: datetime | None = None) -> list[int]:
    now = now or timezone.now()
    return list(
        Round.objects.live(now).filter(deadline__lte=now + REMINDER_BEFORE).values_list("pk", flat=True)
    )
