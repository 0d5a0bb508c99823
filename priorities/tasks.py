"""Background work for priority setting: closing on time and the 48-hour reminder. Thin: services do the work,
and the emails (receipts, reminders) go through the outbox (members.outbox)."""

from celery import shared_task

from members import places

from . import services


@shared_task
def close_and_remind() -> dict:
    """Run by the beat every quarter of an hour, in every place: count exercises whose time is up, then remind
    practices."""
    done = places.each_place(lambda: (services.close_overdue_exercises(), len(services.reminders_queue())))
    return {"closed": [pk for closed, _ in done.values() for pk in closed],
            "reminders": sum(reminders for _, reminders in done.values())}
