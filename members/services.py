"""Rules and writes for the members app. Views, commands and tasks all go through these functions."""

import hashlib
import secrets
from datetime import timedelta

from allauth.account.models import EmailAddress
from django.conf import settings
from django.core import signing
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import salted_hmac

from . import access, outbox, places, selectors
from .models import (
    CalendarFeed,
    Declaration,
    GroupRole,
    Invitation,
    Membership,
    Organisation,
    Seat,
    User,
    validate_phone,
)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def invitation_token(invitation: Invitation) -> str:
    """The emailed token. Derived from the invitation with the secret key, so that the outbox can build the email
    when it sends it while the database keeps only the token's hash (a copy of the database alone opens nothing).
    Changing SECRET_KEY invalidates invitations still waiting: invite again."""
    return salted_hmac(
        "members.invitation", f"{invitation.pk}:{invitation.email}:{invitation.created_at.isoformat()}",
        algorithm="sha256",
    ).hexdigest()


def invitation_link(token: str) -> str:
    return settings.SITE_URL + reverse("members:invitation_accept", args=[token])


@transaction.atomic
def invitation_create(
    *,
    invited_by: User,
    email: str,
    full_name: str,
    organisation: Organisation,
    role_title: str,
    group_role: str = "",
    is_voting_contact: bool = False,
) -> tuple[Invitation, str]:
    """Invite an email address into an organisation. Returns the invitation and the raw token (emailed, not kept)."""
    email = email.strip().lower()
    _check_grant(granter=invited_by, role=group_role, email=email)
    # A member now (Membership.current): someone whose membership has ended may be invited back.
    if Membership.objects.current().filter(user__email__iexact=email, organisation=organisation).exists():
        raise ValidationError({"email": "This person is already a member of that organisation."})
    if is_voting_contact and not organisation.is_practice:
        raise ValidationError({"is_voting_contact": "Only a practice has a voting contact."})
    now = timezone.now()
    # An expired invitation to the same address is closed so that a fresh one can be sent.
    for stale in Invitation.objects.select_for_update().unused().filter(email=email):
        if stale.expires_at > now:
            raise ValidationError({"email": "This address already has an invitation waiting. Revoke it first."})
        stale.revoked_at = now
        stale.save(update_fields=["revoked_at"])
    invitation = Invitation.objects.create(
        email=email,
        full_name=full_name.strip(),
        organisation=organisation,
        role_title=role_title.strip(),
        group_role=group_role,
        is_voting_contact=is_voting_contact,
        # A placeholder until the row has the id that the token is derived from.
        token_hash=f"new:{secrets.token_hex(24)}",
        invited_by=invited_by,
        created_at=now,
        expires_at=now + timedelta(days=settings.INVITATION_VALID_DAYS),
    )
    token = invitation_token(invitation)
    invitation.token_hash = token_hash(token)
    invitation.save(update_fields=["token_hash"])
    outbox.enqueue(key=f"members.invitation:{invitation.pk}", kind="members.invitation",
                   params={"invitation": invitation.pk})
    return invitation, token


@transaction.atomic
def invitation_revoke(*, invitation: Invitation, revoked_by: User) -> Invitation:
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.accepted_at:
        raise ValidationError("This invitation has already been accepted; archive the membership instead.")
    if not invitation.revoked_at:
        invitation.revoked_at = timezone.now()
        invitation.save(update_fields=["revoked_at"])
    return invitation


def invitation_for_token(token: str) -> Invitation | None:
    """The invitation a link points at, whatever its state; None if the link is not one of ours."""
    return Invitation.objects.select_related("organisation").filter(token_hash=token_hash(token)).first()


NOT_YOURS_TO_GRANT = "You may not give that role."
NOT_TO_YOURSELF = "You cannot invite yourself or give yourself a role; ask the group's chair."
ACCOUNT_EXISTS = "An account already uses this address. Sign in as that person, then open the link again."
INVITER_LOST_POWER = (
    "The person who invited you may no longer give this role. Ask the group's chair for a new invitation."
)


def _check_grant(
    *, granter: User, role: str, email: str = "", grantee: User | None = None,
    role_field: str = "group_role", person_field: str = "email",
) -> None:
    """The one place that decides whether `granter` may give `role` to a person (by address or account).
    The rule itself is members.access.may_grant_group_role; this adds "never to yourself"."""
    if not access.may_grant_group_role(granter, role):
        raise ValidationError({role_field: NOT_YOURS_TO_GRANT})
    if (grantee is not None and grantee.pk == granter.pk) or (email and access.is_same_person(granter, email)):
        raise ValidationError({person_field: NOT_TO_YOURSELF})


def _locked_pending_invitation(token: str) -> Invitation:
    invitation = (
        Invitation.objects.select_for_update().select_related("invited_by").filter(token_hash=token_hash(token)).first()
    )
    _check_still_grants(invitation)
    return invitation


def _check_still_grants(invitation: Invitation | None) -> None:
    """Raises unless the invitation is pending and its inviter may still give what it gives (in its place)."""
    if invitation is None or invitation.state != "pending":
        raise ValidationError("This invitation link is no longer valid. Ask the person who invited you for a new one.")
    # The inviter's power is checked again now: a gatekeeper who has since lost the role grants nothing.
    try:
        _check_grant(granter=invitation.invited_by, role=invitation.group_role, email=invitation.email)
    except ValidationError:
        raise ValidationError(INVITER_LOST_POWER) from None


def _archive_ended(rows) -> bool:
    """Whether one of `rows` (a person's unarchived memberships of an organisation, or roles of a kind) is in force
    today; those that have ended are archived, as group_role_end does, so that a new one may be made (the
    one-live-row constraints count every unarchived row)."""
    found = False
    for row in rows:
        if row.is_in_force():
            found = True
        else:
            row.is_archived = True
            row.save(update_fields=["is_archived"])
    return found


def _grant(invitation: Invitation, user: User) -> None:
    """What an accepted invitation gives: a membership of its organisation and the role it names, unless the person
    has them in force already. One that has ended is archived and made anew: an invitation brings a person back."""
    memberships = Membership.objects.select_for_update().filter(
        user=user, organisation=invitation.organisation, is_archived=False)
    if not _archive_ended(memberships):
        Membership.objects.create(
            user=user,
            organisation=invitation.organisation,
            role_title=invitation.role_title,
            is_voting_contact=invitation.is_voting_contact,
        )
    if invitation.group_role:
        roles = GroupRole.objects.select_for_update().filter(user=user, role=invitation.group_role,
                                                             is_archived=False)
        if not _archive_ended(roles):
            GroupRole.objects.create(user=user, role=invitation.group_role)
    invitation.accepted_at = timezone.now()
    invitation.accepted_user = user
    invitation.save(update_fields=["accepted_at", "accepted_user"])


def account_for_email(email: str) -> User | None:
    """The account that uses this address, if any (addresses are compared without regard to case)."""
    return User.objects.filter(email__iexact=email.strip()).first()


def invitation_account(invitation: Invitation) -> User | None:
    """The account that already uses the invited address, if any."""
    return account_for_email(invitation.email)


# Said to a person whose account an invitation has just made (by its link, or signing in with NHSmail).
ACCOUNT_READY = "Welcome, {name}. Your account is ready."


def _account_create(*, email: str, full_name: str, password: str | None) -> User:
    """A new person's account. Its address is recorded as verified: the person has shown they hold the mailbox
    (they followed the emailed link, or the identity provider vouched for it). No password: not usable."""
    user = User.objects.create_user(email=email, password=password, full_name=full_name.strip())
    EmailAddress.objects.update_or_create(user=user, email=email, defaults={"verified": True, "primary": True})
    return user


@transaction.atomic
def invitation_accept(*, token: str, full_name: str, password: str) -> User:
    """Accept an invitation with a new account: the person gets the account and the membership.

    Following the emailed link proves the address, so it is recorded as verified. An address that already has
    an account is refused here: its owner signs in and accepts with `invitation_accept_signed_in`, so that a
    link alone never signs anybody in to an existing account.
    """
    invitation = _locked_pending_invitation(token)
    if invitation_account(invitation) is not None:
        raise ValidationError(ACCOUNT_EXISTS)
    user = _account_create(email=invitation.email, full_name=full_name, password=password)
    _grant(invitation, user)
    return user


@transaction.atomic
def invitation_accept_signed_in(*, token: str, user: User) -> User:
    """Accept an invitation for the account the person is signed in to; it must be the invited address's."""
    invitation = _locked_pending_invitation(token)
    account = invitation_account(invitation)
    if account is None or account.pk != user.pk:
        raise ValidationError(
            f"This invitation is for {invitation.email}. Sign out, then sign in as that person to accept it."
        )
    _grant(invitation, user)
    return user


@transaction.atomic
def invitation_accept_by_provider(*, email: str, full_name: str) -> User | None:
    """Accept every live invitation to `email` for a person who signed in through the identity provider (NHSmail),
    which vouches for the address as following the emailed link does. Invitations are per place, so this looks in
    every place. Makes the account (no password: the person signs in through the provider), records the address
    as verified and grants what each invitation gives. Returns None, and changes nothing, when no invitation to
    the address is pending with an inviter who may still give what it gives.

    An address that already has an account is refused, as in `invitation_accept`: its owner signs in to it."""
    email = email.strip().lower()
    with places.unscoped():
        candidates = list(
            Invitation.objects.select_for_update(of=("self",)).select_related("place", "invited_by")
            .unused().filter(email__iexact=email).order_by("created_at")
        )
    live = []
    for invitation in candidates:
        with places.using(invitation.place):
            try:
                _check_still_grants(invitation)
            except ValidationError:
                continue
        live.append(invitation)
    if not live:
        return None
    if account_for_email(email) is not None:
        raise ValidationError(ACCOUNT_EXISTS)
    user = _account_create(email=email, full_name=full_name.strip() or live[0].full_name, password=None)
    for invitation in live:
        with places.using(invitation.place):
            _grant(invitation, user)
    return user


# A period (an interest, a filter of the decision log) ends on or after the day it starts.
END_BEFORE_START = "The end date must be on or after the start date."


@transaction.atomic
def declaration_create(
    *, user: User, interest: str, organisation: Organisation | None, declared_from, declared_to=None
) -> Declaration:
    if declared_to and declared_to < declared_from:
        raise ValidationError({"declared_to": END_BEFORE_START})
    return Declaration.objects.create(
        user=user,
        interest=interest.strip(),
        organisation=organisation,
        declared_from=declared_from,
        declared_to=declared_to,
    )


@transaction.atomic
def declaration_end(*, declaration: Declaration, ended_on=None) -> Declaration:
    """End an interest: it stays on the register with its end date (nothing a user entered is deleted)."""
    declaration = Declaration.objects.select_for_update().get(pk=declaration.pk)
    ended_on = ended_on or timezone.localdate()
    if ended_on < declaration.declared_from:
        ended_on = declaration.declared_from
    declaration.declared_to = ended_on
    declaration.save(update_fields=["declared_to"])
    return declaration


def _seat_people_errors(*, holder: User | None, deputy: User | None) -> dict:
    errors = {}
    if holder and deputy and holder.pk == deputy.pk:
        errors["deputy"] = "The deputy must be a different person from the holder."
    chosen = {p.pk for p in (holder, deputy) if p}
    if chosen and selectors.seat_candidates().filter(pk__in=chosen).count() != len(chosen):
        errors[NON_FIELD_ERRORS] = (
            "A seat is held by someone who works for a member organisation now or is already on the group."
        )
    return errors


def _seat_kind_errors(*, kind: str, title: str, organisation: Organisation | None) -> dict:
    """What a seat of this kind needs: a member organisation's seat names it; the others have a title of their own."""
    errors = {}
    if kind == Seat.Kind.MEMBER:
        if organisation is None:
            errors["organisation"] = "Choose the member organisation the seat is for."
    elif kind in (Seat.Kind.COOPTED, Seat.Kind.INDEPENDENT):
        if organisation is not None:
            errors["organisation"] = "Co-opted and independent seats do not belong to an organisation."
        if not title:
            errors["title"] = "Give the seat a title, like Independent chair."
    else:
        errors["kind"] = "Choose the kind of seat."
    return errors


@transaction.atomic
def seat_create(
    *,
    kind: str,
    title: str = "",
    organisation: Organisation | None = None,
    holder: User | None = None,
    deputy: User | None = None,
) -> Seat:
    """Add a seat: one for a member organisation (named after it unless given a title), or a co-opted or
    independent seat, which belongs to no organisation."""
    title = title.strip()
    # Every mistake in what was asked for is reported at once, as a form would.
    errors = {**_seat_kind_errors(kind=kind, title=title, organisation=organisation),
              **_seat_people_errors(holder=holder, deputy=deputy)}
    if errors:
        raise ValidationError(errors)
    if kind == Seat.Kind.MEMBER:
        # Lock the organisation so two chairs adding its seat at once queue up and the second sees the first.
        organisation = Organisation.objects.select_for_update().get(pk=organisation.pk)
        if organisation.is_archived:
            raise ValidationError({"organisation": "That organisation is archived."})
        if organisation.seats.filter(is_active=True).exists():
            raise ValidationError(
                {"organisation": f"{organisation.name} already has a seat. Retire it before adding another."}
            )
        title = title or organisation.name
    try:
        # The savepoint keeps the outer transaction usable if the one-active-seat constraint fires.
        with transaction.atomic():
            return Seat.objects.create(
                title=title, kind=kind, organisation=organisation, holder=holder, deputy=deputy
            )
    except IntegrityError:
        raise ValidationError(
            {"organisation": "That organisation already has a seat. Retire it before adding another."}
        ) from None


def check_seat_active(seat: Seat) -> None:
    """A retired seat is kept for the record; nobody is named to it any more."""
    if not seat.is_active:
        raise ValidationError("This seat is retired.")


@transaction.atomic
def seat_assign(*, seat: Seat, holder: User | None, deputy: User | None) -> Seat:
    """Name a seat's holder and deputy; either may be left empty (a vacant seat, or no deputy)."""
    seat = Seat.objects.select_for_update().get(pk=seat.pk)
    check_seat_active(seat)
    errors = _seat_people_errors(holder=holder, deputy=deputy)
    if errors:
        raise ValidationError(errors)
    seat.holder = holder
    seat.deputy = deputy
    seat.save(update_fields=["holder", "deputy"])
    return seat


@transaction.atomic
def seat_retire(*, seat: Seat) -> Seat:
    """Retire a seat. It is kept, never deleted: past rounds and positions name it. Open consensus rounds
    keep the seats they asked when they opened, so retiring a seat does not change a round under way."""
    seat = Seat.objects.select_for_update().get(pk=seat.pk)
    if not seat.is_active:
        raise ValidationError("This seat is already retired.")
    seat.is_active = False
    seat.save(update_fields=["is_active"])
    return seat


@transaction.atomic
def group_role_create(*, user: User, role: str, granted_by: User) -> GroupRole:
    """Give a person a role on the group, starting today."""
    if role not in GroupRole.Role.values:
        raise ValidationError({"role": "Choose a role on the group."})
    _check_grant(granter=granted_by, role=role, grantee=user, role_field="role", person_field="user")
    if not selectors.seat_candidates().filter(pk=user.pk).exists():
        raise ValidationError(
            {"user": "Only someone who works for a member organisation now, or is on the group, can have a role."}
        )
    existing = GroupRole.objects.select_for_update().filter(user=user, role=role, is_archived=False)
    # An ended role still counts against the one-live-role constraint until it is archived.
    if _archive_ended(existing):
        raise ValidationError({"role": f"{user} is already {GroupRole.Role(role).label.lower()}."})
    return GroupRole.objects.create(user=user, role=role, started_on=timezone.localdate())


@transaction.atomic
def group_role_end(*, group_role: GroupRole) -> GroupRole:
    """End a role today. It is archived as well, so that the person can be given the role again later
    (the uniqueness constraint counts every unarchived role)."""
    # Lock every live chair role so that two chairs ending each other's roles cannot leave the group without one.
    chairs = list(GroupRole.objects.select_for_update().live().filter(role=GroupRole.Role.CHAIR))
    group_role = GroupRole.objects.select_for_update().get(pk=group_role.pk)
    if not group_role.is_in_force():
        raise ValidationError("This role has already ended.")
    if group_role.role == GroupRole.Role.CHAIR and [c.pk for c in chairs] == [group_role.pk]:
        raise ValidationError("The group needs a chair. Give someone else the chair role before ending this one.")
    group_role.ended_on = timezone.localdate()
    group_role.is_archived = True
    group_role.save(update_fields=["ended_on", "is_archived"])
    return group_role


# A person's contact details ------------------------------------------------------------------------------------


@transaction.atomic
def contact_details_update(*, user: User, phone: str, shares_email: bool, shares_phone: bool) -> User:
    """Save the person's phone number and what they share with the people of their groups. Only the person sets
    these (the view edits the signed-in person and no one else). A number cannot be shared without one."""
    phone = " ".join((phone or "").split())
    try:
        validate_phone(phone)
    except ValidationError as error:
        raise ValidationError({"phone": error.messages}) from None
    if shares_phone and not phone:
        raise ValidationError({"phone": "Enter your phone number to share it, or choose not to share it."})
    user = User.objects.select_for_update().get(pk=user.pk)
    user.phone, user.shares_email, user.shares_phone = phone, shares_email, shares_phone
    user._history_user = user
    user.save(update_fields=["phone", "shares_email", "shares_phone"])
    return user


# A person's calendar feed ----------------------------------------------------------------------------------------

CALENDAR_SALT = "members.calendar-feed"


def calendar_feed_token(feed: CalendarFeed) -> str:
    """The secret part of the feed's address: the stored key signed with SECRET_KEY (a copy of the database alone
    does not give anyone's calendar away; changing SECRET_KEY changes every address)."""
    return signing.Signer(salt=CALENDAR_SALT).sign(feed.key)


def calendar_feed_url(feed: CalendarFeed) -> str:
    """The address belongs to no place (the feed gathers all of the person's), whichever page shows it."""
    from . import places

    with places.unscoped(script_prefix="/"):
        return settings.SITE_URL + reverse("calendar_feed", args=[calendar_feed_token(feed)])


def calendar_feed_of(*, user: User) -> CalendarFeed | None:
    """The person's live feed, or None before they have asked for one. Reads only: the account page shows it."""
    return CalendarFeed.objects.live().filter(user=user).first()


@transaction.atomic
def calendar_feed_for(*, user: User) -> CalendarFeed:
    """The person's live feed, made when they first ask for one (a POST: a page only shows what exists)."""
    User.objects.select_for_update().filter(pk=user.pk).first()  # two first looks at once make one feed
    feed = CalendarFeed.objects.live().filter(user=user).first()
    if feed is None:
        feed = CalendarFeed.objects.create(user=user, key=secrets.token_urlsafe(24))
    return feed


@transaction.atomic
def calendar_feed_reset(*, user: User) -> CalendarFeed:
    """Stop the old address working and give the person a new one (a shared or leaked link is cut off)."""
    User.objects.select_for_update().filter(pk=user.pk).first()
    for old in CalendarFeed.objects.live().filter(user=user):
        old.revoked_at = timezone.now()
        old._history_user = user
        old.save(update_fields=["revoked_at"])
    return CalendarFeed.objects.create(user=user, key=secrets.token_urlsafe(24))


def calendar_feed_owner(token: str) -> User | None:
    """Whose calendar an address opens: None for an altered, revoked or unknown one, or a deactivated person."""
    try:
        key = signing.Signer(salt=CALENDAR_SALT).unsign(token)
    except signing.BadSignature:
        return None
    feed = CalendarFeed.objects.live().select_related("user").filter(key=key, user__is_active=True).first()
    return feed.user if feed else None
