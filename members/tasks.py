"""Background work of the base app: sending the outbox. Thin tasks: they call members.outbox."""

from celery import shared_task

from . import outbox


# acks_late with reject_on_worker_lost: a task whose worker dies is handed to another worker, and the row's lease
# (not the task) decides whether sending is still needed, so a redelivered task never sends twice.
@shared_task(acks_late=True, reject_on_worker_lost=True)
def send_outbox_email(email_id: int) -> str:
    return outbox.send_once(email_id)


# A batch (the weekly digest's rows) is sent over one SMTP connection; each row keeps its own lease, so a batch
# redelivered after its worker died sends only the rows whose lease ran out.
@shared_task(acks_late=True, reject_on_worker_lost=True)
def send_outbox_batch(email_ids: list[int]) -> dict:
    return outbox.send_batch(email_ids)


@shared_task
def sweep_outbox() -> dict:
    return outbox.sweep()
