"""The emails of representation and the single point of access, built when they are sent (members.outbox)."""

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse

from members import notifications, outbox
from members.models import OutboxEmail

from .models import Action, LeadershipAgendaItem, Meeting, Representative, Request

ACTION_DUE = "representation.action_due"
REQUEST_ACKNOWLEDGEMENT = "representation.request_acknowledgement"
REQUEST_OUTCOME = "representation.request_outcome"
FEEDBACK_REMINDER = "representation.feedback_reminder"


def action_due_key(*, action_id: int, due_on) -> str:
    # One reminder per action per due date: a new due date gets a new reminder.
    return f"{ACTION_DUE}:{action_id}:{due_on.isoformat()}"


def request_key(*, request_id: int, kind: str) -> str:
    return f"{kind}:{request_id}"


@outbox.builder(ACTION_DUE, label="Action reminder")
def action_due(email: OutboxEmail):
    action = Action.objects.select_related("owner", "support").filter(pk=email.params["action"]).first()
    if action is None or not action.is_open or action.due_on.isoformat() != email.params["due_on"]:
        raise outbox.Skip("the action is done, archived or has a new due date")
    recipients = [action.owner.email] + ([action.support.email] if action.support_id else [])
    body = render_to_string(
        "representation/email/action_reminder.txt",
        {"action": action, "link": settings.SITE_URL + reverse("representation:action", args=[action.pk])},
    )
    return outbox.message(subject=f"Action due: {action.title}", body=body, to=recipients)


def _request(email: OutboxEmail) -> Request:
    return Request.objects.select_related("redirected_to").get(pk=email.params["request"])


@outbox.builder(REQUEST_ACKNOWLEDGEMENT, label="Request acknowledgement")
def request_acknowledgement(email: OutboxEmail):
    request = _request(email)
    # The subject never carries what the requester typed: the form must not become a way to send strangers a
    # message of one's own under the portal's name.
    return outbox.message(
        subject=f"We have received your request (reference {request.reference})",
        body=render_to_string("representation/email/request_acknowledgement.txt", {"request": request}),
        to=[request.requester_email],
    )


@outbox.builder(REQUEST_OUTCOME, label="Request outcome")
def request_outcome(email: OutboxEmail):
    request = _request(email)
    if not request.outcome:
        raise outbox.Skip("the request has not been triaged")
    meeting = None
    if request.outcome == Request.Outcome.AGENDA:
        item = (
            LeadershipAgendaItem.objects.filter(request=request, is_archived=False)
            .select_related("meeting").order_by("meeting__meets_on").first()
        )
        meeting = item.meeting if item else None
    return outbox.message(
        subject=f"Our answer to your request (reference {request.reference})",
        body=render_to_string("representation/email/request_outcome.txt", {"request": request, "meeting": meeting}),
        to=[request.requester_email],
    )


# News (members.notifications): an action given to someone, for its owner and support person.
ACTION_ASSIGNED = notifications.register(
    "representation.action_assigned", label="An action is given to you", who="its owner and support person")


@outbox.builder(ACTION_ASSIGNED, label="Action given")
def action_assigned(email: OutboxEmail):
    action = Action.objects.open().select_related("owner", "support", "created_by").filter(
        pk=email.params["action"]).first()
    return notifications.news_email(
        email, thing=action, subject=f"Action for you: {action.title if action else ''}",
        template="representation/email/action_assigned.txt",
        context={"action": action, "is_owner": action is not None and email.params["recipient"] == action.owner_id,
                 "link": settings.SITE_URL + reverse("representation:action", args=[action.pk]) if action else ""},
    )


@outbox.builder(FEEDBACK_REMINDER, label="Feedback reminder")
def feedback_reminder(email: OutboxEmail):
    """The chair's reminder (gpleadership.reminders) to a forum's representatives that a meeting's feedback is late."""
    meeting = Meeting.objects.select_related("forum").filter(pk=email.params["meeting"]).first()
    if meeting is None or meeting.is_archived or meeting.feedback_completed_at is not None:
        raise outbox.Skip("the feedback has been filed, or the meeting is gone")
    recipients = sorted(set(
        Representative.objects.current().filter(forum=meeting.forum, user__is_active=True)
        .values_list("user__email", flat=True)
    ))
    if not recipients:
        raise outbox.Skip("the forum has no representative now")
    body = render_to_string(
        "representation/email/feedback_reminder.txt",
        {"meeting": meeting, "link": settings.SITE_URL + reverse("representation:meeting", args=[meeting.pk])},
    )
    return outbox.message(subject=f"Feedback due: {meeting.forum.name}, {meeting.held_on:%-d %B %Y}", body=body,
                          to=recipients)
