"""Sign in with NHSmail in Chromium, against a real OpenID Connect provider on loopback: the person presses the
button, signs in on the provider's own form and comes back signed in to the portal; every portal page on the way
passes axe and the Content-Security-Policy (which lets the button's redirect go to the provider)."""

import re

import pytest
from allauth.socialaccount.models import SocialAccount
from playwright.sync_api import expect

from members import services
from members.models import GroupRole, Invitation, User

from ..factories import GroupRoleFactory, PracticeFactory, UserFactory
from ..identity_provider import CALLBACK_PATH, INVITED, PASSWORD, STRANGER, UNVERIFIED

pytestmark = pytest.mark.django_db(transaction=True)


def _sign_in_at_nhsmail(page, nhsmail, email):
    page.goto("/accounts/login/")
    page.get_by_role("button", name="Sign in with NHSmail").click()
    page.wait_for_url(re.compile(re.escape(nhsmail.issuer) + "/interaction/"))
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()


@pytest.fixture
def invitation():
    gatekeeper = UserFactory(email="gatekeeper@example.nhs.uk", full_name="Gita Gatekeeper")
    GroupRoleFactory(user=gatekeeper, role=GroupRole.Role.GATEKEEPER)
    invitation, _token = services.invitation_create(
        invited_by=gatekeeper, email=INVITED, full_name="Ivy Invited", organisation=PracticeFactory(
            name="Riverside Surgery"), role_title="GP Partner", group_role=GroupRole.Role.MEMBER,
    )
    return invitation


def test_an_invited_person_signs_in_with_nhsmail_and_joins(page, nhsmail, axe_violations, invitation):
    page.goto("/accounts/login/")
    assert axe_violations() == []

    _sign_in_at_nhsmail(page, nhsmail, INVITED)

    expect(page.get_by_role("heading", level=1)).to_have_text("Hello, Ivy")
    assert "Welcome, Ivy. Your account is ready." in page.locator("main").inner_text()
    expect(page.get_by_text("Member", exact=True).first).to_be_visible()
    assert axe_violations() == []
    person = User.objects.get(email=INVITED)
    assert person.full_name == "Dr Ivy Invited"
    invitation.refresh_from_db()
    assert invitation.state == "accepted"
    assert GroupRole.objects.live().filter(user=person, role=GroupRole.Role.MEMBER).exists()


def test_a_person_with_an_account_signs_in_with_nhsmail(page, nhsmail, axe_violations):
    person = UserFactory(email=INVITED, full_name="Ivy Existing")
    GroupRoleFactory(user=person, role=GroupRole.Role.MEMBER)

    _sign_in_at_nhsmail(page, nhsmail, INVITED)

    expect(page.get_by_role("heading", level=1)).to_have_text("Hello, Ivy")
    assert axe_violations() == []
    assert SocialAccount.objects.get().user == person


def test_password_sign_in_still_works_beside_the_button(page, nhsmail):
    GroupRoleFactory(user=UserFactory(email="pat@example.nhs.uk", full_name="Pat Password"), role=GroupRole.Role.MEMBER)
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill("pat@example.nhs.uk")
    page.get_by_label("Password").fill("correct-horse-battery")
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Hello, Pat")


@pytest.mark.parametrize(
    ("email", "heading"),
    [(STRANGER, "You have not been invited to the portal"), (UNVERIFIED, "Your NHSmail address is not verified")],
)
def test_people_who_may_not_come_in_are_told_why(page, nhsmail, axe_violations, invitation, email, heading):
    if email == UNVERIFIED:
        invitation.email = UNVERIFIED  # known to the portal, yet NHSmail has not verified the address
        invitation.save(update_fields=["email"])
    users = User.objects.count()

    _sign_in_at_nhsmail(page, nhsmail, email)

    expect(page.get_by_role("heading", level=1)).to_have_text(heading)
    assert axe_violations() == []
    assert User.objects.count() == users
    assert not SocialAccount.objects.exists()
    assert Invitation.objects.get().state == "pending"


def test_the_portals_other_nhsmail_pages_pass_axe(page, nhsmail, axe_violations):
    # What a GET of the button's address shows (it asks before leaving for NHSmail) …
    page.goto("/accounts/oidc/nhsmail/login/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in with NHSmail")
    assert axe_violations() == []
    # … and what a callback NHSmail did not send gets.
    page.goto(CALLBACK_PATH + "?code=made-up&state=made-up")
    expect(page.get_by_role("heading", level=1)).to_have_text("Signing in with NHSmail did not work")
    assert axe_violations() == []
