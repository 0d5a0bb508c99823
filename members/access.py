"""Who may do what. Every view asks these functions; no view checks roles by itself.

Roles are data: a person is a chair because they hold a live chair GroupRole, a practice contact because
they hold a current Membership in a practice.

Each app has one getter per kind of object, `get_<thing>_for(user, pk, *, to="read")`, named for what the caller
wants to do with it. It is the only check a view makes, and the policy is the same in every app:
- an object the person may not see is not found (404), exactly as if it did not exist, so that nobody learns
  what exists by trying numbers;
- an object they may see but may not do `to` to is forbidden (403), so that they are told why nothing happened.
Pages that are not about one object (lists, forms that add something) check the role with `require`.
"""

from typing import NamedTuple

from allauth.account.models import EmailAddress
from django.core.exceptions import PermissionDenied
from django.db.models import IntegerField, Value
from django.http import Http404

from . import places, prepared
from .models import Declaration, GroupRole, ICSLeader, Invitation, Membership, Organisation, Seat

GROUP_ROLES = {GroupRole.Role.CHAIR, GroupRole.Role.GATEKEEPER, GroupRole.Role.MEMBER, GroupRole.Role.OBSERVER}
# Observers see what the group sees but do not act for it.
ACTING_ROLES = {GroupRole.Role.CHAIR, GroupRole.Role.GATEKEEPER, GroupRole.Role.MEMBER}


def remembered(user, name: str, compute):
    """What `compute()` says of this person in the place being worked in, read once per request and place and kept
    on the user object. Roles are per place: the scope is part of the key, so a person's chair role in one place
    is never remembered as theirs in another."""
    cache = user.__dict__.setdefault("_access_cache", {})
    key = (name, places.current_scope())
    if key not in cache:
        cache[key] = compute()
    return cache[key]


class Standing(NamedTuple):
    """One fact of a person's standing, by `fact`: ROLE, a live group role (`detail`) in a place; MEMBER, a current
    membership of an organisation (`ref`) of a kind (`detail`); VOTER, a practice (`ref`) they are a voting contact
    of (Membership.objects.voting_contacts); SEAT, a seat (`ref`) they hold or deputise for;
    ICS_LEADER, a live named leadership of an ICS (no place)."""

    fact: str
    place: int | None
    ics: int | None
    detail: str
    ref: int | None


ROLE, MEMBER, VOTER, SEAT, ICS_LEADER = "role", "member", "voter", "seat", "ics_leader"


def standing(user) -> tuple[Standing, ...]:
    """Everything the portal asks of a person's roles, in one query across every place, read once per request.
    The layout asks on every page (menu, place switcher), so `group_roles`, `practice_ids`, `is_participant`,
    `voting_practice_ids`, `seat_ids`, `place_ids_of` and `is_ics_leader` are all answered from it, for the places
    of the active scope."""
    if not user.is_authenticated:
        return ()
    cache = user.__dict__.setdefault("_access_cache", {})
    if "standing" not in cache:
        cache["standing"] = tuple(Standing(*row) for row in prepared.rows("standing", _standing_query, user.pk))
    return cache["standing"]


def _standing_query(user_id):
    no_id = Value(None, output_field=IntegerField())
    with places.unscoped():
        roles = GroupRole.objects.live().filter(user_id=user_id).order_by().values_list(
            Value(ROLE), "place_id", "place__ics_id", "role", no_id)
        memberships = Membership.objects.current().filter(user_id=user_id).order_by().values_list(
            Value(MEMBER), "organisation__place_id", no_id, "organisation__kind", "organisation_id")
        votes = Membership.objects.voting_contacts().filter(user_id=user_id).order_by().values_list(
            Value(VOTER), "organisation__place_id", no_id, Value(""), "organisation_id")
        seats = Seat.objects.held_by(user_id).order_by().values_list(
            Value(SEAT), "place_id", no_id, Value(""), "pk")
        leaderships = ICSLeader.objects.live().filter(user_id=user_id).order_by().values_list(
            Value(ICS_LEADER), no_id, "ics_id", Value(""), no_id)
        return roles.union(memberships, votes, seats, leaderships, all=True)


def _in_scope(user, fact: str):
    """The person's standing of one kind in the places of the active scope (every place outside any scope)."""
    scope = places.current_scope()
    return [row for row in standing(user)
            if row.fact == fact and (scope is None or row.place in scope.place_ids)]


def organisation_ids(user) -> frozenset[int]:
    """The organisations of this place the person works for now (a current membership)."""
    return frozenset(row.ref for row in _in_scope(user, MEMBER))


def voting_practice_ids(user) -> frozenset[int]:
    """The practices of this place the person is a voting contact of: who casts their ballots."""
    return frozenset(row.ref for row in _in_scope(user, VOTER))


def seat_ids(user) -> frozenset[int]:
    """The seats of this place the person holds or deputises for (active or not: a round asks the seats it asked)."""
    return frozenset(row.ref for row in _in_scope(user, SEAT))


def place_ids_of(user) -> frozenset[int]:
    """Ids of the places where the person holds a live group role or works for an organisation now (see
    members.selectors.places_of for the places themselves)."""
    return frozenset(row.place for row in standing(user) if row.fact in (ROLE, MEMBER))


def group_roles(user) -> frozenset[str]:
    """The user's live group roles in the place being worked in (roles are per place: members.places)."""
    if not user.is_authenticated:
        return frozenset()
    return remembered(user, "group_roles", lambda: frozenset(row.detail for row in _in_scope(user, ROLE)))




def practice_ids(user) -> frozenset[int]:
    """Ids of the practices of this place the user currently works for."""
    if not user.is_authenticated:
        return frozenset()
    return remembered(user, "practice_ids", lambda: frozenset(
        row.ref for row in _in_scope(user, MEMBER) if row.detail == Organisation.Kind.PRACTICE
    ))


def remember_roles(users) -> None:
    """Read the group roles and practices of many people at once (two queries), as `group_roles` and
    `practice_ids` would read each: the weekly digest asks them of hundreds of readers in a row. A person whose
    standing is read already (the signed-in person), or one alone (the digest's preview), is answered from their
    standing: one prepared query at most, which the layout reads anyway for the signed-in person."""
    users = [user for user in users
             if user.is_authenticated and "standing" not in user.__dict__.get("_access_cache", {})]
    if len(users) <= 1:
        return
    ids = [user.pk for user in users]
    roles: dict[int, set[str]] = {user.pk: set() for user in users}
    for user_id, role in GroupRole.objects.live().filter(user_id__in=ids).order_by().values_list("user_id", "role"):
        roles[user_id].add(role)
    practices: dict[int, set[int]] = {user.pk: set() for user in users}
    for user_id, organisation_id in Membership.objects.in_practices().filter(user_id__in=ids).order_by().values_list(
            "user_id", "organisation_id"):
        practices[user_id].add(organisation_id)
    for user in users:
        remembered(user, "group_roles", lambda user=user: frozenset(roles[user.pk]))
        remembered(user, "practice_ids", lambda user=user: frozenset(practices[user.pk]))


def is_participant(user) -> bool:
    """On the group, or working for a member organisation of the place now: may read the directory and the group
    page."""
    if not user.is_authenticated:
        return False
    return remembered(user, "is_participant",
                      lambda: is_group(user) or bool(_in_scope(user, MEMBER)))


def is_group(user) -> bool:
    return bool(group_roles(user) & GROUP_ROLES)


def is_acting_member(user) -> bool:
    return bool(group_roles(user) & ACTING_ROLES)


def is_chair(user) -> bool:
    return GroupRole.Role.CHAIR in group_roles(user)


def is_gatekeeper(user) -> bool:
    return GroupRole.Role.GATEKEEPER in group_roles(user)


def is_practice_user(user) -> bool:
    return bool(practice_ids(user))


def can_invite(user) -> bool:
    return is_chair(user) or is_gatekeeper(user)


def can_see_dashboard(user) -> bool:
    """The chair's dashboard, its reminders and the digest preview: the chair, and gatekeepers as admin support."""
    return is_chair(user) or is_gatekeeper(user)


def is_ics_leader(user, ics) -> bool:
    """On the ICS leaders' group: the chair of any place of the ICS (by a live chair role there), or a leader the
    administrators named (a live ICSLeader). Read across the places on purpose (`standing`), so the answer is the
    same from every page."""
    if not user.is_authenticated or ics is None:
        return False

    return any(row.ics == ics.pk and (row.fact == ICS_LEADER or row.detail == GroupRole.Role.CHAIR)
               for row in standing(user) if row.fact in (ROLE, ICS_LEADER))


# Who may give which role on the group. Only the chair hands out the powers of the group itself (chair,
# gatekeeper); a gatekeeper brings in members, observers and practice contacts. Nobody grants to themselves.
_GRANTABLE_BY = {
    GroupRole.Role.CHAIR: (GroupRole.Role.CHAIR, GroupRole.Role.GATEKEEPER, GroupRole.Role.MEMBER,
                           GroupRole.Role.OBSERVER),
    GroupRole.Role.GATEKEEPER: (GroupRole.Role.MEMBER, GroupRole.Role.OBSERVER),
}


def grantable_group_roles(user) -> tuple[str, ...]:
    """The group roles this person may give to someone else, in the order the roles are listed."""
    allowed = set()
    for held in group_roles(user):
        allowed.update(_GRANTABLE_BY.get(held, ()))
    return tuple(role for role in GroupRole.Role.values if role in allowed)


def may_grant_group_role(granter, role: str) -> bool:
    """May this person give `role` (or, with role "", no group role: a plain membership) to someone else?"""
    if not can_invite(granter):
        return False
    return not role or role in grantable_group_roles(granter)


def is_same_person(user, email: str) -> bool:
    """Is `email` one of this person's own addresses? Used to stop anyone granting a role to themselves."""
    email = (email or "").strip().lower()
    if not user.is_authenticated or not email:
        return False
    if user.email.lower() == email:
        return True
    return EmailAddress.objects.filter(user=user, email__iexact=email).exists()


def require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied


def get_visible(queryset, *, visible: bool, label: str, **lookup):
    """The one object `lookup` finds in `queryset` (what the person may see of this kind), if they may see objects
    of this kind at all; otherwise not found, exactly as a missing one."""
    if not visible:
        raise Http404(f"No such {label}")
    try:
        return queryset.get(**lookup)
    except queryset.model.DoesNotExist:
        raise Http404(f"No such {label}") from None


def get_visible_by_pk(key, build, *, visible: bool, label: str, pk: int):
    """get_visible for one object by its id, from SQL compiled once a day (members.prepared: `key` names it):
    `build()` is what the person may see of this kind."""
    if not visible or not 0 < pk < 2**63:  # an id no row can have is not sent to the database
        raise Http404(f"No such {label}")
    found = prepared.objects(key, lambda pk: build().filter(pk=pk), pk=pk)
    if not found:
        raise Http404(f"No such {label}")
    return found[0]


def allow_to(to: str, rules: dict, *args) -> None:
    """Forbidden (403) unless the rule for `to` lets the person do it to an object they can see."""
    if to not in rules:
        raise ValueError(f"Nothing is done {to!r} here; choose one of {', '.join(rules)}.")
    require(rules[to](*args))


def own_practice(user, pk) -> Organisation | None:
    """One of the practices the person works for now, or None: a person acts only for their own practice."""
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        return None
    if pk not in practice_ids(user):
        return None
    return Organisation.objects.select_related("pcn").get(pk=pk)


def get_organisation_for(user, pk: int, *, to: str = "read") -> Organisation:
    """Participants read the directory; archived organisations are hidden from all but the group."""
    queryset = Organisation.objects.select_related("pcn", "place")
    if not is_group(user):
        queryset = queryset.filter(is_archived=False)
    organisation = get_visible(queryset, visible=is_participant(user), label="organisation", pk=pk)
    allow_to(to, {"read": lambda: True})
    return organisation


def get_declaration_for(user, pk: int, *, to: str = "read") -> Declaration:
    """The register is the group's. A person ends their own declarations; the chair keeps the register in order."""
    declaration = get_visible(Declaration.objects.select_related("user"), visible=is_group(user),
                              label="declaration", pk=pk)
    allow_to(to, {"read": lambda: True, "end": lambda: declaration.user_id == user.pk or is_chair(user)})
    return declaration


def get_invitation_for(user, pk: int, *, to: str = "revoke") -> Invitation:
    """Invitations are seen and revoked by those who send them: the chair and the gatekeepers."""
    invitation = get_visible(Invitation.objects.select_related("organisation"), visible=can_invite(user),
                             label="invitation", pk=pk)
    allow_to(to, {"revoke": lambda: True})
    return invitation


def get_seat_for(user, pk: int, *, to: str = "read") -> Seat:
    """Participants see the group's seats; only the chair changes or retires one."""
    seat = get_visible(Seat.objects.select_related("organisation", "holder", "deputy"),
                       visible=is_participant(user), label="seat", pk=pk)
    allow_to(to, {"read": lambda: True, "edit": lambda: is_chair(user), "retire": lambda: is_chair(user)})
    return seat


def get_group_role_for(user, pk: int, *, to: str = "read") -> GroupRole:
    """Participants see who holds which role; only the chair ends one."""
    group_role = get_visible(GroupRole.objects.select_related("user"), visible=is_participant(user),
                             label="group role", pk=pk)
    allow_to(to, {"read": lambda: True, "end": lambda: is_chair(user)})
    return group_role
