"""The emails of the decisions app, built when they are sent (members.outbox)."""

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse

from members import email_links, notifications, outbox
from members.models import OutboxEmail, Seat

from .models import Position, Round

ROUND_OPENED = "decisions.round_opened"
ROUND_REMINDER = "decisions.round_reminder"


def round_email_key(*, round_id: int, seat_id: int, kind: str) -> str:
    return f"{kind}:{round_id}:seat:{seat_id}"


def _round_email(email: OutboxEmail, *, reminder: bool):
    round = Round.objects.select_related("item").filter(pk=email.params["round"]).first()
    seat = Seat.objects.select_related("holder", "deputy").filter(pk=email.params["seat"]).first()
    if round is None or seat is None or not round.is_open:
        raise outbox.Skip("the round has closed")
    if reminder and Position.objects.filter(round=round, seat=seat).exists():
        raise outbox.Skip("the seat has responded")
    recipients = [person.email for person in (seat.holder, seat.deputy) if person is not None and person.is_active]
    if not recipients:
        raise outbox.Skip("nobody holds the seat")
    context = {
        "round": round,
        "item": round.item,
        "seat": seat,
        "link": respond_link(round_id=round.pk, seat_id=seat.pk),
    }
    if reminder:
        subject = f"Reminder: {seat.title} has not responded on {round.item.title}"
        body = render_to_string("decisions/email/round_reminder.txt", context)
    else:
        subject = f"Consensus check open: {round.item.title}"
        body = render_to_string("decisions/email/round_opened.txt", context)
    return outbox.message(subject=subject, body=body, to=recipients)


@outbox.builder(ROUND_OPENED, label="Consensus check opened")
def round_opened(email: OutboxEmail):
    return _round_email(email, reminder=False)


@outbox.builder(ROUND_REMINDER, label="Consensus check reminder")
def round_reminder(email: OutboxEmail):
    return _round_email(email, reminder=True)


# One-click links (members.email_links): what the digest and the round emails offer to do.
ACKNOWLEDGE_LINK = "acknowledge"
RESPOND_LINK = "respond"


def acknowledge_link(*, item_id: int, practice_id: int) -> str:
    """"Acknowledge for <practice>", sent to the people who work for it."""
    return email_links.url("decisions:acknowledge_by_link", ACKNOWLEDGE_LINK, item=item_id, practice=practice_id)


def respond_link(*, round_id: int, seat_id: int) -> str:
    """"Respond for <seat>", sent to the seat's holder and deputy."""
    return email_links.url("decisions:respond_by_link", RESPOND_LINK, round=round_id, seat=seat_id)


# News (members.notifications): a decision published, to the practices and the group.
DECISION_PUBLISHED = notifications.register(
    "decisions.published", label="A decision is published", who="everyone at a practice, and the group")


@outbox.builder(DECISION_PUBLISHED, label="Decision published")
def decision_published(email: OutboxEmail):
    from .models import DecisionItem

    item = DecisionItem.objects.published().filter(pk=email.params["item"]).first()
    return notifications.news_email(
        email, thing=item, subject=f"Decision published: {item.title if item else ''}",
        template="decisions/email/published.txt",
        context={"item": item, "link": settings.SITE_URL + reverse("decisions:item", args=[item.pk]) if item else ""},
    )


# News: a block closes a round (every seat asked), and a round reaches consensus (the group).
ROUND_BLOCKED = notifications.register(
    "decisions.round_blocked", label="A block closes a consensus check", who="every seat asked in the round")
ROUND_CONSENSUS = notifications.register(
    "decisions.round_consensus", label="A consensus check reaches consensus", who="the group")


def _round_news(email: OutboxEmail, *, template: str, subject: str):
    the_round = Round.objects.select_related("item").filter(pk=email.params["round"]).first()
    context = {}
    if the_round is not None:
        context = {
            "round": the_round, "item": the_round.item,
            "blocking": the_round.positions.filter(stance=Position.Stance.BLOCK).select_related("seat").first(),
            "link": settings.SITE_URL + reverse("decisions:item", args=[the_round.item_id]),
        }
    return notifications.news_email(email, thing=the_round, template=template, context=context,
                                    subject=f"{subject}: {the_round.item.title if the_round else ''}")


@outbox.builder(ROUND_BLOCKED, label="Consensus check blocked")
def round_blocked(email: OutboxEmail):
    return _round_news(email, template="decisions/email/round_blocked.txt", subject="Blocked")


@outbox.builder(ROUND_CONSENSUS, label="Consensus reached")
def round_consensus(email: OutboxEmail):
    return _round_news(email, template="decisions/email/round_consensus.txt", subject="Consensus reached")
