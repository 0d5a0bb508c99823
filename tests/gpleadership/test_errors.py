"""Error pages (400, 403, 404, 500 and a failed CSRF check) come in the portal's layout, with a way back and
nothing about the error itself. Tests run with DEBUG off, as production does."""

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from ..factories import UserFactory

pytestmark = pytest.mark.django_db


def _assert_in_layout(response, status, heading, *, about="/about/"):
    assert response.status_code == status
    html = response.content.decode()
    assert f"<h1>{heading}</h1>" in html
    assert 'class="nhsuk-header"' in html and "GP Leadership Portal" in html
    assert "nhsuk-frontend.min.css" in html
    assert f'href="{about}"' in html
    return html


def test_it_runs_with_debug_off():
    assert settings.DEBUG is False


def test_it_answers_an_unknown_address_with_the_404_page(client):
    response = client.get("/no-such-page/<script>alert(1)</script>")
    html = _assert_in_layout(response, 404, "Page not found")
    assert 'href="/"' in html  # an address of no place: the home page chooses one
    assert "<script>alert(1)" not in html and "no-such-page" not in html


def test_it_answers_a_forbidden_page_with_the_403_page(client_for, outsider):
    response = client_for(outsider).get(reverse("dashboard"))
    html = _assert_in_layout(response, 403, "You do not have access to this page", about=reverse("about"))
    assert "Oscar Outsider" in html  # the header still knows who is signed in


def test_it_answers_a_bad_host_with_the_400_page(client):
    response = client.get(reverse("about"), HTTP_HOST="attacker.example")
    html = _assert_in_layout(response, 400, "Sorry, there is a problem with your request", about=reverse("about"))
    assert "attacker.example" not in html


def test_it_answers_a_suspicious_admin_lookup_with_the_400_page(client_for):
    staff = UserFactory(email="admin@example.nhs.uk", is_staff=True, is_superuser=True)
    response = client_for(staff).get("/admin/members/user/", {"password__startswith": "md5"})
    _assert_in_layout(response, 400, "Sorry, there is a problem with your request")


def test_it_answers_a_failed_csrf_check_with_a_page_that_says_the_form_expired(practice_user):
    client = Client(enforce_csrf_checks=True)
    response = client.post(
        reverse("account_login"), {"login": "pm@example.nhs.uk", "password": "correct-horse-battery"}
    )
    html = _assert_in_layout(response, 403, "The form has expired", about=reverse("about"))
    assert "try again" in html
    assert "CSRF cookie not set" not in html
    assert client.get(reverse("home")).status_code == 302


@pytest.mark.urls("tests.gpleadership.error_urls")
def test_it_answers_a_crash_with_a_500_page_that_tells_nothing(client):
    client.raise_request_exception = False
    response = client.get("/broken/")
    assert response.status_code == 500
    html = response.content.decode()
    assert "<h1>Sorry, there is a problem with the service</h1>" in html
    assert 'class="nhsuk-header"' in html and "nhsuk-frontend.min.css" in html
    assert 'href="/"' in html and 'href="/about/"' in html
    for detail in ("hunter2", "RuntimeError", "/srv/secret", "Traceback", "/broken/"):
        assert detail not in html
