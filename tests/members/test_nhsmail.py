"""Sign in with NHSmail: OpenID Connect against a real provider on loopback (tests/identity_provider.py).

The Django test client plays the portal's side, `requests` the person's browser at the provider: the portal
redirects to the provider, the person signs in on its form, the provider sends them back to the portal's callback,
and allauth fetches the tokens and the user info from the provider over real HTTP."""

import os
import subprocess
import sys
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from allauth.account.models import EmailAddress
from allauth.socialaccount.models import SocialAccount
from django.conf import settings as django_settings
from django.urls import reverse
from django.utils import timezone

from members import places, services
from members.models import GroupRole, Invitation, Membership, User

from ..factories import GroupRoleFactory, PracticeFactory, UserFactory
from ..identity_provider import CALLBACK_PATH, INVITED, INVITED_NAME, LOGIN_PATH, STRANGER, UNVERIFIED

pytestmark = pytest.mark.django_db

NOT_INVITED = "ask your group's gatekeeper to invite you"
NOT_VERIFIED = "NHSmail account's email address is not verified"


def _through_nhsmail(client, provider, email, *, data=None):
    """The whole round trip; returns the portal's answer at the callback."""
    start = client.post(LOGIN_PATH, data or {})
    assert start.status_code == 302
    assert start["Location"].startswith(f"{provider.issuer}/auth?")
    back = provider.sign_in(start["Location"], email)
    assert back.startswith(f"http://testserver{CALLBACK_PATH}?code=")
    return client.get(back.removeprefix("http://testserver"))


def _signed_in_user(client):
    user_id = client.session.get("_auth_user_id")
    return User.objects.get(pk=user_id) if user_id else None


def _invite(inviter, email=INVITED, **extra):
    invitation, _token = services.invitation_create(
        invited_by=inviter, email=email, full_name="Ivy (as the gatekeeper typed it)",
        organisation=extra.pop("organisation", None) or PracticeFactory(name="Riverside Surgery"),
        role_title="GP Partner", group_role=extra.pop("group_role", GroupRole.Role.MEMBER), **extra,
    )
    return invitation


def _rows() -> tuple[int, int, int]:
    return User.objects.count(), EmailAddress.objects.count(), SocialAccount.objects.count()


def test_allauths_address_for_the_provider_is_the_one_the_readme_gives():
    with places.nowhere(script_prefix="/"):
        assert reverse("openid_connect_login", kwargs={"provider_id": "nhsmail"}) == LOGIN_PATH
        assert reverse("openid_connect_callback", kwargs={"provider_id": "nhsmail"}) == CALLBACK_PATH


# Switched off ----------------------------------------------------------------------------------------------------


def test_it_is_off_when_unset(client):
    assert django_settings.NHSMAIL_OIDC_ISSUER == ""
    page = client.get("/accounts/login/").content.decode()
    assert "NHSmail" not in page
    assert LOGIN_PATH not in page
    assert client.post(LOGIN_PATH).status_code == 404
    assert client.get(LOGIN_PATH).status_code == 404
    assert client.get(CALLBACK_PATH + "?code=x&state=y").status_code == 404


def test_the_settings_come_from_the_environment():
    """The environment variables switch it on (with the label), and a deployment without a secret is refused."""
    program = (
        "from django.conf import settings; import django; django.setup();"
        "[app] = settings.SOCIALACCOUNT_PROVIDERS['openid_connect']['APPS'];"
        "print(app['provider_id'], app['client_id'], app['secret'], app['settings']['server_url'], app['name'],"
        " sep='|');"
        "print(settings.CONTENT_SECURITY_POLICY['DIRECTIVES']['form-action'])"
    )
    env = {
        **os.environ, "DJANGO_SETTINGS_MODULE": "gpleadership.settings", "DEBUG": "1",
        "NHSMAIL_OIDC_ISSUER": "https://login.nhsmail.example/oidc/", "NHSMAIL_OIDC_CLIENT_ID": "portal",
        "NHSMAIL_OIDC_SECRET": "s3cret", "NHSMAIL_OIDC_LABEL": "Use NHSmail",
    }
    done = subprocess.run([sys.executable, "-c", program], env=env, capture_output=True, text=True, check=True)
    assert done.stdout.splitlines() == [
        "nhsmail|portal|s3cret|https://login.nhsmail.example/oidc|Use NHSmail",
        "[\"'self'\", 'https://login.nhsmail.example']",
    ]
    env.update(DEBUG="0", SECRET_KEY="x" * 50, ALLOWED_HOSTS="portal.example.org", NHSMAIL_OIDC_SECRET="")
    refused = subprocess.run([sys.executable, "-c", program], env=env, capture_output=True, text=True)
    assert refused.returncode != 0
    assert "NHSMAIL_OIDC_SECRET must be set" in refused.stderr


# The sign-in page ------------------------------------------------------------------------------------------------


def test_the_sign_in_page_offers_nhsmail_when_it_is_on(client, nhsmail, settings):
    response = client.get("/accounts/login/")
    page = response.content.decode()
    assert f'<form method="post" action="{LOGIN_PATH}?process=login">' in page
    assert "Sign in with NHSmail</button>" in page
    assert "csrfmiddlewaretoken" in page
    # The password form is still there, below it.
    assert page.index(LOGIN_PATH) < page.index('name="password"')
    # The browser may follow the button's redirect to the provider.
    assert f"form-action 'self' {nhsmail.issuer}" in response["Content-Security-Policy"]


def test_the_button_says_what_the_label_setting_says(client, nhsmail, settings):
    from ..identity_provider import switch_on

    switch_on(settings, nhsmail, label="Log in with your NHSmail account")
    assert "Log in with your NHSmail account</button>" in client.get("/accounts/login/").content.decode()


def test_opening_the_provider_address_changes_nothing_and_goes_nowhere(client, nhsmail):
    # allauth asks for a POST before it leaves for the provider (GET never starts a sign-in).
    response = client.get(LOGIN_PATH)
    assert response.status_code == 200
    assert "Location" not in response
    assert "Continue to NHSmail</button>" in response.content.decode()


def test_a_callback_nhsmail_did_not_send_is_refused(client, nhsmail):
    client.post(LOGIN_PATH)
    rows = _rows()
    response = client.get(CALLBACK_PATH + "?code=made-up&state=made-up")
    assert response.status_code == 401
    assert "Signing in with NHSmail did not work" in response.content.decode()
    assert _rows() == rows
    assert _signed_in_user(client) is None


def test_a_person_who_cancels_at_nhsmail_is_told_so(client, nhsmail):
    start = client.post(LOGIN_PATH)
    state = parse_qs(urlsplit(start["Location"]).query)["state"][0]
    response = client.get(CALLBACK_PATH, {"error": "access_denied", "state": state}, follow=True)
    assert "Signing in with NHSmail was cancelled" in response.content.decode()
    assert _signed_in_user(client) is None


def test_the_button_needs_the_csrf_token(nhsmail):
    from django.test import Client

    assert Client(enforce_csrf_checks=True).post(LOGIN_PATH).status_code == 403


def test_allauths_page_for_connecting_accounts_by_hand_is_not_offered(client_for, nhsmail, member):
    client = client_for(member)
    assert client.get("/accounts/3rdparty/").status_code == 404
    assert client.post("/accounts/3rdparty/", {"account": "1"}).status_code == 404


def test_password_sign_in_still_works_with_it_on(client, nhsmail, member):
    response = client.post("/accounts/login/", {"login": member.email, "password": "correct-horse-battery"})
    assert response.status_code == 302
    assert _signed_in_user(client) == member


# Who gets in -----------------------------------------------------------------------------------------------------


def test_an_existing_account_signs_in_and_is_connected(client, nhsmail):
    person = UserFactory(email=INVITED, full_name="Ivy Existing")
    rows = _rows()

    response = _through_nhsmail(client, nhsmail, INVITED)

    assert response.status_code == 302
    assert response["Location"] == "/"
    assert _signed_in_user(client) == person
    account = SocialAccount.objects.get()
    assert (account.user, account.provider) == (person, "nhsmail")
    assert _rows() == (rows[0], rows[1], rows[2] + 1)
    # The name the person already has is kept.
    person.refresh_from_db()
    assert person.full_name == "Ivy Existing"


def test_an_existing_account_is_found_whatever_the_case_of_its_address(client, nhsmail):
    person = UserFactory(email="someone@example.nhs.uk")
    # Stored in capitals, as an address typed into the admin may be.
    person.email = "INVITED@nhs.net"
    person.save(update_fields=["email"])
    assert _through_nhsmail(client, nhsmail, INVITED).status_code == 302
    assert _signed_in_user(client) == person


def test_the_next_sign_in_finds_the_connected_account(client, nhsmail):
    person = UserFactory(email=INVITED)
    _through_nhsmail(client, nhsmail, INVITED)
    client.logout()
    assert _through_nhsmail(client, nhsmail, INVITED).status_code == 302
    assert _signed_in_user(client) == person
    assert SocialAccount.objects.count() == 1


def test_it_returns_to_the_page_the_person_asked_for(client, nhsmail):
    UserFactory(email=INVITED)
    response = _through_nhsmail(client, nhsmail, INVITED, data={"next": "/about/"})
    assert response["Location"] == "/about/"


def test_a_deactivated_account_is_not_signed_in(client, nhsmail):
    person = UserFactory(email=INVITED)
    person.is_active = False
    person.save(update_fields=["is_active"])
    response = _through_nhsmail(client, nhsmail, INVITED)
    assert response.status_code == 302
    assert response["Location"] == "/accounts/inactive/"
    assert _signed_in_user(client) is None


def test_a_live_invitation_makes_the_account_and_grants_what_it_gives(client, nhsmail, gatekeeper):
    invitation = _invite(gatekeeper)

    response = _through_nhsmail(client, nhsmail, INVITED)

    assert response.status_code == 302
    person = User.objects.get(email=INVITED)
    assert _signed_in_user(client) == person
    assert person.full_name == INVITED_NAME  # the provider's `name` claim
    assert not person.has_usable_password()
    address = EmailAddress.objects.get(user=person)
    assert (address.email, address.verified, address.primary) == (INVITED, True, True)
    assert SocialAccount.objects.get().user == person
    invitation.refresh_from_db()
    assert invitation.state == "accepted"
    assert invitation.accepted_user == person
    assert GroupRole.objects.live().filter(user=person, role=GroupRole.Role.MEMBER).exists()
    assert Membership.objects.get(user=person).organisation == invitation.organisation
    # The person lands on their home page, greeted.
    home = client.get("/", follow=True)
    assert "Welcome, Ivy. Your account is ready." in home.content.decode()


def test_invitations_in_other_places_count_too(client, nhsmail, gatekeeper, riverton):
    with places.using(riverton):
        river_gatekeeper = UserFactory(email="gk@riverton.nhs.uk")
        GroupRoleFactory(user=river_gatekeeper, role=GroupRole.Role.GATEKEEPER)
        river_invitation = _invite(river_gatekeeper, group_role=GroupRole.Role.OBSERVER)
    home_invitation = _invite(gatekeeper)

    assert _through_nhsmail(client, nhsmail, INVITED).status_code == 302

    person = User.objects.get(email=INVITED)
    with places.unscoped():
        assert set(Invitation.objects.filter(accepted_user=person)) == {river_invitation, home_invitation}
    with places.using(riverton):
        assert set(GroupRole.objects.live().filter(user=person).values_list("role", flat=True)) == {"observer"}
    assert set(GroupRole.objects.live().filter(user=person).values_list("role", flat=True)) == {"member"}


def test_an_uninvited_address_is_refused_and_nothing_is_stored(client, nhsmail, gatekeeper):
    _invite(gatekeeper, email="someone.else@nhs.net")
    rows = _rows()

    response = _through_nhsmail(client, nhsmail, STRANGER)

    assert response.status_code == 403
    page = response.content.decode()
    assert "You have not been invited to the portal" in page
    assert NOT_INVITED in page
    assert STRANGER in page
    assert _rows() == rows
    assert not User.objects.filter(email=STRANGER).exists()
    assert _signed_in_user(client) is None
    assert client.get("/accounts/3rdparty/signup/").status_code == 302  # no half-made signup waits in the session


@pytest.mark.parametrize("what", ["account", "invitation"])
def test_an_unverified_address_is_refused_even_when_it_is_known(client, nhsmail, gatekeeper, what):
    if what == "account":
        UserFactory(email=UNVERIFIED)
    else:
        invitation = _invite(gatekeeper, email=UNVERIFIED)
    rows = _rows()

    response = _through_nhsmail(client, nhsmail, UNVERIFIED)

    assert response.status_code == 403
    assert NOT_VERIFIED in response.content.decode()
    assert _rows() == rows
    assert _signed_in_user(client) is None
    if what == "invitation":
        invitation.refresh_from_db()
        assert invitation.state == "pending"


@pytest.mark.parametrize("state", ["revoked", "expired", "accepted"])
def test_an_invitation_that_is_not_live_does_not_count(client, nhsmail, gatekeeper, state):
    invitation = _invite(gatekeeper)
    if state == "revoked":
        services.invitation_revoke(invitation=invitation, revoked_by=gatekeeper)
    elif state == "expired":
        invitation.expires_at = timezone.now() - timedelta(minutes=1)
        invitation.save(update_fields=["expires_at"])
    else:
        invitation.accepted_at = timezone.now()
        invitation.save(update_fields=["accepted_at"])
    rows = _rows()

    response = _through_nhsmail(client, nhsmail, INVITED)

    assert response.status_code == 403
    assert NOT_INVITED in response.content.decode()
    assert _rows() == rows


def test_an_invitation_from_someone_who_has_lost_the_power_to_invite_does_not_count(client, nhsmail, gatekeeper):
    invitation = _invite(gatekeeper)
    services.group_role_end(group_role=GroupRole.objects.get(user=gatekeeper))
    rows = _rows()

    assert _through_nhsmail(client, nhsmail, INVITED).status_code == 403
    assert _rows() == rows
    invitation.refresh_from_db()
    assert invitation.state == "pending"


# The service itself ----------------------------------------------------------------------------------------------


def test_the_service_refuses_an_address_that_has_an_account(gatekeeper):
    _invite(gatekeeper)
    UserFactory(email=INVITED)
    with pytest.raises(services.ValidationError):
        services.invitation_accept_by_provider(email=INVITED, full_name="Ivy")
    assert Invitation.objects.get().state == "pending"


def test_the_service_keeps_the_invited_name_when_the_provider_gives_none(gatekeeper):
    _invite(gatekeeper)
    person = services.invitation_accept_by_provider(email=" Invited@NHS.net ", full_name="")
    assert (person.email, person.full_name) == (INVITED, "Ivy (as the gatekeeper typed it)")


def test_the_service_grants_nothing_without_a_live_invitation(gatekeeper):
    assert services.invitation_accept_by_provider(email=INVITED, full_name="Ivy") is None
    assert not User.objects.filter(email=INVITED).exists()
