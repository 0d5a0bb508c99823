"""The leadership meeting agenda."""

from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from decisions.models import DecisionItem

from ..models import Action, Feedback, LeadershipAgendaItem, LeadershipMeeting, Request

# The leadership group meets weekly on this weekday (Monday is 0); system partners have a slot in even ISO weeks.
LEADERSHIP_MEETING_WEEKDAY = 2


def has_partner_slot_on(day: date) -> bool:
    return day.isocalendar().week % 2 == 0


def next_meeting_date(today: date) -> date:
    return today + timedelta(days=(LEADERSHIP_MEETING_WEEKDAY - today.weekday()) % 7)


@transaction.atomic
def leadership_meeting_next(*, today: date | None = None) -> LeadershipMeeting:
    """The next leadership meeting (today or later), scheduled on the weekly pattern if none is."""
    today = today or timezone.localdate()
    meeting = LeadershipMeeting.objects.upcoming(today).first()
    if meeting:
        return meeting
    day = next_meeting_date(today)
    meeting, _ = LeadershipMeeting.objects.get_or_create(
        meets_on=day, defaults={"has_partner_slot": has_partner_slot_on(day)}
    )
    return meeting


@transaction.atomic
def leadership_meeting_for_partners(*, today: date | None = None) -> LeadershipMeeting:
    """The next leadership meeting with a slot for system partners: where triaged requests are heard."""
    today = today or timezone.localdate()
    meeting = LeadershipMeeting.objects.upcoming(today).filter(has_partner_slot=True).first()
    if meeting:
        return meeting
    day = next_meeting_date(today)
    for _ in range(8):
        if has_partner_slot_on(day):
            meeting, _created = LeadershipMeeting.objects.get_or_create(
                meets_on=day, defaults={"has_partner_slot": True}
            )
            if meeting.has_partner_slot and not meeting.is_archived:
                return meeting
        day += timedelta(days=7)
    raise ValidationError("No leadership meeting with a slot for system partners could be scheduled.")


def _agenda_candidates(meeting: LeadershipMeeting, today: date) -> list[dict]:
    """What the agenda for `meeting` gathers that is not on it yet, in the order it is added."""
    on_agenda = LeadershipAgendaItem.objects.filter(meeting=meeting)
    candidates = []
    if meeting.has_partner_slot:
        requests = (
            Request.objects.filter(outcome=Request.Outcome.AGENDA, is_archived=False)
            .exclude(pk__in=LeadershipAgendaItem.objects.filter(request__isnull=False).values("request"))
            .order_by("triaged_at")
        )
        candidates += [
            {"kind": LeadershipAgendaItem.Kind.REQUEST, "request": r,
             "title": f"{r.summary} ({r.organisation_name})"}
            for r in requests
        ]
    candidates += _decision_candidates(meeting)
    feedback = (
        Feedback.objects.exclude(needs_sign_off="")
        .filter(agenda_item__is_archived=False, agenda_item__meeting__is_archived=False)
        .exclude(pk__in=LeadershipAgendaItem.objects.filter(feedback__isnull=False).values("feedback"))
        .select_related("agenda_item__meeting__forum")
        .order_by("agenda_item__meeting__held_on", "pk")
    )
    candidates += [
        {"kind": LeadershipAgendaItem.Kind.SIGN_OFF, "feedback": f,
         "title": f"Sign-off: {f.agenda_item.title} ({f.agenda_item.meeting.forum.name})"}
        for f in feedback
    ]
    actions = Action.objects.overdue(today).exclude(pk__in=on_agenda.filter(action__isnull=False).values("action"))
    candidates += [
        {"kind": LeadershipAgendaItem.Kind.ACTION, "action": a, "title": f"Overdue action: {a.title}"}
        for a in actions.order_by("due_on", "pk")
    ]
    return candidates


def _decision_candidates(meeting: LeadershipMeeting) -> list[dict]:
    # An item whose seats have all been heard is brought for sign-off by the agenda itself (selectors.next_agenda).
    items = (
        DecisionItem.objects.in_consensus_check().exclude(pk__in=DecisionItem.objects.awaiting_sign_off())
        .exclude(pk__in=LeadershipAgendaItem.objects.filter(meeting=meeting, decision__isnull=False).values("decision"))
        .order_by("pk")
    )
    return [
        {"kind": LeadershipAgendaItem.Kind.DECISION, "decision": item, "title": f"Consensus check: {item.title}"}
        for item in items
    ]


@transaction.atomic
def agenda_gather(*, meeting: LeadershipMeeting, today: date | None = None) -> int:
    """Add to the agenda what it gathers: triaged requests (partner weeks only), items in a consensus check,
    feedback needing sign-off and overdue actions. Items already on it, or removed from it, stay as they are.
    Returns how many were added."""
    today = today or timezone.localdate()
    meeting = LeadershipMeeting.objects.select_for_update().get(pk=meeting.pk)
    last = meeting.items.filter(is_archived=False).aggregate(last=Max("position"))["last"] or 0
    candidates = _agenda_candidates(meeting, today)
    for offset, candidate in enumerate(candidates, start=1):
        candidate["title"] = candidate["title"][:250]
        LeadershipAgendaItem.objects.create(meeting=meeting, position=last + offset, **candidate)
    return len(candidates)


@transaction.atomic
def agenda_item_add_other(*, meeting: LeadershipMeeting, title: str) -> LeadershipAgendaItem:
    meeting = LeadershipMeeting.objects.select_for_update().get(pk=meeting.pk)
    last = meeting.items.filter(is_archived=False).aggregate(last=Max("position"))["last"] or 0
    return LeadershipAgendaItem.objects.create(
        meeting=meeting, kind=LeadershipAgendaItem.Kind.OTHER, title=title.strip()[:250], position=last + 1
    )


@transaction.atomic
def agenda_item_move(*, item: LeadershipAgendaItem, direction: str) -> LeadershipAgendaItem:
    """Swap an item with its neighbour above ("up") or below ("down"). At the top or bottom nothing changes."""
    if direction not in ("up", "down"):
        raise ValidationError("Choose to move the item up or down.")
    LeadershipMeeting.objects.select_for_update().get(pk=item.meeting_id)
    item = LeadershipAgendaItem.objects.get(pk=item.pk)
    # Among the items the agenda lists: a settled item is no longer shown, so it is no neighbour to swap with.
    siblings = LeadershipAgendaItem.objects.listed().filter(meeting_id=item.meeting_id)
    if direction == "up":
        neighbour = siblings.filter(position__lt=item.position).order_by("-position").first()
    else:
        neighbour = siblings.filter(position__gt=item.position).order_by("position").first()
    if neighbour is None:
        return item
    mine, theirs = item.position, neighbour.position
    # Positions are unique per agenda, so one item steps aside (position 0 is never used) during the swap.
    item.position = 0
    item.save(update_fields=["position"])
    neighbour.position = mine
    neighbour.save(update_fields=["position"])
    item.position = theirs
    item.save(update_fields=["position"])
    return item


@transaction.atomic
def agenda_item_remove(*, item: LeadershipAgendaItem) -> LeadershipAgendaItem:
    """Take an item off the agenda. It is kept (archived), so gathering does not add it back."""
    LeadershipMeeting.objects.select_for_update().get(pk=item.meeting_id)
    item = LeadershipAgendaItem.objects.get(pk=item.pk)
    if not item.is_archived:
        item.is_archived = True
        item.save(update_fields=["is_archived"])
    return item
