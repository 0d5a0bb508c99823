"""Read functions for the weekly digest and the chair's dashboard. Each runs a fixed number of queries,
whatever the amount of data."""

from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db.models import Max, Prefetch, Q
from django.utils import timezone

from .models import (
    REVIEW_INTERVAL_DAYS,
    Action,
    LeadershipAgendaItem,
    LeadershipMeeting,
    Meeting,
    Representative,
    Request,
)


def overdue_actions(*, today: date | None = None) -> list[Action]:
    """Open actions past their due date, oldest first (one query)."""
    today = today or timezone.localdate()
    return list(
        Action.objects.overdue(today).select_related("owner", "support", "meeting__forum").order_by("due_on", "pk")
    )


def late_feedback(*, today: date | None = None) -> list[Meeting]:
    """Forum meetings past their feedback due date that are not fully fed back (one query)."""
    today = today or timezone.localdate()
    return list(Meeting.objects.feedback_late(today).select_related("forum").order_by("feedback_due_on", "pk"))


def requests_past_target(*, today: date | None = None) -> list[Request]:
    """Requests still awaiting triage after the target date (one query)."""
    today = today or timezone.localdate()
    return list(Request.objects.awaiting_triage().past_target(today).order_by("triage_due_on", "received_at"))


def representatives_due_review(*, today: date | None = None) -> list[Representative]:
    """Current representatives and deputies whose last review (or appointment, if never reviewed) is more than
    the review interval ago (one query). Each carries `last_reviewed_on`."""
    today = today or timezone.localdate()
    cutoff = today - timedelta(days=REVIEW_INTERVAL_DAYS)
    return list(
        Representative.objects.current()
        .annotate(last_reviewed_on=Max("reviews__reviewed_on", filter=Q(reviews__is_archived=False)))
        .filter(
            Q(last_reviewed_on__isnull=True, term_starts_on__lte=cutoff) | Q(last_reviewed_on__lte=cutoff)
        )
        .select_related("user", "forum")
        .order_by("forum__name", "role")
    )


@dataclass
class Agenda:
    meeting: LeadershipMeeting | None
    items: list[LeadershipAgendaItem] = field(default_factory=list)


def next_agenda(*, today: date | None = None) -> Agenda:
    """The next leadership meeting (today or later) and its agenda in order (two queries)."""
    today = today or timezone.localdate()
    meeting = (
        LeadershipMeeting.objects.upcoming(today)
        .prefetch_related(
            Prefetch(
                "items",
                queryset=LeadershipAgendaItem.objects.filter(is_archived=False)
                .select_related(
                    "request", "decision", "feedback__agenda_item__meeting__forum", "feedback__sign_off_decision",
                    "action__owner",
                )
                .order_by("position"),
                to_attr="agenda",
            )
        )
        .first()
    )
    if meeting is None:
        return Agenda(meeting=None)
    return Agenda(meeting=meeting, items=meeting.agenda)
