from celery import shared_task

from members import places

from . import digest


@shared_task
def send_weekly_digests() -> int:
    """Monday morning: record this week's digests in the outbox; each is sent by its own task (members.tasks)."""
    week = digest.week_starting()
    return sum(len(ids) for ids in places.each_place(lambda: digest.digest_schedule(week=week)).values())
