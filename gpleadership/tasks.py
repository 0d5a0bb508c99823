from celery import shared_task
from django.db import transaction

from . import digest


@shared_task
def send_weekly_digests() -> int:
    ids = digest.digest_schedule(week=digest.week_starting())
    for delivery_id in ids:
        transaction.on_commit(lambda delivery_id=delivery_id: send_digest.delay(delivery_id))
    return len(ids)


@shared_task(autoretry_for=(OSError,), retry_backoff=60, max_retries=5)
def send_digest(delivery_id: int) -> bool:
    return digest.digest_send(delivery_id=delivery_id)
