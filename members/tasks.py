"""Background work of the base app: sending the outbox. Thin tasks: they call members.outbox."""

from celery import shared_task

from . import outbox


# acks_late with reject_on_worker_lost: a task whose worker dies is handed to another worker, and the row's lease
# (not the task) decides whether sending is still needed, so a redelivered task never sends twice.
@shared_task(acks_late=True, reject_on_worker_lost=True)
def send_outbox_email(email_id: int) -> str:
    return outbox.send_once(email_id)


@shared_task
def sweep_outbox() -> dict:
    return outbox.sweep()
