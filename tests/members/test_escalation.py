"""Nobody grants themselves power: the role-escalation column of the permission matrix.

Every persona tries to give every group role, to themselves and to others, by both doors that grant a role
(an invitation accepted through its emailed link, and the chair's group management page). Only a chair may give
chair or gatekeeper; a gatekeeper may give member and observer; nobody gives a role to themselves.
"""

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse

from members import services
from members.models import GroupRole, Invitation

from ..factories import MembershipFactory, PCNFactory, UserFactory

pytestmark = pytest.mark.django_db

PERSONAS = ["chair", "gatekeeper", "member", "observer", "practice_user", "outsider"]
ROLES = [r.value for r in GroupRole.Role]
ALLOWED = {("chair", role) for role in ROLES} | {("gatekeeper", "member"), ("gatekeeper", "observer")}


def _live_roles(user, role) -> int:
    return GroupRole.objects.live().filter(user=user, role=role).count()


@pytest.fixture
def colleague(db):
    """Someone with an account who works for a member organisation: could be given a role."""
    user = UserFactory(email="colleague@example.nhs.uk", full_name="Cal Colleague")
    MembershipFactory(user=user, organisation=PCNFactory(), role_title="Clinical Director")
    return user


def _accept(client_for, client, token, email):
    """Follow the emailed link as the address's owner: a new person creates an account; an existing account's
    owner signs in and presses Accept."""
    from members.models import User

    path = reverse("members:invitation_accept", args=[token])
    owner = User.objects.filter(email__iexact=email).first()
    if owner is None:
        return client.post(path, {"full_name": "New Person", "password1": "a-long-new-passphrase",
                                  "password2": "a-long-new-passphrase"})
    return client_for(owner).post(path)


@pytest.mark.parametrize("target", ["self", "new address", "existing account"])
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("persona", PERSONAS)
def test_only_the_allowed_cells_grant_a_role_by_invitation(
    client, client_for, request, practice, colleague, persona, role, target, django_capture_on_commit_callbacks
):
    granter = request.getfixturevalue(persona)
    from members.models import User

    email = {"self": granter.email, "new address": "new.person@example.nhs.uk",
             "existing account": colleague.email}[target]
    existing = User.objects.filter(email__iexact=email).first()
    before = _live_roles(existing, role) if existing else 0
    # The invitation link arrives by email, as the attacker would read it in their own inbox.
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        client_for(granter).post(reverse("members:invitations"), {
            "full_name": "New Person", "email": email, "organisation": practice.pk,
            "role_title": "Practice Manager", "group_role": role,
        })
    tokens = [line.rstrip("/").rsplit("/", 1)[1] for message in mail.outbox for line in message.body.splitlines()
              if "/invitations/accept/" in line]
    if tokens:
        _accept(client_for, client, tokens[0], email)
    target_user = User.objects.filter(email__iexact=email).first()
    after = _live_roles(target_user, role) if target_user else 0
    allowed = (persona, role) in ALLOWED and target != "self"
    if allowed:
        assert after == 1 and before == 0
        assert Invitation.objects.get(email=email.lower()).state == "accepted"
    else:
        assert after == before
        assert not Invitation.objects.filter(email=email.lower()).exists()


@pytest.mark.parametrize("target", ["self", "existing account"])
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("persona", PERSONAS)
def test_only_the_allowed_cells_grant_a_role_on_the_manage_page(
    client_for, request, colleague, persona, role, target
):
    granter = request.getfixturevalue(persona)
    grantee = granter if target == "self" else colleague
    # A person must work for a member organisation to be given a role: give every self-granter a membership so
    # that only the grant rule can stop them.
    MembershipFactory(user=granter, organisation=PCNFactory())
    before = _live_roles(grantee, role)
    client_for(granter).post(reverse("members:group_role_create"), {"role-user": grantee.pk, "role-role": role})
    # The manage page is the chair's: only a chair giving someone else a role they lack gains anything.
    allowed = persona == "chair" and target != "self"
    assert _live_roles(grantee, role) == (1 if allowed else before)


def test_the_invitation_form_offers_only_the_roles_the_inviter_may_give(client_for, chair, gatekeeper):
    chair_page = client_for(chair).get(reverse("members:invitations")).content.decode()
    gatekeeper_page = client_for(gatekeeper).get(reverse("members:invitations")).content.decode()
    for role in ROLES:
        assert f'value="{role}"' in chair_page
    assert 'value="member"' in gatekeeper_page and 'value="observer"' in gatekeeper_page
    assert 'value="chair"' not in gatekeeper_page and 'value="gatekeeper"' not in gatekeeper_page


def test_the_service_refuses_a_gatekeeper_granting_chair_whatever_the_form_says(gatekeeper, practice):
    with pytest.raises(ValidationError) as caught:
        services.invitation_create(
            invited_by=gatekeeper, email="friend@example.nhs.uk", full_name="Friend", organisation=practice,
            role_title="GP", group_role=GroupRole.Role.CHAIR,
        )
    assert "group_role" in caught.value.message_dict
    assert not Invitation.objects.exists()


def test_the_service_refuses_an_invitation_to_any_of_ones_own_addresses(gatekeeper, practice):
    from allauth.account.models import EmailAddress

    EmailAddress.objects.create(user=gatekeeper, email="gita.other@example.nhs.uk", verified=True)
    with pytest.raises(ValidationError) as caught:
        services.invitation_create(
            invited_by=gatekeeper, email="GITA.OTHER@example.nhs.uk", full_name="Gita", organisation=practice,
            role_title="GP", group_role=GroupRole.Role.MEMBER,
        )
    assert "email" in caught.value.message_dict


def _stored_invitation(*, invited_by, email, role, organisation):
    """An invitation written before the fix (or straight into the database): its acceptance must still hold."""
    from datetime import timedelta

    from django.utils import timezone

    token = "a-token-captured-by-the-attacker"
    Invitation.objects.create(
        email=email, full_name="Someone", organisation=organisation, role_title="GP", group_role=role,
        token_hash=services.token_hash(token), invited_by=invited_by,
        expires_at=timezone.now() + timedelta(days=3),
    )
    return token


def test_a_stored_invitation_granting_more_than_its_inviter_may_is_refused_at_acceptance(
    client, gatekeeper, practice
):
    token = _stored_invitation(invited_by=gatekeeper, email="friend@example.nhs.uk", role="chair",
                               organisation=practice)
    response = client.post(reverse("members:invitation_accept", args=[token]), {
        "full_name": "Friend", "password1": "a-long-new-passphrase", "password2": "a-long-new-passphrase"})
    assert response.status_code == 400
    assert "may no longer give this role" in response.content.decode()
    assert not GroupRole.objects.filter(role="chair", user__email="friend@example.nhs.uk").exists()


def test_an_inviter_who_loses_the_role_before_acceptance_grants_nothing(client, chair, gatekeeper, practice):
    _, token = services.invitation_create(
        invited_by=gatekeeper, email="friend@example.nhs.uk", full_name="Friend", organisation=practice,
        role_title="GP", group_role="member",
    )
    services.group_role_end(group_role=GroupRole.objects.get(user=gatekeeper))
    response = client.post(reverse("members:invitation_accept", args=[token]), {
        "full_name": "Friend", "password1": "a-long-new-passphrase", "password2": "a-long-new-passphrase"})
    assert response.status_code == 400
    assert not GroupRole.objects.filter(user__email="friend@example.nhs.uk").exists()


def test_a_stored_self_invitation_is_refused_at_acceptance(client_for, gatekeeper, practice):
    token = _stored_invitation(invited_by=gatekeeper, email=gatekeeper.email, role="member", organisation=practice)
    response = client_for(gatekeeper).post(reverse("members:invitation_accept", args=[token]))
    assert response.status_code == 400
    assert not GroupRole.objects.filter(user=gatekeeper, role="member").exists()


class TestAnExistingAccount:
    """The link alone never signs anyone in to an existing account, nor gives it a role."""

    @pytest.fixture
    def invitation(self, chair, colleague, practice):
        _, token = services.invitation_create(
            invited_by=chair, email=colleague.email, full_name="Cal", organisation=practice,
            role_title="GP", group_role="member",
        )
        return token

    def test_a_visitor_with_the_link_is_asked_to_sign_in_and_gets_nothing(self, client, colleague, invitation):
        path = reverse("members:invitation_accept", args=[invitation])
        page = client.get(path)
        assert page.status_code == 200
        assert "Sign in to accept" in page.content.decode()
        assert 'name="password1"' not in page.content.decode()
        # Posting a password, as the old form took, neither signs in nor grants.
        response = client.post(path, {"full_name": "X", "password1": "whatever-new-pass",
                                      "password2": "whatever-new-pass"})
        assert response.status_code == 403
        assert "_auth_user_id" not in client.session
        assert not GroupRole.objects.filter(user=colleague).exists()
        colleague.refresh_from_db()
        assert colleague.check_password("correct-horse-battery")

    def test_someone_else_signed_in_cannot_accept_it(self, client_for, member, colleague, invitation):
        response = client_for(member).post(reverse("members:invitation_accept", args=[invitation]))
        assert response.status_code == 403
        assert "you are signed in as" in response.content.decode()
        assert not GroupRole.objects.filter(user=colleague).exists()
        assert _live_roles(member, "member") == 1

    def test_the_owner_signed_in_accepts_with_one_button(self, client_for, colleague, practice, invitation):
        client = client_for(colleague)
        path = reverse("members:invitation_accept", args=[invitation])
        assert 'Accept the invitation' in client.get(path).content.decode()
        response = client.post(path)
        assert response.status_code == 302
        assert _live_roles(colleague, "member") == 1
        assert colleague.memberships.filter(organisation=practice).exists()
        assert Invitation.objects.get(email=colleague.email).state == "accepted"

    def test_the_new_account_service_refuses_an_address_that_has_an_account(self, colleague, invitation):
        with pytest.raises(ValidationError):
            services.invitation_accept(token=invitation, full_name="X", password="a-long-new-passphrase")
        assert not GroupRole.objects.filter(user=colleague).exists()
