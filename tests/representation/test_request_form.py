"""The public request form: no account, protected against bots and flooding, nothing lost on a failed submit,
and the requester's emails sent through a real SMTP server."""

import time
from datetime import timedelta

import pytest
from django.core import signing
from django.urls import reverse, reverse_lazy
from django.utils import timezone

from members.models import OutboxEmail
from representation.forms import started_token
from representation.models import Request

pytestmark = pytest.mark.django_db
URL = reverse_lazy("representation:request_new")  # in Testshire, once the test runs
NEEDED_BY = (timezone.localdate() + timedelta(days=21)).isoformat()


def _started(seconds_ago: float = 60) -> str:
    return started_token(at=time.time() - seconds_ago)


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
    assert message["subject"] == f"[GP Leadership] We have received your request (reference {request.reference})"
    assert "Discharge letters" in message["body"]
    assert request.triage_due_on.strftime("%-d %B %Y") in message["body"]
    assert OutboxEmail.objects.get(params__request=request.pk).status == "sent"
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


def test_a_person_who_left_answers_empty_is_told_what_is_missing_not_that_they_were_quick(client, settings):
    settings.REQUEST_FORM_MIN_SECONDS = 3
    response = client.post(URL, _form(summary="", details="", started=_started(seconds_ago=0)))
    assert response.status_code == 400
    html = response.content.decode()
    assert "sent too quickly" not in html
    assert "This field is required." in html  # what is missing is said instead
    # The summary names each field with its problem (issue 14, point 5).
    from representation.forms import RequestForm

    label = RequestForm().fields["summary"].label
    assert f">{label}: This field is required.</a>" in html
    assert "Tess Partner" in html  # what was typed is kept
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
        stale = started_token(at=two_days_ago)
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
    assert "Our answer to your request (reference R" in message["subject"]
    assert "Vaccination plan" not in message["subject"] and "Vaccination plan" in message["body"]
    assert "Item on the leadership meeting agenda" in message["body"]
    assert meeting.meets_on.strftime("%-d %B %Y") in message["body"]


# The public door holds: what an attacker tried, and its refusal -------------------------------------------------


def test_a_megabyte_of_details_is_refused_and_nothing_is_stored(client):
    response = client.post(URL, _form(details="x" * 1_000_000))
    assert response.status_code == 400
    assert "Ensure this value has at most 5000 characters" in response.content.decode()
    assert not Request.objects.exists()


@pytest.mark.parametrize("field", ["requester_name", "requester_role", "organisation_name", "summary"])
def test_every_short_answer_has_a_maximum_length(client, field):
    response = client.post(URL, _form(**{field: "y" * 1000}))
    assert response.status_code == 400
    assert not Request.objects.exists()


def test_a_null_character_is_refused(client):
    response = client.post(URL, _form(summary="Discharge\x00letters"))
    assert response.status_code == 400
    assert "Null characters are not allowed" in response.content.decode()
    assert not Request.objects.exists()


@pytest.mark.parametrize("field, value", [
    ("summary", "Discharge letters\nBcc: victim@example.com"),
    ("requester_name", "Tess\x1b[31mPartner"),
    ("organisation_name", "Trust \u202egnp.exe"),
    ("details", "Please\x07 reply"),
])
def test_control_characters_are_refused_with_a_clear_message_and_kept_input(client, field, value):
    response = client.post(URL, _form(**{field: value}))
    assert response.status_code == 400
    html = response.content.decode()
    assert "Remove the invisible control characters" in html
    assert "Tess Partner" in html or field == "requester_name"
    assert not Request.objects.exists()


def test_line_breaks_are_fine_in_the_details(client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(URL, _form(details="First line.\r\nSecond line.\tTabbed."))
    assert response.status_code == 302
    assert Request.objects.get().details == "First line.\r\nSecond line.\tTabbed."


def test_a_form_token_is_single_use(client, django_capture_on_commit_callbacks):
    data = _form()
    with django_capture_on_commit_callbacks(execute=True):
        first = client.post(URL, data)
    assert first.status_code == 302
    for _ in range(3):
        replay = client.post(URL, {**data, "summary": "Replayed"})
        assert replay.status_code == 400
        html = replay.content.decode()
        assert "This form has already been sent" in html
        assert "Replayed" in html  # what was typed is kept
        assert f'value="{data["started"]}"' not in html  # with a fresh token, so a real second request can go
    assert Request.objects.count() == 1


def test_a_tampered_token_is_refused(client):
    forged = signing.dumps({"t": time.time() - 60, "n": "x"}, salt="another-salt")
    assert client.post(URL, _form(started=forged)).status_code == 400
    assert not Request.objects.exists()


def test_the_email_to_the_typed_address_never_carries_typed_text_in_its_subject(
    client, smtp_inbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(URL, _form(summary="WIN A PRIZE at evil.example", requester_name="Claim now"))
    [message] = smtp_inbox.messages
    assert "PRIZE" not in message["subject"] and "Claim" not in message["subject"]
    reference = Request.objects.get().reference
    assert message["subject"] == f"[GP Leadership] We have received your request (reference {reference})"
