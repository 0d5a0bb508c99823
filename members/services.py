"""Writes for the members app. Views, commands and tasks all go through these functions."""

import hashlib
import secrets
from datetime import timedelta

from allauth.account.models import EmailAddress
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from .models import Declaration, GroupRole, Invitation, Membership, Organisation, User


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


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
    if User.objects.filter(email__iexact=email, memberships__organisation=organisation,
                           memberships__is_archived=False).exists():
        raise ValidationError({"email": "This person is already a member of that organisation."})
    if is_voting_contact and not organisation.is_practice:
        raise ValidationError({"is_voting_contact": "Only a practice has a voting contact."})
    now = timezone.now()
    # An expired invitation to the same address is closed so that a fresh one can be sent.
    for stale in Invitation.objects.select_for_update().filter(
        email=email, accepted_at__isnull=True, revoked_at__isnull=True
    ):
        if stale.expires_at > now:
            raise ValidationError({"email": "This address already has an invitation waiting. Revoke it first."})
        stale.revoked_at = now
        stale.save(update_fields=["revoked_at"])
    token = secrets.token_urlsafe(32)
    invitation = Invitation.objects.create(
        email=email,
        full_name=full_name.strip(),
        organisation=organisation,
        role_title=role_title.strip(),
        group_role=group_role,
        is_voting_contact=is_voting_contact,
        token_hash=token_hash(token),
        invited_by=invited_by,
        created_at=now,
        expires_at=now + timedelta(days=settings.INVITATION_VALID_DAYS),
    )
    body = render_to_string(
        "members/email/invitation.txt",
        {"invitation": invitation, "link": invitation_link(token), "days": settings.INVITATION_VALID_DAYS},
    )
    transaction.on_commit(
        lambda: send_mail(
            f"{settings.ACCOUNT_EMAIL_SUBJECT_PREFIX}You are invited to the GP leadership portal",
            body,
            None,
            [email],
        )
    )
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


@transaction.atomic
def invitation_accept(*, token: str, full_name: str, password: str) -> User:
    """Accept an invitation: the person gets an account (or their existing one) and the membership.

    Following the emailed link proves the address, so it is recorded as verified.
    """
    invitation = (
        Invitation.objects.select_for_update().filter(token_hash=token_hash(token)).first()
    )
    if invitation is None or invitation.state != "pending":
        raise ValidationError("This invitation link is no longer valid. Ask the person who invited you for a new one.")
    user = User.objects.filter(email__iexact=invitation.email).first()
    if user is None:
        user = User.objects.create_user(email=invitation.email, password=password, full_name=full_name.strip())
    else:
        if not user.has_usable_password():
            user.set_password(password)
        user.full_name = full_name.strip() or user.full_name
        user.is_active = True
        user.save(update_fields=["password", "full_name", "is_active"])
    EmailAddress.objects.update_or_create(
        user=user, email=invitation.email, defaults={"verified": True, "primary": True}
    )
    if not Membership.objects.filter(user=user, organisation=invitation.organisation, is_archived=False).exists():
        Membership.objects.create(
            user=user,
            organisation=invitation.organisation,
            role_title=invitation.role_title,
            is_voting_contact=invitation.is_voting_contact,
        )
    if invitation.group_role and not GroupRole.objects.filter(
        user=user, role=invitation.group_role, is_archived=False
    ).exists():
        GroupRole.objects.create(user=user, role=invitation.group_role)
    invitation.accepted_at = timezone.now()
    invitation.accepted_user = user
    invitation.save(update_fields=["accepted_at", "accepted_user"])
    return user


@transaction.atomic
def declaration_create(
    *, user: User, interest: str, organisation: Organisation | None, declared_from, declared_to=None
) -> Declaration:
    if declared_to and declared_to < declared_from:
        raise ValidationError({"declared_to": "The end date must be on or after the start date."})
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
