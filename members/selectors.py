"""Read-only queries other parts of the portal use (the chair's dashboard, the digest)."""

import re
from collections import defaultdict
from datetime import date
from typing import NamedTuple

from django.core.paginator import Paginator
from django.db.models import Count, DateField, Exists, F, OuterRef, Prefetch, Q, Sum, Value, Window
from django.db.models.functions import Cast, Coalesce, Replace, RowNumber
from django.utils import timezone

from . import prepared
from .models import (
    GroupRole,
    InArray,
    Invitation,
    Membership,
    MembershipQuerySet,
    Organisation,
    OutboxEmail,
    Seat,
    User,
    open_practice,
)

# The dashboard's lists below are read from SQL compiled once a day (members.prepared): each is small, and building
# and compiling its query cost more than running it.


def practices_without_voting_contact() -> list[Organisation]:
    """Open practices nobody can vote for: their voice is missing from every priority ballot."""
    def practices():
        contact = Membership.objects.voting_contacts().filter(organisation=OuterRef("pk"))
        return Organisation.objects.open_practices().exclude(Exists(contact)).select_related("pcn").order_by("name")

    return prepared.objects("practices_without_voting_contact", practices)


def vacant_seats() -> list[Seat]:
    return prepared.objects("vacant_seats", lambda: Seat.objects.filter(is_active=True, holder__isnull=True)
                            .select_related("organisation").order_by("title"))


def lapsed_invitations(*, days: int = 30) -> list[Invitation]:
    """Invitations that expired unused recently: someone the group wanted is not on the portal."""
    now = timezone.now()
    return prepared.objects(
        "lapsed_invitations", lambda now, start: Invitation.objects.unused().filter(
            expires_at__lte=now, expires_at__gte=start).select_related("organisation").order_by("-expires_at"),
        now=now, start=now - timezone.timedelta(days=days))


def _memberships_of(organisations) -> MembershipQuerySet:
    """The memberships of `organisations` (a QuerySet of the place's organisations), looked up by their ids
    (InArray). A membership belongs to its organisation's place, so these are the place's: read from the QuerySet
    itself rather than the scoped manager, whose join to every organisation PostgreSQL read whole."""
    return MembershipQuerySet(Membership).filter(InArray(F("organisation"), organisations.order_by().values("pk")))


def place_memberships() -> MembershipQuerySet:
    """The memberships of the place's organisations, looked up by their ids (_memberships_of): who works for the
    place (the seat candidates, the digest's recipients)."""
    return _memberships_of(Organisation.objects.all())


def seat_candidates():
    """People who may hold, deputise for or be given a role on the group: those working for a member
    organisation now, or already on the group."""
    # One subquery of both kinds of people (a UNION): with two subqueries joined by OR, PostgreSQL read every person
    # of every place (2.1 ms at national scale, against 0.6 ms). Each side looked up by ids (InArray): planned as joins,
    # the people and the memberships of every place were read whole (2.5 ms against 1.3 ms).
    working = place_memberships().current()
    return (
        User.objects.filter(is_active=True)
        # UNION ALL: a person in both is in the array twice, which finds them once.
        .filter(InArray(F("pk"), working.order_by().values("user").union(
            GroupRole.objects.live().order_by().values("user"), all=True)))
        .order_by("full_name", "email")
    )


class ManagedSeat(NamedTuple):
    """A seat as the chair's manage page shows it (members.templatetags.group_manage.seat_rows)."""

    pk: int
    title: str
    kind_label: str
    is_active: bool
    organisation_name: str | None
    holder_name: str  # "" when vacant
    deputy_name: str  # "" when there is none


class ManagedRole(NamedTuple):
    """A live role on the group as the chair's manage page shows it (group_manage.role_rows)."""

    pk: int
    person: str
    role_label: str
    started_on: date


# What each row of group_manage_rows' query is.
_SEAT, _ROLE = "seat", "role"


def group_manage_rows() -> tuple[list[ManagedSeat], list[ManagedRole]]:
    """The group's seats, active first, then by title, and its live roles, by role, then by the person's name: in
    one query (UNION ALL, each row marked with which it is and numbered in its own order; a round trip fewer than
    two, and plain rows rather than a seat's four model instances), from SQL compiled once a day (members.prepared).
    A person is named as User.get_full_name names them (User.name_of)."""
    def both():
        seats = (
            Seat.objects.order_by()
            .annotate(rank=Window(RowNumber(), order_by=[F("is_active").desc(), F("title").asc()]))
            .values_list(Value(_SEAT), "rank", "pk", "title", "kind", "is_active", "organisation__name",
                         "holder__full_name", "holder__email", "deputy__full_name", "deputy__email",
                         # Cast: a bare parameter in a column of UNION ALL is typed as text when prepared.
                         Cast(Value(None), output_field=DateField())))
        roles = (
            GroupRole.objects.live().order_by()
            .annotate(rank=Window(RowNumber(), order_by=[F("role").asc(), F("user__full_name").asc()]))
            .values_list(Value(_ROLE), "rank", "pk", "role", Value(""), Value(True), Value(""),
                         "user__full_name", "user__email", Value(""), Value(""), "started_on"))
        return seats.union(roles, all=True)

    seats, roles = [], []
    for (which, _rank, pk, title, kind, is_active, organisation, holder, holder_email, deputy, deputy_email,
         started_on) in sorted(prepared.objects("group_manage_rows", both), key=lambda row: (row[0], row[1])):
        if which == _SEAT:
            seats.append(ManagedSeat(
                pk, title, Seat.Kind(kind).label, is_active, organisation,
                User.name_of(holder, holder_email) if holder_email is not None else "",
                User.name_of(deputy, deputy_email) if deputy_email is not None else ""))
        else:
            roles.append(ManagedRole(pk, User.name_of(holder, holder_email), str(GroupRole.Role(title).label),
                                     started_on))
    return seats, roles


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
    return prepared.objects(("failed_emails", limit), lambda: OutboxEmail.objects.failed().select_related(
        "recipient").order_by("-created_at")[:limit])


def places_of(user):
    """The places a person works in: where they hold a live group role or work for an organisation now. Read
    across places on purpose (the place switcher, the chooser), so it does not depend on the place being worked in."""
    from .access import place_ids_of
    from .models import Place
    from .places import unscoped

    ids = place_ids_of(user)
    if not ids:
        return []
    with unscoped():
        return list(Place.objects.filter(pk__in=ids).select_related("ics").order_by("name"))


def directory_totals() -> dict:
    """The place's open practices, their PCNs and registered patients, and the current PCNs the directory lists
    (`listed_pcns`): one query, from prepared SQL."""
    return prepared.counts("directory.totals", lambda: prepared.one_row(
        Organisation.objects.current(), practices=Count("pk", filter=open_practice()),
        patients=Coalesce(Sum("list_size", filter=open_practice()), 0),
        pcns=Count("pcn", distinct=True, filter=open_practice() & Q(pcn__is_archived=False)),
        listed_pcns=Count("pk", filter=Q(pk__in=directory_pcns().values("pk"))),
    ))


def _current_people(memberships=None):
    # Only what the directory shows (names, roles and what each person shares): a page of it holds hundreds.
    memberships = Membership.objects if memberships is None else memberships
    return memberships.current().select_related("user").order_by("user__full_name").only(
        "organisation_id", "role_title", "is_voting_contact",
        *(f"user__{name}" for name in ("full_name", "email", "phone", "shares_email", "shares_phone")),
    )


class DirectoryPerson(NamedTuple):
    """A person of an organisation as the directory shows them: their name, role there, whether they are its voting
    contact, and the email address and phone number they share ("" for what they do not)."""

    name: str
    role_title: str
    is_voting_contact: bool
    email: str
    phone: str

    @classmethod
    def of(cls, membership) -> "DirectoryPerson":
        """The person of a Membership instance (with its user)."""
        user = membership.user
        return cls(user.get_full_name(), membership.role_title, membership.is_voting_contact, user.shared_email,
                   user.shared_phone)

    @classmethod
    def of_row(cls, role_title, is_voting_contact, full_name, email, phone, shares_email, shares_phone):
        """The person of a row of _people_rows (without its organisation's id)."""
        return cls(User.name_of(full_name, email), role_title, is_voting_contact, User.shared(email, shares_email),
                   User.shared(phone, shares_phone))


def _people_rows(memberships):
    # The directory's people as plain rows, each its organisation's id and then DirectoryPerson.of_row's values: a
    # page holds dozens, and a membership and a person instance each cost more than writing them (issue 12).
    return _current_people(memberships).values_list(
        "organisation_id", "role_title", "is_voting_contact",
        *(f"user__{name}" for name in ("full_name", "email", "phone", "shares_email", "shares_phone")))


class DirectoryOrganisation:
    """An organisation as a directory page lists it, read as a row (directory_page): a PCN, a practice or another
    member organisation, with its people (`current_memberships`: DirectoryPerson); a PCN also with its
    `practice_list`, `practice_count`, `patients` and `active_seats` (Seat instances)."""

    __slots__ = ("pk", "kind", "name", "ods_code", "list_size", "pcn_id", "current_memberships", "practice_list",
                 "practice_count", "patients", "active_seats")
    COLUMNS = ("pk", "kind", "name", "ods_code", "list_size", "pcn_id")

    def __init__(self, pk, kind, name, ods_code, list_size, pcn_id):
        self.pk, self.kind, self.name, self.ods_code, self.list_size, self.pcn_id = (
            pk, kind, name, ods_code, list_size, pcn_id)
        self.current_memberships = []

    def get_kind_display(self) -> str:
        return dict(Organisation.Kind.choices).get(self.kind, self.kind)


def people_prefetch():
    """Each organisation's current memberships and their people, by name, as `current_memberships`."""
    return Prefetch("memberships", queryset=_current_people(), to_attr="current_memberships")


def directory_pcns():
    """The current PCNs, by name: the directory's pages."""
    return Organisation.objects.current().pcns().order_by("name")


def _directory_listed(pcns, *, with_rest: bool, with_pcns: bool = False):
    """The organisations a directory page lists for `pcns` (the ids of PCNs: a list, or a subquery): their open
    practices; with_rest, also the open practices in no PCN and the other current organisations; with_pcns, the PCNs
    too. One filter of the place's organisations: a union of QuerySets repeats the place's condition for each, and
    PostgreSQL read the place's organisations once for each (0.45 ms at national scale, against 0.34 ms)."""
    listed = open_practice() & Q(pcn__in=pcns)
    if with_rest:
        listed |= (open_practice() & Q(pcn__isnull=True)) | (
            Q(is_archived=False) & ~Q(kind__in=[Organisation.Kind.PRACTICE, Organisation.Kind.PCN]))
    if with_pcns:
        listed |= Q(pk__in=pcns)
    return Organisation.objects.filter(listed)


def _directory_queries(pcns, *, with_rest: bool, with_pcns: bool) -> dict:
    """The queries of directory_page for `pcns` (the ids of its PCNs: a list, or a subquery); with_pcns, the
    organisations are the PCNs too."""
    listed = _directory_listed(pcns, with_rest=with_rest, with_pcns=with_pcns)
    return {
        "organisations": lambda: listed.order_by("kind", "name").values_list(*DirectoryOrganisation.COLUMNS),
        "seats": lambda: Seat.objects.filter(is_active=True, organisation__in=pcns).select_related("holder", "deputy"),
        # The people of the same organisations (and of the PCNs), by one subquery of their ids: with two joined by
        # OR, PostgreSQL read every membership of every place (1.9 ms at national scale).
        "people": lambda: _people_rows(_memberships_of(_directory_listed(pcns, with_rest=with_rest,
                                                                         with_pcns=True))),
    }


def directory_page(number, *, count: int, size: int):
    """A page of the directory: a Django Page of `size` current PCNs (DirectoryOrganisation) by name (`count` in
    all, directory_totals's `listed_pcns`), page `number` as the address gives it, each PCN filled with
    `practice_list` (its open practices, by name), `practice_count` and `patients` (theirs), `active_seats` (its seats
    on the group) and everyone's `current_memberships`; and the first page's `unassigned` (open practices in no
    PCN) and `others` (the other current organisations, by kind and name), empty on later pages. Three queries,
    four on a later page; the organisations and people read as rows, not instances. The first page, as most people
    open it, from prepared SQL (members.prepared): its PCNs are named by a subquery of their ids, the same SQL in
    every place, and come with the organisations."""
    page = Paginator(range(count), size).get_page(number)
    if page.number == 1:
        def run(name):
            return prepared.objects(("directory", name, size), lambda: _directory_queries(
                directory_pcns().values("pk")[:size], with_rest=True, with_pcns=True)[name]())

        organisations = [DirectoryOrganisation(*row) for row in run("organisations")]
        pcns = [organisation for organisation in organisations if organisation.kind == Organisation.Kind.PCN]
        organisations = [organisation for organisation in organisations if organisation.kind != Organisation.Kind.PCN]
    else:
        pcns = [DirectoryOrganisation(*row) for row in directory_pcns().values_list(
            *DirectoryOrganisation.COLUMNS)[page.start_index() - 1:page.end_index()]]
        queries = _directory_queries([pcn.pk for pcn in pcns], with_rest=False, with_pcns=False)

        def run(name):
            return list(queries[name]())

        organisations = [DirectoryOrganisation(*row) for row in run("organisations")]
    seats = defaultdict(list)
    for seat in run("seats"):
        seats[seat.organisation_id].append(seat)
    by_pk = {organisation.pk: organisation for organisation in [*pcns, *organisations]}
    for organisation_id, *person in run("people"):
        by_pk[organisation_id].current_memberships.append(DirectoryPerson.of_row(*person))
    of_pcn, unassigned, others = defaultdict(list), [], []
    for organisation in organisations:
        if organisation.kind != Organisation.Kind.PRACTICE:
            others.append(organisation)
        elif organisation.pcn_id is None:
            unassigned.append(organisation)
        else:
            of_pcn[organisation.pcn_id].append(organisation)
    for pcn in pcns:
        pcn.active_seats = seats[pcn.pk]
        pcn.practice_list = of_pcn[pcn.pk]
        pcn.practice_count = len(pcn.practice_list)
        pcn.patients = sum(practice.list_size or 0 for practice in pcn.practice_list)
    page.object_list = pcns
    return page, unassigned, others


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
