"""Requests: the single point of access."""

from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from members import outbox
from members.models import Organisation, User

from .. import emails
from ..models import TRIAGE_TARGET_WORKING_DAYS, Request, add_working_days
from .agenda import agenda_gather, leadership_meeting_for_partners


def triage_due_on(received_at: datetime) -> date:
    return add_working_days(timezone.localtime(received_at).date(), TRIAGE_TARGET_WORKING_DAYS)


def _queue_request_email(request: Request, kind: str) -> None:
    outbox.enqueue(key=emails.request_key(request_id=request.pk, kind=kind), kind=kind,
                   params={"request": request.pk})


FORM_ALREADY_SENT = (
    "This form has already been sent, so it was not sent again. To send another request, check your answers "
    "and send the form below."
)


def check_request_fields(*, needed_by: date, received_at: datetime | None = None) -> None:
    """What a request must say, whoever sends it: the public form asks this too, to show every problem at once."""
    received_at = received_at or timezone.now()
    if needed_by < timezone.localtime(received_at).date():
        raise ValidationError({"needed_by": "The date you need a response by must be today or in the future."})


@transaction.atomic
def request_submit(
    *, requester_name: str, requester_email: str, requester_role: str, organisation_name: str, summary: str,
    details: str, needed_by: date, received_at: datetime | None = None, form_nonce: str | None = None,
) -> Request:
    """A system partner's request arrives; they get an acknowledgement by email. A form (its nonce) is sent once."""
    received_at = received_at or timezone.now()
    check_request_fields(needed_by=needed_by, received_at=received_at)
    if form_nonce and Request.objects.filter(form_nonce=form_nonce).exists():
        raise ValidationError(FORM_ALREADY_SENT)
    try:
        # The savepoint keeps the caller's transaction usable if two copies of one form race to the constraint.
        with transaction.atomic():
            request = Request.objects.create(
                requester_name=requester_name.strip(), requester_email=requester_email.strip().lower(),
                requester_role=requester_role.strip(), organisation_name=organisation_name.strip(),
                summary=summary.strip(), details=details.strip(), needed_by=needed_by, received_at=received_at,
                triage_due_on=triage_due_on(received_at), form_nonce=form_nonce or None,
            )
    except IntegrityError:
        raise ValidationError(FORM_ALREADY_SENT) from None
    _queue_request_email(request, emails.REQUEST_ACKNOWLEDGEMENT)
    return request


def check_awaiting_triage(request: Request) -> None:
    """A request is triaged once: the requester has been told its outcome."""
    if request.outcome:
        raise ValidationError("This request has already been triaged.")


@transaction.atomic
def request_triage(
    *, request: Request, triaged_by: User, outcome: str, outcome_reason: str = "",
    redirected_to: Organisation | None = None, today: date | None = None,
) -> Request:
    """Triage a request to exactly one outcome; the requester is told it by email. A request is triaged once."""
    request = Request.objects.select_for_update().get(pk=request.pk)
    check_awaiting_triage(request)
    if outcome not in Request.Outcome.values:
        raise ValidationError({"outcome": "Choose an outcome."})
    outcome_reason = outcome_reason.strip()
    errors = {}
    if outcome in Request.REASON_REQUIRED and not outcome_reason:
        errors["outcome_reason"] = "Say why, so that the requester knows what to do next."
    if outcome == Request.Outcome.REDIRECTED:
        if redirected_to is None:
            errors["redirected_to"] = "Choose the member organisation the request goes to."
        elif redirected_to.kind in Organisation.SYSTEM_PARTNER_KINDS:
            errors["redirected_to"] = "Redirect to a member organisation of general practice."
    else:
        redirected_to = None
    if errors:
        raise ValidationError(errors)
    request.outcome = outcome
    request.outcome_reason = outcome_reason
    request.redirected_to = redirected_to
    request.triaged_by = triaged_by
    request.triaged_at = timezone.now()
    request.save(update_fields=["outcome", "outcome_reason", "redirected_to", "triaged_by", "triaged_at"])
    if outcome == Request.Outcome.AGENDA:
        meeting = leadership_meeting_for_partners(today=today)
        agenda_gather(meeting=meeting)
    _queue_request_email(request, emails.REQUEST_OUTCOME)
    return request
