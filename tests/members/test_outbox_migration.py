"""The per-app "sent once" tables move into the one outbox without losing what was sent or what still waits."""

from datetime import date, timedelta

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

BEFORE = [("members", "0001_initial"), ("gpleadership", "0001_initial"), ("representation", "0002_request_form_limits"),
          ("decisions", "0001_initial"), ("priorities", "0001_initial")]


@pytest.mark.django_db(transaction=True)
def test_old_digest_and_request_email_rows_become_outbox_rows():
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps
    User = old.get_model("members", "User")
    person = User.objects.create(email="pm@example.nhs.uk", full_name="Priya", password="!")
    week = date(2026, 11, 23)
    DigestDelivery = old.get_model("gpleadership", "DigestDelivery")
    DigestDelivery.objects.create(week_starting=week, recipient=person, sent_at=timezone.now())
    DigestDelivery.objects.create(week_starting=week + timedelta(days=7), recipient=person, error="SMTP refused")
    Request = old.get_model("representation", "Request")
    request = Request.objects.create(
        requester_name="Tess", requester_email="tess@trust.example.nhs.uk", requester_role="Director",
        organisation_name="Trust", summary="Letters", details="Why", needed_by=date(2027, 1, 1),
        triage_due_on=date(2026, 12, 10),
    )
    RequestEmail = old.get_model("representation", "RequestEmail")
    RequestEmail.objects.create(request=request, kind="ack", sent_at=timezone.now())
    RequestEmail.objects.create(request=request, kind="outcome", claimed_at=timezone.now())  # its worker died

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())

    from members.models import OutboxEmail

    rows = {row.key: row for row in OutboxEmail.objects.all()}
    sent_digest = rows[f"gpleadership.digest:{week.isoformat()}:{person.pk}"]
    assert sent_digest.status == "sent" and sent_digest.recipient_id == person.pk
    waiting_digest = rows[f"gpleadership.digest:{(week + timedelta(days=7)).isoformat()}:{person.pk}"]
    assert waiting_digest.status == "pending" and waiting_digest.last_error == "SMTP refused"
    assert rows[f"representation.request_acknowledgement:{request.pk}"].status == "sent"
    # The claimed-but-unsent outcome waits for the sweep, which sends it (or skips it if no longer needed).
    assert rows[f"representation.request_outcome:{request.pk}"].status == "pending"
    assert len(rows) == 4
