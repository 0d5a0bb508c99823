"""The public request form: no account, protected against bots and flooding, nothing lost on a failed submit,
and the requester's emails sent through a real SMTP server."""

import time
from datetime import timedelta

import pytest
from django.core import signing
from django.urls import reverse
from django.utils import timezone

from representation.forms import STARTED_SALT
from representation.models import Request, RequestEmail

pytestmark = pytest.mark.django_db
URL = reverse("representation:request_new")
NEEDED_BY = (timezone.localdate() + timedelta(days=21)).isoformat()


def _started(seconds_ago: float = 60) -> str:
    return signing.dumps(time.time() - seconds_ago, salt=STARTED_SALT)


def _form(**overrides):
    data = {
        "requester_name": "Tess Partner", "requester_email": "tess@trust.example.nhs.uk",
        "requester_role": "Director of strategy", "organisation_name": "Northbrook Hospitals NHS Foundation Trust",
        "summary": "Discharge letters", "details": "We want general practice's view on a discharge standard.",
        "needed_by": NEEDED_BY, "website": "", "started": _started(),
    }
    data.update(overrides)
    return data


def test_the_form_is_public(client):
    response = client.get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Send a request to general practice" in html and 'name="started"' in html


def test_a_system_partner_sends_a_request_and_gets_an_acknowledgement(
    client, smtp_inbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(URL, _form())
    assert response.status_code == 302 and response.url == reverse("representation:request_sent")
    request = Request.objects.get()
    assert request.organisation_name == "Northbrook Hospitals NHS Foundation Trust"
    assert request.outcome == "" and request.triage_due_on > timezone.localdate()
    assert len(smtp_inbox.messages) == 1
    message = smtp_inbox.messages[0]
    assert message["to"] == ["tess@trust.example.nhs.uk"]
    assert "We have received your request: Discharge letters" in message["subject"]
    assert request.triage_due_on.strftime("%-d %B %Y") in message["body"]
    assert RequestEmail.objects.get().sent_at is not None
    assert client.get(reverse("representation:request_sent")).status_code == 200


def test_bad_input_is_refused_with_clear_messages_and_keeps_what_was_typed(client):
    response = client.post(URL, _form(requester_email="not-an-email", summary="", needed_by="2001-01-01"))
    assert response.status_code == 400
    html = response.content.decode()
    assert "There is a problem" in html
    assert "Enter a valid email address." in html
    assert "The date you need a response by must be today or in the future." in html
    assert "not-an-email" in html and "Tess Partner" in html and "Director of strategy" in html
    assert "We want general practice&#x27;s view on a discharge standard." in html
    assert not Request.objects.exists()


def test_a_form_sent_too_quickly_is_refused_but_kept(client, settings):
    settings.REQUEST_FORM_MIN_SECONDS = 3
    response = client.post(URL, _form(started=_started(seconds_ago=0)))
    assert response.status_code == 400
    html = response.content.decode()
    assert "sent too quickly" in html and "Discharge letters" in html
    assert not Request.objects.exists()


def test_a_tampered_or_missing_timestamp_is_refused(client):
    for started in ["", "forged"]:
        response = client.post(URL, _form(started=started))
        assert response.status_code == 400
        assert "We could not check the form" in response.content.decode()
    assert not Request.objects.exists()


def test_a_form_left_open_for_more_than_a_day_is_refused_with_a_fresh_token(client, monkeypatch):
    two_days_ago = time.time() - 2 * 86400
    with monkeypatch.context() as patched:
        patched.setattr(time, "time", lambda: two_days_ago)  # the signature carries the time it was made
        stale = signing.dumps(two_days_ago, salt=STARTED_SALT)
    response = client.post(URL, _form(started=stale))
    assert response.status_code == 400
    html = response.content.decode()
    assert "open for more than a day" in html and "Discharge letters" in html
    assert f'value="{stale}"' not in html  # a fresh token, so the next send is accepted


def test_the_honeypot_catches_bots_silently(client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.post(URL, _form(website="http://spam.example"))
    assert response.status_code == 302
    assert not Request.objects.exists() and callbacks == []


def test_too_many_submissions_from_one_address_are_refused_and_kept(client, settings):
    settings.REQUEST_FORM_LIMIT = 2
    settings.REQUEST_FORM_WINDOW_SECONDS = 600
    for n in range(2):
        assert client.post(URL, _form(summary=f"Request {n}")).status_code == 302
    response = client.post(URL, _form(summary="The third one", details="Please keep this text"),
                           REMOTE_ADDR="127.0.0.1")
    assert response.status_code == 429
    html = response.content.decode()
    assert "Too many requests" in html and "up to 2 submissions from one address in 10 minutes" in html
    assert "The third one" in html and "Please keep this text" in html
    assert Request.objects.count() == 2
    # Another address is not affected.
    assert client.post(URL, _form(summary="From elsewhere"), REMOTE_ADDR="10.0.0.9").status_code == 302


def test_the_limit_counts_failed_attempts_too(client, settings):
    settings.REQUEST_FORM_LIMIT = 1
    assert client.post(URL, _form(summary="")).status_code == 400
    assert client.post(URL, _form()).status_code == 429
    assert not Request.objects.exists()


def test_the_limit_is_counted_in_the_shared_cache(client, settings):
    from django.core.cache import cache, caches

    settings.REQUEST_FORM_LIMIT = 5
    client.post(URL, _form())
    client.post(URL, _form())
    assert cache.get("representation:request-form:127.0.0.1") == 2
    assert "Redis" in type(caches["default"]).__name__


def test_the_requester_gets_the_outcome_after_triage(client_for, gatekeeper, smtp_inbox,
                                                     django_capture_on_commit_callbacks):
    from ..factories import LeadershipMeetingFactory, RequestFactory

    request = RequestFactory(requester_email="tess@trust.example.nhs.uk", summary="Vaccination plan")
    meeting = LeadershipMeetingFactory(has_partner_slot=True)
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(gatekeeper).post(reverse("representation:request", args=[request.pk]),
                                               {"outcome": "agenda"})
    assert response.status_code == 302
    assert len(smtp_inbox.messages) == 1
    message = smtp_inbox.messages[0]
    assert "Our answer to your request: Vaccination plan" in message["subject"]
    assert "Item on the leadership meeting agenda" in message["body"]
    assert meeting.meets_on.strftime("%-d %B %Y") in message["body"]
