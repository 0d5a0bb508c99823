"""Background work for priority setting: closing on time and the 48-hour reminder. Thin: services do the work,
and the emails (receipts, reminders) go through the outbox (members.outbox)."""

from celery import shared_task

from . import services


@shared_task
def close_and_remind() -> dict:
    """Run by the beat every quarter of an hour: count exercises whose time is up, then remind practices."""
    closed = services.close_overdue_exercises()
    reminded = services.reminders_queue()
    return {"closed": closed, "reminders": len(reminded)}
