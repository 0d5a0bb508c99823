"""Read-only queries other parts of the portal use (the chair's dashboard, the digest)."""

import re

from django.db.models import Count, Exists, OuterRef, Q, Sum, Value
from django.db.models.functions import Coalesce, Replace
from django.utils import timezone

from .models import GroupRole, Invitation, Membership, Organisation, OutboxEmail, Seat, User


def practices_without_voting_contact():
    """Open practices nobody can vote for: their voice is missing from every priority ballot."""
    contact = Membership.objects.voting_contacts().filter(organisation=OuterRef("pk"))
    return (
        Organisation.objects.open_practices()
        .exclude(Exists(contact))
        .select_related("pcn")
        .order_by("name")
    )


def vacant_seats():
    return Seat.objects.filter(is_active=True, holder__isnull=True).select_related("organisation").order_by("title")


def lapsed_invitations(*, days: int = 30):
    """Invitations that expired unused recently: someone the group wanted is not on the portal."""
    now = timezone.now()
    return (
        Invitation.objects.filter(
            accepted_at__isnull=True, revoked_at__isnull=True, expires_at__lte=now,
            expires_at__gte=now - timezone.timedelta(days=days),
        )
        .select_related("organisation")
        .order_by("-expires_at")
    )


def seat_candidates():
    """People who may hold, deputise for or be given a role on the group: those working for a member
    organisation now, or already on the group."""
    return (
        User.objects.filter(is_active=True)
        .filter(
            Q(pk__in=Membership.objects.current().values("user"))
            | Q(pk__in=GroupRole.objects.live().values("user"))
        )
        .order_by("full_name", "email")
    )


def acting_people():
    """People who act for the group – a live chair, gatekeeper or member role (observers do not act)."""
    from .access import ACTING_ROLES

    return (
        User.objects.filter(is_active=True)
        .filter(pk__in=GroupRole.objects.live().filter(role__in=ACTING_ROLES).values("user"))
        .order_by("full_name", "email")
    )


def failed_emails(*, limit: int = 50):
    """Emails the outbox gave up on, newest first: the chair should know who did not hear from the group."""
    return list(OutboxEmail.objects.failed().select_related("recipient").order_by("-created_at")[:limit])


def places_of(user):
    """The places a person works in: where they hold a live group role or work for an organisation now. Read
    across places on purpose (the place switcher, the chooser), so it does not depend on the place being worked in."""
    from .models import Place
    from .places import unscoped

    if not user.is_authenticated:
        return Place.objects.none()
    today = timezone.localdate()
    live = Q(is_archived=False) & (Q(ended_on__isnull=True) | Q(ended_on__gt=today))
    with unscoped():
        # From the person's few roles and memberships to their places, not from every place to the person: the
        # header asks on every page, and a national host has a hundred places.
        roles = GroupRole.objects.filter(live, user=user).values("place")
        memberships = Membership.objects.filter(live, user=user).values("organisation__place")
        return list(
            Place.objects.filter(Q(pk__in=roles) | Q(pk__in=memberships)).select_related("ics").order_by("name")
        )


def directory_totals() -> dict:
    """The place's open practices, their PCNs and registered patients: one query."""
    return Organisation.objects.open_practices().aggregate(
        practices=Count("pk"), patients=Coalesce(Sum("list_size"), 0),
        pcns=Count("pcn", distinct=True, filter=Q(pcn__is_archived=False)),
    )


def pcns_with_totals():
    """Current PCNs, each with `practice_count` and `patients` of its open practices (counted by the database, so a
    page of PCNs needs no practice loaded to say how big each is)."""
    open_practice = Q(member_practices__is_archived=False, member_practices__status=Organisation.Status.ACTIVE,
                      member_practices__kind=Organisation.Kind.PRACTICE)
    return Organisation.objects.current().pcns().annotate(
        practice_count=Count("member_practices", filter=open_practice),
        patients=Coalesce(Sum("member_practices__list_size", filter=open_practice), 0),
    )


def practice_search(query: str):
    """Open practices whose name contains `query`, whose ODS code is it, or whose postcode starts with it (spaces
    ignored, so "L18" finds L1 8JQ); by name."""
    compact = re.sub(r"\s+", "", query).upper()
    match = Q(name__icontains=query) | Q(ods_code__iexact=compact)
    if compact:
        match |= Q(postcode_compact__startswith=compact)
    return (
        Organisation.objects.open_practices()
        .annotate(postcode_compact=Replace("postcode", Value(" "), Value("")))
        .filter(match).select_related("pcn").order_by("name")
    )
