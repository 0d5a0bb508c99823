from celery import shared_task

from . import digest


@shared_task
def send_weekly_digests() -> int:
    """Monday morning: record this week's digests in the outbox; each is sent by its own task (members.tasks)."""
    return len(digest.digest_schedule(week=digest.week_starting()))
