"""Sign-in through allauth: email is the login, no public sign-up, verified addresses, rate limits, admin."""

import pytest
from allauth.account.models import EmailAddress
from django.urls import reverse

from members.models import User

from ..factories import UserFactory

pytestmark = pytest.mark.django_db


def test_a_verified_person_signs_in_with_their_email(client, practice_user):
    response = client.post(
        reverse("account_login"), {"login": "PM@example.nhs.uk", "password": "correct-horse-battery"}
    )
    assert response.status_code == 302
    assert client.get(reverse("home")).status_code == 200


def test_a_wrong_password_is_refused_with_the_error_summary(client, practice_user):
    response = client.post(reverse("account_login"), {"login": "pm@example.nhs.uk", "password": "wrong"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "There is a problem" in html
    assert 'value="pm@example.nhs.uk"' in html
    assert client.get(reverse("home")).status_code == 302


def test_an_unverified_address_cannot_sign_in(client, smtp_inbox, deliver):
    user = User.objects.create_user(email="new@example.nhs.uk", password="correct-horse-battery", full_name="New")
    EmailAddress.objects.create(user=user, email=user.email, verified=False, primary=True)
    response = client.post(
        reverse("account_login"), {"login": "new@example.nhs.uk", "password": "correct-horse-battery"}
    )
    assert response.status_code == 302
    assert response.url == reverse("account_email_verification_sent")
    assert client.get(reverse("home")).status_code == 302
    deliver()
    assert any("new@example.nhs.uk" in m["to"] for m in smtp_inbox.messages)


def test_there_is_no_public_sign_up(client):
    response = client.post(
        reverse("account_signup"),
        {"email": "x@example.com", "password1": "a-long-passphrase", "password2": "a-long-passphrase"},
    )
    assert "invitation only" in response.content.decode()
    assert not User.objects.filter(email="x@example.com").exists()


def test_repeated_failed_sign_ins_are_rate_limited(client, practice_user):
    for _ in range(5):
        client.post(reverse("account_login"), {"login": "pm@example.nhs.uk", "password": "wrong"})
    response = client.post(
        reverse("account_login"), {"login": "pm@example.nhs.uk", "password": "correct-horse-battery"}
    )
    assert response.status_code == 429
    assert "Too many failed sign-in attempts" in response.content.decode()
    assert client.get(reverse("home")).status_code == 302


def test_password_reset_sends_a_link_that_sets_a_new_password(client, practice_user, smtp_inbox, deliver):
    response = client.post(reverse("account_reset_password"), {"email": "pm@example.nhs.uk"})
    assert response.status_code == 302
    deliver()
    [message] = smtp_inbox.messages
    link = next(line for line in message["body"].splitlines() if "/accounts/password/reset/key/" in line)
    path = link[link.index("/accounts/"):].strip()
    response = client.get(path)
    assert response.status_code == 302  # allauth moves the key into the session
    response = client.post(
        response.url, {"password1": "a-brand-new-passphrase", "password2": "a-brand-new-passphrase"}
    )
    assert response.status_code == 302
    practice_user.refresh_from_db()
    assert practice_user.check_password("a-brand-new-passphrase")


def test_sign_out_is_a_post(client_for, practice_user):
    client = client_for(practice_user)
    assert client.post(reverse("account_logout")).status_code == 302
    assert client.get(reverse("home")).status_code == 302


def test_admin_sign_in_goes_through_allauth(client):
    response = client.get("/admin/login/")
    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/")  # the admin is no place's


def test_admin_refuses_signed_in_people_who_are_not_staff(client_for, chair):
    assert client_for(chair).get("/admin/login/").status_code == 403


def test_admin_lets_staff_in(client_for):
    staff = UserFactory(email="admin@example.nhs.uk", is_staff=True, is_superuser=True)
    assert client_for(staff).get("/admin/").status_code == 200


def test_the_admin_cannot_delete_people(client_for, practice_user):
    staff = UserFactory(email="admin@example.nhs.uk", is_staff=True, is_superuser=True)
    response = client_for(staff).post(
        f"/admin/members/user/{practice_user.pk}/delete/", {"post": "yes"}
    )
    assert response.status_code == 403
    assert User.objects.filter(pk=practice_user.pk).exists()
