"""People join by invitation: a chair or gatekeeper invites an address into an organisation with a role."""

from datetime import timedelta

import pytest
from allauth.account.models import EmailAddress
from django.urls import reverse
from django.utils import timezone

from members import services
from members.models import GroupRole, Invitation, Membership, User

from ..factories import PCNFactory

pytestmark = pytest.mark.django_db


def _invite(client, organisation, **extra):
    data = {
        "full_name": "Nina New",
        "email": "Nina.New@Example.NHS.uk",
        "organisation": organisation.pk,
        "role_title": "Practice Manager",
        "group_role": "",
        **extra,
    }
    return client.post(reverse("members:invitations"), data)


@pytest.mark.parametrize("persona", ["chair", "gatekeeper"])
def test_chairs_and_gatekeepers_see_the_invitations_page(client_for, request, persona):
    assert client_for(request.getfixturevalue(persona)).get(reverse("members:invitations")).status_code == 200


@pytest.mark.parametrize("persona", ["member", "observer", "practice_user", "outsider"])
def test_others_may_not_invite(client_for, request, persona, practice):
    client = client_for(request.getfixturevalue(persona))
    assert client.get(reverse("members:invitations")).status_code == 403
    assert _invite(client, practice).status_code == 403
    assert not Invitation.objects.exists()


def test_anonymous_visitors_are_sent_to_sign_in(client, practice):
    assert client.get(reverse("members:invitations")).status_code == 302
    assert _invite(client, practice).status_code == 302
    assert not Invitation.objects.exists()


def test_an_invitation_is_emailed_with_a_link_that_works(
    client, client_for, gatekeeper, practice, smtp_inbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = _invite(client_for(gatekeeper), practice, is_voting_contact="on")
    assert response.status_code == 302
    invitation = Invitation.objects.get()
    assert invitation.email == "nina.new@example.nhs.uk"
    assert invitation.state == "pending"
    [message] = smtp_inbox.messages
    assert message["to"] == ["nina.new@example.nhs.uk"]
    assert "Riverside Surgery" in message["body"]
    link = next(line for line in message["body"].splitlines() if "/invitations/accept/" in line)
    path = link[link.index("/testshire/invitations/accept/"):]  # the link opens the invitation's place
    # Only the hash of the token is stored, never the token itself.
    assert path.rstrip("/").rsplit("/", 1)[1] not in invitation.token_hash

    page = client.get(path)
    assert page.status_code == 200
    assert "Nina New" in page.content.decode()
    response = client.post(
        path, {"full_name": "Nina New", "password1": "a-long-new-passphrase", "password2": "a-long-new-passphrase"}
    )
    assert response.status_code == 302
    user = User.objects.get(email="nina.new@example.nhs.uk")
    assert user.check_password("a-long-new-passphrase")
    assert EmailAddress.objects.get(user=user).verified
    membership = Membership.objects.get(user=user)
    assert membership.organisation == practice
    assert membership.is_voting_contact
    invitation.refresh_from_db()
    assert invitation.state == "accepted"
    # Signed in straight away.
    assert client.get(reverse("home")).status_code == 200
    # The link does not work twice.
    assert client.get(path).status_code == 410


def test_an_invitation_with_a_group_role_gives_the_role(client, chair):
    pcn = PCNFactory()
    invitation, token = services.invitation_create(
        invited_by=chair, email="cd@example.nhs.uk", full_name="Cai Director", organisation=pcn,
        role_title="Clinical Director", group_role=GroupRole.Role.MEMBER,
    )
    services.invitation_accept(token=token, full_name="Cai Director", password="a-long-new-passphrase")
    assert GroupRole.objects.filter(user__email="cd@example.nhs.uk", role="member").exists()


def test_a_bad_invitation_form_keeps_what_was_typed(client_for, chair, practice):
    response = _invite(client_for(chair), practice, email="not-an-email")
    assert response.status_code == 400
    html = response.content.decode()
    assert "There is a problem" in html
    assert 'value="not-an-email"' in html
    assert 'value="Nina New"' in html
    assert not Invitation.objects.exists()


def test_only_a_practice_has_a_voting_contact(client_for, chair):
    pcn = PCNFactory()
    response = _invite(client_for(chair), pcn, is_voting_contact="on")
    assert response.status_code == 400
    assert "Only a practice has a voting contact." in response.content.decode()


def test_a_second_live_invitation_to_one_address_is_refused(client_for, chair, practice):
    client = client_for(chair)
    assert _invite(client, practice).status_code == 302
    response = _invite(client, practice)
    assert response.status_code == 400
    assert "already has an invitation waiting" in response.content.decode()
    assert Invitation.objects.count() == 1


def test_an_expired_invitation_can_be_replaced(chair, practice):
    old, _ = services.invitation_create(
        invited_by=chair, email="a@example.nhs.uk", full_name="A", organisation=practice, role_title="GP partner"
    )
    old.expires_at = timezone.now() - timedelta(minutes=1)
    old.save(update_fields=["expires_at"])
    new, _ = services.invitation_create(
        invited_by=chair, email="a@example.nhs.uk", full_name="A", organisation=practice, role_title="GP partner"
    )
    old.refresh_from_db()
    assert old.state == "revoked"
    assert new.state == "pending"


def test_an_expired_link_is_refused(client, chair, practice):
    invitation, token = services.invitation_create(
        invited_by=chair, email="a@example.nhs.uk", full_name="A", organisation=practice, role_title="GP partner"
    )
    invitation.expires_at = timezone.now() - timedelta(seconds=1)
    invitation.save(update_fields=["expires_at"])
    url = reverse("members:invitation_accept", args=[token])
    assert client.get(url).status_code == 410
    response = client.post(url, {"full_name": "A", "password1": "a-long-passphrase", "password2": "a-long-passphrase"})
    assert response.status_code == 410
    assert not User.objects.filter(email="a@example.nhs.uk").exists()


def test_a_revoked_link_is_refused(client, client_for, chair, practice):
    invitation, token = services.invitation_create(
        invited_by=chair, email="a@example.nhs.uk", full_name="A", organisation=practice, role_title="GP partner"
    )
    assert client_for(chair).post(reverse("members:invitation_revoke", args=[invitation.pk])).status_code == 302
    invitation.refresh_from_db()
    assert invitation.state == "revoked"
    assert client.get(reverse("members:invitation_accept", args=[token])).status_code == 410


def test_revoking_needs_a_chair_or_gatekeeper(client, client_for, chair, member, practice):
    invitation, _ = services.invitation_create(
        invited_by=chair, email="a@example.nhs.uk", full_name="A", organisation=practice, role_title="GP partner"
    )
    url = reverse("members:invitation_revoke", args=[invitation.pk])
    # Invitations are not the member's to see, so theirs is the answer to a missing one.
    assert client_for(member).post(url).status_code == 404
    assert client.post(url).status_code == 302
    assert client_for(chair).get(url).status_code == 405
    invitation.refresh_from_db()
    assert invitation.state == "pending"


def test_an_unknown_link_is_not_found(client):
    assert client.get(reverse("members:invitation_accept", args=["nonsense"])).status_code == 404


def test_mismatched_passwords_keep_the_name_and_create_nobody(client, chair, practice):
    _, token = services.invitation_create(
        invited_by=chair, email="a@example.nhs.uk", full_name="Ann Able", organisation=practice, role_title="GP"
    )
    response = client.post(
        reverse("members:invitation_accept", args=[token]),
        {"full_name": "Ann B Able", "password1": "a-long-passphrase", "password2": "a-different-one"},
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "The two passwords do not match." in html
    assert 'value="Ann B Able"' in html
    assert not User.objects.filter(email="a@example.nhs.uk").exists()


def test_a_weak_password_is_refused(client, chair, practice):
    _, token = services.invitation_create(
        invited_by=chair, email="a@example.nhs.uk", full_name="Ann Able", organisation=practice, role_title="GP"
    )
    response = client.post(
        reverse("members:invitation_accept", args=[token]),
        {"full_name": "Ann Able", "password1": "password", "password2": "password"},
    )
    assert response.status_code == 400
    assert not User.objects.filter(email="a@example.nhs.uk").exists()


def test_an_invitation_brings_back_someone_whose_membership_and_role_had_ended(chair):
    """A practice manager who left (their membership and group role ended, not archived) is invited again: they get
    a membership and the role in force today, and the ended ones stay in the record, archived."""
    from ..factories import GroupRoleFactory, MembershipFactory, PracticeFactory, UserFactory

    practice = PracticeFactory()
    yesterday = timezone.localdate() - timedelta(days=1)
    person = UserFactory(email="back@example.nhs.uk", full_name="Bea Back")
    old = MembershipFactory(user=person, organisation=practice, role_title="Practice Manager", ended_on=yesterday)
    old_role = GroupRoleFactory(user=person, role=GroupRole.Role.OBSERVER, ended_on=yesterday)
    invitation, token = services.invitation_create(
        invited_by=chair, email="back@example.nhs.uk", full_name="Bea Back", organisation=practice,
        role_title="Deputy Practice Manager", group_role=GroupRole.Role.OBSERVER,
    )
    services.invitation_accept_signed_in(token=token, user=person)
    [current] = Membership.objects.current().filter(user=person, organisation=practice)
    assert current.pk != old.pk and current.role_title == "Deputy Practice Manager"
    old.refresh_from_db()
    assert old.is_archived and old.ended_on == yesterday
    assert GroupRole.objects.live().filter(user=person, role=GroupRole.Role.OBSERVER).exclude(pk=old_role.pk).exists()
    old_role.refresh_from_db()
    assert old_role.is_archived



def test_someone_in_post_is_not_invited_to_the_same_organisation_again(chair, practice_user, practice):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as refused:
        services.invitation_create(invited_by=chair, email="PM@example.nhs.uk", full_name="Priya Manager",
                                   organisation=practice, role_title="Practice Manager")
    assert refused.value.message_dict == {"email": ["This person is already a member of that organisation."]}
    assert not Invitation.objects.exists()


def test_unused_invitations_are_the_pending_and_the_expired(chair, practice):
    """InvitationQuerySet.unused and Invitation.is_unused are one rule: neither accepted nor revoked."""
    now = timezone.now()
    made = {}
    for state in ("pending", "expired", "accepted", "revoked"):
        invitation, _ = services.invitation_create(invited_by=chair, email=f"{state}@example.nhs.uk",
                                                   full_name=state.title(), organisation=practice, role_title="PM")
        changes = {"expired": {"expires_at": now - timedelta(days=1)}, "accepted": {"accepted_at": now},
                   "revoked": {"revoked_at": now}}.get(state, {})
        Invitation.objects.filter(pk=invitation.pk).update(**changes)
        made[state] = Invitation.objects.get(pk=invitation.pk)
    assert {i.state for i in Invitation.objects.unused()} == {"pending", "expired"}
    assert {state for state, invitation in made.items() if invitation.is_unused} == {"pending", "expired"}
    assert [made[state].state for state in made] == list(made)
