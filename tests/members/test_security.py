"""Findings of the penetration test, each written as the attacker's request and the portal's refusal."""

import time

import pytest
from allauth.account.models import EmailAddress
from django.contrib import admin
from django.contrib.auth.models import Group
from django.core import mail
from django.test import Client
from django.urls import reverse

from members import outbox

from ..factories import UserFactory

pytestmark = pytest.mark.django_db

STRANGER = "203.0.113.5"
STRANGER_TOO = "203.0.113.77"
OWNER = "198.51.100.7"
PASSWORD = "correct-horse-battery"


def _sign_in(client, email, password, address):
    return client.post(reverse("account_login"), {"login": email, "password": password}, REMOTE_ADDR=address)


def _fail_five_times(client, email, address):
    for _ in range(5):
        assert _sign_in(client, email, "wrong-guess", address).status_code == 200


def _reset_password(client, email, address, new_password):
    client.post(reverse("account_reset_password"), {"email": email}, REMOTE_ADDR=address)
    outbox.sweep()  # OUTBOX_SWEEP_GRACE_SECONDS is 0 in tests
    [message] = mail.outbox
    link = next(line for line in message.body.splitlines() if "/accounts/password/reset/key/" in line)
    response = client.get(link[link.index("/accounts/"):].strip(), REMOTE_ADDR=address)
    response = client.post(response.url, {"password1": new_password, "password2": new_password}, REMOTE_ADDR=address)
    assert response.status_code == 302


# --- Sign-in throttling -------------------------------------------------------------------------------------------


def test_it_answers_429_with_a_page_that_says_when_to_try_again(client, practice_user):
    _fail_five_times(client, "pm@example.nhs.uk", STRANGER)

    response = _sign_in(client, "PM@example.nhs.uk", PASSWORD, STRANGER)

    assert response.status_code == 429
    assert 1 <= int(response["Retry-After"]) <= 300
    assert "no-store" in response["Cache-Control"]
    html = response.content.decode()
    assert "Too many failed sign-in attempts" in html
    assert "You can try again after" in html
    assert f'href="{reverse("account_reset_password")}"' in html
    assert 'value="pm@example.nhs.uk"' in html  # what was typed is kept
    assert "GP Leadership Portal" in html and 'class="nhsuk-header"' in html
    assert client.get(reverse("home")).status_code == 302


def test_it_does_not_let_a_stranger_lock_the_owner_out_from_another_address(practice_user):
    stranger, owner = Client(), Client()
    _fail_five_times(stranger, "pm@example.nhs.uk", STRANGER)
    assert _sign_in(stranger, "pm@example.nhs.uk", PASSWORD, STRANGER).status_code == 429

    assert _sign_in(owner, "pm@example.nhs.uk", PASSWORD, OWNER).status_code == 302
    assert owner.get(reverse("home")).status_code == 200


def test_it_counts_only_failures_against_the_limit(practice_user):
    owner = Client()
    for _ in range(7):
        assert _sign_in(owner, "pm@example.nhs.uk", PASSWORD, OWNER).status_code == 302
        owner.post(reverse("account_logout"))
    _fail_five_times(owner, "pm@example.nhs.uk", OWNER)


def test_it_locks_the_owner_out_for_the_window_only_when_guesses_come_from_many_addresses(settings, practice_user):
    # A short window stands in for allauth's five minutes, so the test can wait it out.
    settings.ACCOUNT_RATE_LIMITS = {
        **settings.ACCOUNT_RATE_LIMITS, "login_failed": "10/m/ip,5/3s/key", "login_failed_account": "10/3s/key"
    }
    stranger, owner = Client(), Client()
    _fail_five_times(stranger, "pm@example.nhs.uk", STRANGER)
    _fail_five_times(stranger, "pm@example.nhs.uk", STRANGER_TOO)

    assert _sign_in(owner, "pm@example.nhs.uk", PASSWORD, OWNER).status_code == 429

    time.sleep(3.1)
    assert _sign_in(owner, "pm@example.nhs.uk", PASSWORD, OWNER).status_code == 302


def test_it_lifts_the_lockout_once_the_owner_resets_their_password(practice_user):
    stranger, owner = Client(), Client()
    _fail_five_times(stranger, "pm@example.nhs.uk", STRANGER)
    _fail_five_times(stranger, "pm@example.nhs.uk", STRANGER_TOO)
    assert _sign_in(owner, "pm@example.nhs.uk", PASSWORD, OWNER).status_code == 429

    _reset_password(owner, "pm@example.nhs.uk", OWNER, "a-brand-new-passphrase")

    assert _sign_in(owner, "pm@example.nhs.uk", "a-brand-new-passphrase", OWNER).status_code == 302


def test_it_keeps_allauths_per_address_limit_across_many_emails(practice_user):
    stranger = Client()
    for n in range(10):
        _sign_in(stranger, f"someone{n}@example.nhs.uk", "wrong-guess", STRANGER)

    assert _sign_in(stranger, "pm@example.nhs.uk", PASSWORD, STRANGER).status_code == 429
    assert _sign_in(Client(), "pm@example.nhs.uk", PASSWORD, OWNER).status_code == 302


def test_it_answers_too_many_reset_requests_with_429_in_the_portals_layout(client, practice_user, deliver):
    for _ in range(5):
        client.post(reverse("account_reset_password"), {"email": "pm@example.nhs.uk"}, REMOTE_ADDR=STRANGER)

    response = client.post(reverse("account_reset_password"), {"email": "pm@example.nhs.uk"}, REMOTE_ADDR=STRANGER)

    assert response.status_code == 429
    html = response.content.decode()
    assert "<h1>Too many requests</h1>" in html and 'class="nhsuk-header"' in html
    deliver()
    assert len(mail.outbox) == 5


# --- Password reset -----------------------------------------------------------------------------------------------


def test_it_sends_nothing_to_an_address_without_an_account_and_never_mentions_sign_up(client, practice_user):
    assert "sign up" not in client.get(reverse("account_reset_password")).content.decode().lower()
    response = client.post(reverse("account_reset_password"), {"email": "nobody@example.com"}, follow=True)

    assert response.status_code == 200
    assert mail.outbox == []
    html = response.content.decode().lower()
    assert "check your email" in html
    for word in ("sign up", "sign-up", "signup", "register"):
        assert word not in html


def test_it_answers_a_known_address_exactly_as_an_unknown_one(client, practice_user):
    unknown = client.post(reverse("account_reset_password"), {"email": "nobody@example.com"}, follow=True)
    known = client.post(reverse("account_reset_password"), {"email": "pm@example.nhs.uk"}, follow=True)

    assert known.redirect_chain == unknown.redirect_chain
    assert known.content == unknown.content


def test_it_sends_one_reset_email_in_the_portals_name_whose_link_works(client, practice_user, deliver):
    client.post(reverse("account_reset_password"), {"email": "pm@example.nhs.uk"})
    deliver()

    [message] = mail.outbox
    assert message.to == ["pm@example.nhs.uk"]
    assert message.subject == "[GP Leadership] Reset your password for the GP Leadership Portal"
    assert "GP Leadership Portal" in message.body
    assert "testserver" not in message.body.replace("http://testserver/", "")  # the host does not name the portal
    assert "sign up" not in message.body.lower()
    link = next(line for line in message.body.splitlines() if "/accounts/password/reset/key/" in line)
    response = client.get(link[link.index("/accounts/"):].strip())
    response = client.post(
        response.url, {"password1": "a-brand-new-passphrase", "password2": "a-brand-new-passphrase"}
    )
    assert response.status_code == 302
    practice_user.refresh_from_db()
    assert practice_user.check_password("a-brand-new-passphrase")


# --- The admin deletes nothing ------------------------------------------------------------------------------------


@pytest.fixture
def superuser(db):
    return UserFactory(email="admin@example.nhs.uk", is_staff=True, is_superuser=True)


def test_it_lets_no_registered_admin_delete_for_a_superuser(rf, superuser):
    request = rf.get("/admin/")
    request.user = superuser
    assert admin.site._registry
    for model, model_admin in admin.site._registry.items():
        assert not model_admin.has_delete_permission(request), model
        assert "delete_selected" not in model_admin.get_actions(request), model
        for inline in model_admin.get_inline_instances(request):
            # An inline deletes rows only if it both may and offers to (Django's InlineModelAdmin.get_formset).
            assert not (inline.can_delete and inline.has_delete_permission(request)), (model, inline)


@pytest.mark.parametrize("model", [EmailAddress, Group])
def test_it_refuses_a_superusers_delete_of_an_address_or_group(client_for, superuser, practice_user, model):
    row = EmailAddress.objects.get(email="pm@example.nhs.uk") if model is EmailAddress else Group.objects.create(
        name="Gatekeepers"
    )
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_delete", args=[row.pk])

    response = client_for(superuser).post(url, {"post": "yes"})

    assert response.status_code == 403
    assert model.objects.filter(pk=row.pk).exists()


@pytest.mark.parametrize("model", [EmailAddress, Group])
def test_it_refuses_a_superusers_bulk_delete(client_for, superuser, practice_user, model):
    row = EmailAddress.objects.get(email="pm@example.nhs.uk") if model is EmailAddress else Group.objects.create(
        name="Gatekeepers"
    )
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")

    client_for(superuser).post(url, {"action": "delete_selected", "_selected_action": [row.pk], "post": "yes"})

    assert model.objects.filter(pk=row.pk).exists()
