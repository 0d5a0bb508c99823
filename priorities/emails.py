"""The emails of the priorities app, built when they are sent (members.outbox)."""

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse

from members import email_links, notifications, outbox
from members.models import Membership, Organisation, OutboxEmail

from .models import Ballot, Exercise

RECEIPT = "priorities.receipt"
REMINDER = "priorities.reminder"


def receipt_key(ballot: Ballot) -> str:
    # One receipt per revision of a ballot: a changed ballot gets a new receipt.
    return f"{RECEIPT}:{ballot.exercise_id}:{ballot.practice_id}:{ballot.revision}"


def reminder_key(*, exercise_id: int, practice_id: int) -> str:
    return f"{REMINDER}:{exercise_id}:{practice_id}"


def _practice_email(email: OutboxEmail, *, subject: str, template: str, context: dict, news: str = ""):
    """To the practice's voting contacts; for `news` (a kind of members.notifications) only those who want it at
    once."""
    practice = context["practice"]
    contacts = dict(
        Membership.objects.voting_contacts()
        .filter(organisation=practice, user__is_active=True)
        .values_list("user_id", "user__email")
    )
    wanted = notifications.at_once(contacts, news) if news else set(contacts)
    recipients = sorted(address for pk, address in contacts.items() if pk in wanted)
    if not recipients:
        raise outbox.Skip("the practice has no voting contact" if not contacts else
                          "its voting contacts read of it in the weekly digest")
    context.setdefault("link", settings.SITE_URL + reverse("priorities:exercise", args=[context["exercise"].pk]))
    return outbox.message(subject=subject, body=render_to_string(template, context), to=recipients)


@outbox.builder(RECEIPT, label="Ballot receipt")
def receipt(email: OutboxEmail):
    from .services import describe_choices

    exercise = Exercise.objects.get(pk=email.params["exercise"])
    practice = Organisation.objects.get(pk=email.params["practice"])
    ballot = Ballot.objects.filter(exercise=exercise, practice=practice).select_related("cast_by").first()
    if ballot is None or ballot.revision != email.params["revision"]:
        raise outbox.Skip("superseded: the practice changed its ballot again, and the newer receipt follows")
    titles = dict(exercise.candidates.values_list("pk", "title"))
    return _practice_email(
        email, subject=f"Receipt: {practice.name}'s ballot on {exercise.title}",
        template="priorities/email/receipt.txt",
        context={"exercise": exercise, "practice": practice, "ballot": ballot,
                 "lines": describe_choices(exercise, ballot.choices, titles)},
    )


CLOSING_SOON = notifications.register(
    REMINDER, label="A vote closes within two days and your practice has not voted",
    who="the voting contacts of practices that have not voted")


@outbox.builder(REMINDER, label="Vote reminder")
def reminder(email: OutboxEmail):
    exercise = Exercise.objects.get(pk=email.params["exercise"])
    practice = Organisation.objects.get(pk=email.params["practice"])
    if not exercise.accepts_votes() or exercise.ballots.filter(practice=practice).exists():
        raise outbox.Skip("no longer needed: the practice has voted or voting has closed")
    return _practice_email(
        email, subject=f"Reminder: {practice.name} has not yet voted on {exercise.title}",
        # A reminder the chair sends from the dashboard (gpleadership.reminders) goes at once whatever each person
        # chose for the automatic one: the chair asked for it now.
        template="priorities/email/reminder.txt", news="" if email.params.get("chased") else CLOSING_SOON,
        context={"exercise": exercise, "practice": practice,
                 "link": ballot_link(exercise_id=exercise.pk, practice_id=practice.pk)},
    )


# One-click link (members.email_links): "open the ballot for <practice>".
BALLOT_LINK = "ballot"


def ballot_link(*, exercise_id: int, practice_id: int) -> str:
    return email_links.url("priorities:ballot_by_link", BALLOT_LINK, exercise=exercise_id, practice=practice_id)


# News (members.notifications): a vote opens, to the practices' voting contacts.
VOTE_OPENED = notifications.register(
    "priorities.vote_opened", label="A priority vote opens", who="each practice's voting contact")


@outbox.builder(VOTE_OPENED, label="Vote opened")
def vote_opened(email: OutboxEmail):
    exercise = Exercise.objects.open().filter(pk=email.params["exercise"]).first()
    return notifications.news_email(
        email, thing=exercise, subject=f"Vote open: {exercise.title if exercise else ''}",
        template="priorities/email/opened.txt", context=_exercise_context(exercise))


# News: a vote's result is published, to the practices' voting contacts.
RESULT_PUBLISHED = notifications.register(
    "priorities.result_published", label="The result of a priority vote is published",
    who="each practice's voting contact")


@outbox.builder(RESULT_PUBLISHED, label="Vote result published")
def result_published(email: OutboxEmail):
    exercise = Exercise.objects.filter(pk=email.params["exercise"], status=Exercise.Status.PUBLISHED).first()
    return notifications.news_email(
        email, thing=exercise, subject=f"Result: {exercise.title if exercise else ''}",
        template="priorities/email/result.txt",
        context={**_exercise_context(exercise), "winners": (exercise.result or {}).get("winners", []) if exercise
                 else []})


def _exercise_context(exercise) -> dict:
    if exercise is None:
        return {}
    return {"exercise": exercise, "link": settings.SITE_URL + reverse("priorities:exercise", args=[exercise.pk])}
