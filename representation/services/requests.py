"""Requests: the single point of access."""

import uuid
from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from members import outbox, papers
from members.models import ICS, Organisation, Place, User
from members.places import using

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
    routed_from_ics: ICS | None = None, routing_key: uuid.UUID | None = None, file=None,
) -> Request:
    """A system partner's request arrives in the place being worked in; they get an acknowledgement by email. A form
    (its nonce) is sent once. `routed_from_ics` and `routing_key` mark one copy of a request sent to several places
    (request_submit_routed). The partner may send one paper with it (`file`)."""
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
                routed_from_ics=routed_from_ics, routing_key=routing_key,
            )
    except IntegrityError:
        raise ValidationError(FORM_ALREADY_SENT) from None
    if file:
        papers.paper_add(owner=request, file=file, uploaded_by=None)
    _queue_request_email(request, emails.REQUEST_ACKNOWLEDGEMENT)
    return request


NO_PLACE_CHOSEN = "Choose the places the request is for, or all places."


def check_request_routing(*, ics: ICS, to_places: list[Place]) -> None:
    """A request through an ICS goes to one or more of that ICS's own places."""
    if not to_places:
        raise ValidationError({"places": NO_PLACE_CHOSEN})
    if any(place.ics_id != ics.pk for place in to_places):
        raise ValidationError({"places": f"Choose places of {ics.name} only."})


@transaction.atomic
def request_submit_routed(
    *, ics: ICS, to_places: list[Place], form_nonce: str | None = None, received_at: datetime | None = None,
    file=None, **fields,
) -> list[Request]:
    """An ICS-level partner's request to several places of the ICS: one copy per place, made in that place by
    request_submit (its own reference, its own acknowledgement, its own triage), linked by one routing key.

    One submission is one nonce, however many copies it makes. The nonce is stored on the first copy only: the
    column is unique, so it can be held once, and every copy is made in this one transaction. A replay of the form
    fails on that first insert (or on the check before it), and so makes no copy at all. Two copies of the same
    form sent at once race to the unique index: the second waits for the first transaction and, once it commits,
    fails there too and rolls back whole, so neither race nor replay ever makes a second set. (A nonce per copy, or
    a nonce and place pair, would not do: a replay to another choice of places would then be accepted.)

    A paper sent with it is stored once, with the first copy, and shared by the others."""
    check_request_routing(ics=ics, to_places=to_places)
    received_at = received_at or timezone.now()
    routing_key = uuid.uuid4()
    made = []
    shared = None
    for place in sorted(to_places, key=lambda p: p.pk):
        with using(place):
            copy = request_submit(
                **fields, received_at=received_at, form_nonce=None if made else form_nonce,
                routed_from_ics=ics, routing_key=routing_key, file=None if made else file,
            )
            if not made and file:
                shared = copy.papers.get()
            elif shared is not None:
                papers.paper_share(paper=shared, owner=copy)
            made.append(copy)
    return made


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
