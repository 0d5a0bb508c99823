"""Who may do what. Every view asks these functions; no view checks roles by itself.

Roles are data: a person is a chair because they hold a live chair GroupRole, a practice contact because
they hold a current Membership in a practice.
"""

from allauth.account.models import EmailAddress
from django.core.exceptions import PermissionDenied
from django.http import Http404

from .models import Declaration, GroupRole, Invitation, Membership, Organisation, Seat

GROUP_ROLES = {GroupRole.Role.CHAIR, GroupRole.Role.GATEKEEPER, GroupRole.Role.MEMBER, GroupRole.Role.OBSERVER}
# Observers see what the group sees but do not act for it.
ACTING_ROLES = {GroupRole.Role.CHAIR, GroupRole.Role.GATEKEEPER, GroupRole.Role.MEMBER}


def group_roles(user) -> frozenset[str]:
    """The user's live group roles, read once per request and kept on the user object."""
    if not user.is_authenticated:
        return frozenset()
    cached = getattr(user, "_group_roles", None)
    if cached is None:
        cached = frozenset(GroupRole.objects.live().filter(user=user).values_list("role", flat=True))
        user._group_roles = cached
    return cached


def practice_ids(user) -> frozenset[int]:
    """Ids of the practices the user currently works for."""
    if not user.is_authenticated:
        return frozenset()
    cached = getattr(user, "_practice_ids", None)
    if cached is None:
        cached = frozenset(
            Membership.objects.current()
            .filter(user=user, organisation__kind=Organisation.Kind.PRACTICE)
            .values_list("organisation_id", flat=True)
        )
        user._practice_ids = cached
    return cached


def is_participant(user) -> bool:
    """On the group, or working for a member organisation now: may read the directory and the group page."""
    if not user.is_authenticated:
        return False
    cached = getattr(user, "_is_participant", None)
    if cached is None:
        cached = is_group(user) or Membership.objects.current().filter(user=user).exists()
        user._is_participant = cached
    return cached


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


def get_organisation_for(user, pk: int) -> Organisation:
    """Participants may read the directory; archived organisations are hidden from all but the group."""
    require(is_participant(user))
    qs = Organisation.objects.select_related("pcn", "place")
    if not is_group(user):
        qs = qs.filter(is_archived=False)
    try:
        return qs.get(pk=pk)
    except Organisation.DoesNotExist:
        raise Http404("No such organisation") from None


def get_declaration_for(user, pk: int, *, write: bool = False) -> Declaration:
    require(is_group(user))
    try:
        declaration = Declaration.objects.select_related("user").get(pk=pk)
    except Declaration.DoesNotExist:
        raise Http404("No such declaration") from None
    # A person withdraws their own declarations; the chair keeps the register in order.
    if write and not (declaration.user_id == user.pk or is_chair(user)):
        raise PermissionDenied
    return declaration


def get_invitation_for(user, pk: int) -> Invitation:
    require(can_invite(user))
    try:
        return Invitation.objects.select_related("organisation").get(pk=pk)
    except Invitation.DoesNotExist:
        raise Http404("No such invitation") from None


def get_seat_for(user, pk: int, *, write: bool = False) -> Seat:
    """Participants see the group's seats; only the chair changes them."""
    require(is_chair(user) if write else is_participant(user))
    try:
        return Seat.objects.select_related("organisation", "holder", "deputy").get(pk=pk)
    except Seat.DoesNotExist:
        raise Http404("No such seat") from None


def get_group_role_for(user, pk: int, *, write: bool = False) -> GroupRole:
    require(is_chair(user) if write else is_participant(user))
    try:
        return GroupRole.objects.select_related("user").get(pk=pk)
    except GroupRole.DoesNotExist:
        raise Http404("No such group role") from None
