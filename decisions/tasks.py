"""Background work for decisions: closing rounds whose deadline has passed, and queueing their reminders.

Thin: the services do the work; the emails go through the outbox (members.outbox), once per seat and kind.
"""

from celery import shared_task

from members import places

from . import emails, services


@shared_task
def round_housekeeping() -> dict:
    """Hourly, in every place: close rounds whose deadline passed (without consensus if seats are missing), then
    remind seats that have not responded when a deadline is two days away or less."""
    done = places.each_place(_housekeeping)
    return {"closed": sum(d["closed"] for d in done.values()), "reminded": sum(d["reminded"] for d in done.values())}


def _housekeeping() -> dict:
    closed = services.rounds_close_overdue()
    reminded = 0
    for round_id in services.rounds_due_a_reminder():
        reminded += len(services.round_emails_queue(round_id=round_id, kind=emails.ROUND_REMINDER))
    return {"closed": closed, "reminded": reminded}
