"""The chair's reminders from the dashboard: one press emails whoever a stuck item waits on, through the outbox.

What each kind of item waits on: an open consensus check, the seats that have not responded (their holder and
deputy); an open priority vote, the practices that have not voted (their voting contacts); an overdue action, its
owner (and support person); a meeting whose feedback is late, the forum's representatives. Each email is built by
the app's own builder when it is sent, so a seat that responds, or a practice that votes, in the meantime is not
reminded after all.

A reminder goes once a day at most: the outbox key names the day, the item and the one reminded, so pressing the
button twice (or two chairs pressing it) queues nothing the second time, and the dashboard says it went today.
"""

from dataclasses import dataclass
from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction

from decisions import emails as decision_emails
from decisions import services as decision_services
from decisions.models import Round
from members import outbox, prepared
from members.models import OutboxEmail, User
from priorities import emails as priority_emails
from priorities import selectors as priority_selectors
from priorities.models import Exercise
from representation import emails as representation_emails
from representation.models import Action, Meeting

PREFIX = "gpleadership.reminder"
ROUND, EXERCISE, ACTION, FEEDBACK = "round", "exercise", "action", "feedback"
TARGETS = (ROUND, EXERCISE, ACTION, FEEDBACK)


def reminder_key(*, day: date, target: str, pk: int, unit: str | int) -> str:
    """One reminder per day, item and person or group reminded (a seat, a practice, the owner)."""
    return f"{PREFIX}:{day.isoformat()}:{target}:{pk}:{unit}"


@dataclass
class Reminder:
    queued: int  # emails queued by this press
    already: int  # emails that had already gone today, so were not queued again


def _round_rows(pk: int, day: date, by: User) -> list[dict]:
    the_round = Round.objects.get(pk=pk)
    if not the_round.is_live():
        raise ValidationError("This consensus check has closed or passed its deadline: seats can no longer respond.")
    missing = sorted(decision_services.round_verdict(round=the_round).missing_seat_ids)
    if not missing:
        raise ValidationError("Every seat has responded: there is nobody to remind.")
    return [{"key": reminder_key(day=day, target=ROUND, pk=pk, unit=seat_id), "kind": decision_emails.ROUND_REMINDER,
             "params": {"round": pk, "seat": seat_id, "by": by.pk}} for seat_id in missing]


def _exercise_rows(pk: int, day: date, by: User) -> list[dict]:
    exercise = Exercise.objects.get(pk=pk)
    if not exercise.accepts_votes():
        raise ValidationError("This vote is not open: practices can no longer vote.")
    missing = priority_selectors.practices_not_voted(exercises=[exercise])[exercise]
    if not missing:
        raise ValidationError("Every practice has voted: there is nobody to remind.")
    return [{"key": reminder_key(day=day, target=EXERCISE, pk=pk, unit=practice.pk), "kind": priority_emails.REMINDER,
             "params": {"exercise": pk, "practice": practice.pk, "chased": True, "by": by.pk}}
            for practice in missing]


def _action_rows(pk: int, day: date, by: User) -> list[dict]:
    action = Action.objects.get(pk=pk)
    if not Action.objects.overdue(day).filter(pk=pk).exists():
        raise ValidationError("This action is no longer overdue: it was done, archived or given a new date.")
    return [{"key": reminder_key(day=day, target=ACTION, pk=pk, unit="owner"),
             "kind": representation_emails.ACTION_DUE, "recipient_id": action.owner_id,
             "params": {"action": pk, "due_on": action.due_on.isoformat(), "by": by.pk}}]


def _feedback_rows(pk: int, day: date, by: User) -> list[dict]:
    Meeting.objects.get(pk=pk)  # not of the place: not found
    if not Meeting.objects.feedback_late(day).filter(pk=pk).exists():
        raise ValidationError("This meeting's feedback is no longer late.")
    return [{"key": reminder_key(day=day, target=FEEDBACK, pk=pk, unit="representatives"),
             "kind": representation_emails.FEEDBACK_REMINDER, "params": {"meeting": pk, "by": by.pk}}]


_ROWS = {ROUND: _round_rows, EXERCISE: _exercise_rows, ACTION: _action_rows, FEEDBACK: _feedback_rows}


@transaction.atomic
def reminder_send(*, target: str, pk: int, by: User, today: date) -> Reminder:
    """Queue today's reminder about one item to whoever it waits on. Raises the model's DoesNotExist for an item
    not of the place, and ValidationError when it waits on nobody any more. Who may press it is the caller's to
    check (the chair and gatekeepers, as the dashboard)."""
    if target not in _ROWS:
        raise ValidationError("There is no such reminder.")
    rows = _ROWS[target](pk, today, by)
    created = outbox.enqueue_many(rows)
    return Reminder(queued=len(created), already=len(rows) - len(created))


def reminded_on(day: date) -> set[tuple[str, int]]:
    """The (target, id) of every item a reminder went about on `day`, in the place: the dashboard marks them. One
    query."""
    # From SQL compiled once per day asked (members.prepared): the dashboard asks it on every visit.
    keys = prepared.objects(("reminded_on", day), lambda: OutboxEmail.objects.filter(
        key__startswith=f"{PREFIX}:{day.isoformat()}:").values_list("key", flat=True))
    reminded = set()
    for key in keys:
        target, pk = key.split(":")[2:4]
        reminded.add((target, int(pk)))
    return reminded
