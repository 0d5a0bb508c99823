"""Forums, representatives, leads and relationships."""

from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from members.models import Organisation, User
from members.places import current_place

from ..models import Forum, Relationship, RepresentationLead, Representative
from ._common import save_changes


@transaction.atomic
def forum_create(
    *, name: str, host: Organisation, cadence: str, is_formal_seat: bool, purpose: str = "",
    feedback_due_days: int = 7, for_whole_ics: bool = False,
) -> Forum:
    """Add a forum of the place being worked in or, `for_whole_ics`, of its whole ICS: one forum every place of the
    ICS sees, where one representative speaks for all of them."""
    name = name.strip()
    if Forum.objects.filter(name__iexact=name).exists():
        raise ValidationError({"name": "There is already a forum with this name."})
    where = {}
    if for_whole_ics:
        place = current_place()
        if place is None or place.ics_id is None:
            raise ValidationError({"for_whole_ics": "This place belongs to no ICS yet, so its forums are its own."})
        where = {"place": None, "ics_id": place.ics_id}
    return Forum.objects.create(
        name=name, host=host, cadence=cadence.strip(), is_formal_seat=is_formal_seat, purpose=purpose.strip(),
        feedback_due_days=feedback_due_days, **where,
    )


@transaction.atomic
def representative_appoint(
    *, forum: Forum, user: User, role: str, term_starts_on: date, term_ends_on: date
) -> Representative:
    """Appoint a representative or deputy; whoever held that role on the forum stands down the day before."""
    if term_ends_on <= term_starts_on:
        raise ValidationError({"term_ends_on": "The term must end after it starts."})
    Forum.objects.select_for_update().get(pk=forum.pk)
    for previous in Representative.objects.current().select_for_update().filter(forum=forum, role=role):
        previous.stood_down_on = max(term_starts_on - timedelta(days=1), previous.term_starts_on)
        previous.save(update_fields=["stood_down_on"])
    return Representative.objects.create(
        forum=forum, user=user, role=role, term_starts_on=term_starts_on, term_ends_on=term_ends_on
    )


@transaction.atomic
def representative_stand_down(*, representative: Representative, stood_down_on: date | None = None) -> Representative:
    representative = Representative.objects.select_for_update().get(pk=representative.pk)
    if representative.stood_down_on is None:
        representative.stood_down_on = max(stood_down_on or timezone.localdate(), representative.term_starts_on)
        representative.save(update_fields=["stood_down_on"])
    return representative


def lead_name(*, user: User) -> RepresentationLead:
    """Name a representation lead in a free slot. The database refuses a third lead or the same person twice."""
    try:
        with transaction.atomic():
            taken = set(
                RepresentationLead.objects.current()
                .select_for_update()
                .values_list("slot", flat=True)
            )
            free = [slot for slot in RepresentationLead.Slot.values if slot not in taken]
            if not free:
                raise ValidationError("The group already has two representation leads. End one first.")
            return RepresentationLead.objects.create(user=user, slot=free[0])
    except IntegrityError:
        raise ValidationError("This person is already a representation lead, or both places are taken.") from None


@transaction.atomic
def lead_end(*, lead: RepresentationLead) -> RepresentationLead:
    lead = RepresentationLead.objects.select_for_update().get(pk=lead.pk)
    if lead.ended_on is None:
        lead.ended_on = timezone.localdate()
        lead.save(update_fields=["ended_on"])
    return lead


@transaction.atomic
def forum_update(
    *, forum: Forum, name: str, host: Organisation, cadence: str, is_formal_seat: bool, purpose: str = "",
    feedback_due_days: int = 7,
) -> Forum:
    """Correct a forum's details. Meetings already added keep the feedback due date they were given."""
    forum = Forum.objects.select_for_update().get(pk=forum.pk)
    name = name.strip()
    if Forum.objects.filter(name__iexact=name).exclude(pk=forum.pk).exists():
        raise ValidationError({"name": "There is already a forum with this name."})
    save_changes(forum, {
        "name": name, "host": host, "cadence": cadence.strip(), "is_formal_seat": is_formal_seat,
        "purpose": purpose.strip(), "feedback_due_days": feedback_due_days,
    })
    return forum


@transaction.atomic
def forum_archive(*, forum: Forum) -> Forum:
    """Take a forum off the list. Nothing is deleted: its meetings, briefings and feedback stay on record."""
    forum = Forum.objects.select_for_update().get(pk=forum.pk)
    save_changes(forum, {"is_archived": True})
    return forum


@transaction.atomic
def relationship_record(
    *, organisation: Organisation, contact_name: str, contact_role: str, held_by: User, notes: str = ""
) -> Relationship:
    return Relationship.objects.create(
        organisation=organisation, contact_name=contact_name.strip(), contact_role=contact_role.strip(),
        held_by=held_by, notes=notes.strip(),
    )


@transaction.atomic
def relationship_update(
    *, relationship: Relationship, organisation: Organisation, contact_name: str, contact_role: str, held_by: User,
    notes: str = "",
) -> Relationship:
    relationship = Relationship.objects.select_for_update().get(pk=relationship.pk)
    save_changes(relationship, {
        "organisation": organisation, "contact_name": contact_name.strip(), "contact_role": contact_role.strip(),
        "held_by": held_by, "notes": notes.strip(),
    })
    return relationship


@transaction.atomic
def relationship_archive(*, relationship: Relationship) -> Relationship:
    relationship = Relationship.objects.select_for_update().get(pk=relationship.pk)
    save_changes(relationship, {"is_archived": True})
    return relationship
