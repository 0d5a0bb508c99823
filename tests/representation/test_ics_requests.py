"""The request form of an ICS: an ICS-level partner sends one request to one, several or all places; each place
gets its own copy, reference, acknowledgement and triage, and the form keeps every protection of a place's form."""

import threading
import time
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from members import places
from members.models import ICS, GroupRole, OutboxEmail
from representation import services
from representation.forms import started_token
from representation.models import Request

from ..factories import GroupRoleFactory, UserFactory

pytestmark = pytest.mark.django_db
URL = "/ics/north-shire/request/"
SENT = "/ics/north-shire/request/sent/"
NEEDED_BY = (timezone.localdate() + timedelta(days=21)).isoformat()


@pytest.fixture
def river_gatekeeper(riverton):
    with places.using(riverton):
        user = UserFactory(email="river-gk@example.nhs.uk", full_name="Rory Gatekeeper")
        GroupRoleFactory(user=user, role=GroupRole.Role.GATEKEEPER)
    return user


def _form(*chosen, **overrides):
    data = {
        "requester_name": "Ivy Partner", "requester_email": "ivy@icb.example.nhs.uk",
        "requester_role": "Director of primary care", "organisation_name": "North Shire ICB",
        "summary": "Winter access plan", "details": "We want general practice's view in each place.",
        "needed_by": NEEDED_BY, "website": "", "started": started_token(at=time.time() - 60),
        "places": [str(c) for c in chosen],
    }
    data.update(overrides)
    return data


def _all_requests():
    with places.unscoped():
        return list(Request.objects.select_related("place", "routed_from_ics").order_by("place__name"))


def test_the_form_is_public_and_offers_the_ics_places(client, ics, riverton, farland):
    response = client.get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Which places is this for?" in html and "All places of North Shire" in html
    assert "Riverton" in html and "Testshire" in html and "Farland" not in html
    assert 'name="started"' in html


def test_an_unknown_ics_or_one_with_no_places_is_not_found(client, ics, farland):
    assert client.get("/ics/nowhere-shire/request/").status_code == 404
    ICS.objects.create(name="Empty Shire", slug="empty-shire", ods_code="QES")
    assert client.get("/ics/empty-shire/request/").status_code == 404


def test_a_request_to_two_places_makes_one_copy_in_each_and_acknowledges_each(
    client, testshire, ics, riverton, lakeside, smtp_inbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(URL, _form(testshire.pk, riverton.pk))
    assert response.status_code == 302 and response.url == SENT
    river, test = _all_requests()
    assert (river.place, test.place) == (riverton, testshire)
    assert river.routed_from_ics == test.routed_from_ics == ics
    assert river.routing_key == test.routing_key is not None
    assert river.reference != test.reference
    assert river.summary == test.summary == "Winter access plan" and river.outcome == ""
    # One submission, one nonce: on the first copy only.
    assert sorted([bool(river.form_nonce), bool(test.form_nonce)]) == [False, True]
    subjects = sorted(m["subject"] for m in smtp_inbox.messages)
    assert subjects == sorted(f"[GP Leadership] We have received your request (reference {r.reference})"
                              for r in (river, test))
    assert all(m["to"] == ["ivy@icb.example.nhs.uk"] for m in smtp_inbox.messages)
    bodies = {m["subject"].rsplit(" ", 1)[-1].rstrip(")"): m["body"] for m in smtp_inbox.messages}
    assert "the GP leadership group of Riverton." in bodies[river.reference]
    assert "the GP leadership group of Testshire." in bodies[test.reference]
    with places.unscoped():
        assert {(e.params["request"], e.place_id) for e in OutboxEmail.objects.all()} == {
            (river.pk, riverton.pk), (test.pk, testshire.pk)}
    assert "Each place you chose will email you" in client.get(SENT).content.decode()


def test_all_places_makes_a_copy_in_every_place_of_the_ics(client, testshire, ics, riverton, lakeside, farland,
                                                           django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(URL, _form("all")).status_code == 302
    assert [r.place.name for r in _all_requests()] == ["Lakeside", "Riverton", "Testshire"]


def test_no_place_chosen_and_bad_answers_are_refused_with_messages_and_kept(client, ics, riverton):
    response = client.post(URL, _form(requester_email="not-an-email", needed_by="2001-01-01"))
    assert response.status_code == 400
    html = response.content.decode()
    assert "There is a problem" in html
    assert "Choose the places the request is for, or all places." in html
    assert "Enter a valid email address." in html
    assert "The date you need a response by must be today or in the future." in html
    assert "not-an-email" in html and "Ivy Partner" in html and "Winter access plan" in html
    assert _all_requests() == []


def test_the_ticked_places_are_kept_when_the_form_is_refused(client, testshire, ics, riverton):
    response = client.post(URL, _form(riverton.pk, summary=""))
    assert response.status_code == 400
    html = response.content.decode()
    assert f'value="{riverton.pk}"' in html
    checked = [line for line in html.splitlines() if 'type="checkbox"' in line and "checked" in line]
    assert len(checked) == 1 and f'value="{riverton.pk}"' in checked[0]


def test_a_place_of_another_ics_is_refused(client, testshire, ics, farland):
    response = client.post(URL, _form(testshire.pk, farland.pk))
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()
    assert _all_requests() == []


def test_the_service_refuses_places_of_another_ics_or_none(ics, farland):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="Choose places of North Shire only."):
        services.check_request_routing(ics=ics, to_places=[farland])
    with pytest.raises(ValidationError, match="Choose the places the request is for"):
        services.check_request_routing(ics=ics, to_places=[])


@pytest.mark.parametrize("field, value, message", [
    ("summary", "Winter\nBcc: victim@example.com", "Remove the invisible control characters"),
    ("details", "x" * 5001, "Ensure this value has at most 5000 characters"),
    ("organisation_name", "y" * 1000, "Ensure this value has at most 200 characters"),
])
def test_the_protections_of_a_place_form_hold(client, testshire, ics, field, value, message):
    response = client.post(URL, _form(testshire.pk, **{field: value}))
    assert response.status_code == 400 and message in response.content.decode()
    assert _all_requests() == []


def test_a_form_sent_too_quickly_or_with_a_forged_token_is_refused(client, testshire, ics, settings):
    settings.REQUEST_FORM_MIN_SECONDS = 3
    assert "sent too quickly" in client.post(URL, _form(testshire.pk, started=started_token())).content.decode()
    assert "We could not check the form" in client.post(URL, _form(testshire.pk, started="forged")).content.decode()
    assert _all_requests() == []


def test_the_honeypot_catches_bots_silently(client, testshire, ics):
    response = client.post(URL, _form(testshire.pk, website="http://spam.example"))
    assert response.status_code == 302 and response.url == SENT
    assert _all_requests() == []


def test_the_limit_is_shared_with_the_place_forms_and_keeps_what_was_typed(client, testshire, ics, riverton,
                                                                          settings):
    settings.REQUEST_FORM_LIMIT = 1
    assert client.post(URL, _form(testshire.pk)).status_code == 302
    response = client.post(URL, _form(riverton.pk, summary="The second one"))
    assert response.status_code == 429
    html = response.content.decode()
    assert "Too many requests" in html and "The second one" in html
    assert any('type="checkbox"' in line and "checked" in line and f'value="{riverton.pk}"' in line
               for line in html.splitlines())
    assert client.post("/testshire/representation/requests/new/", _form()).status_code == 429
    assert len(_all_requests()) == 1


def test_a_replay_is_refused_whatever_places_it_names(client, testshire, ics, riverton, lakeside,
                                                      django_capture_on_commit_callbacks):
    data = _form(testshire.pk, riverton.pk)
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(URL, data).status_code == 302
    for chosen in ([testshire.pk, riverton.pk], [lakeside.pk], ["all"]):
        replay = client.post(URL, {**data, "places": [str(c) for c in chosen], "summary": "Replayed"})
        assert replay.status_code == 400
        html = replay.content.decode()
        assert "This form has already been sent" in html and "Replayed" in html
    # Nor is the token good at a place's own form.
    replay = client.post("/riverton/representation/requests/new/", {**data, "summary": "Replayed"})
    assert replay.status_code == 400 and "This form has already been sent" in replay.content.decode()
    assert len(_all_requests()) == 2


@pytest.mark.django_db(transaction=True)
def test_the_same_form_sent_twice_at_once_makes_one_set_of_copies(testshire, ics, riverton, lakeside):
    from django.core.exceptions import ValidationError

    fields = {k: v for k, v in _form().items() if k not in ("website", "started", "places")}
    fields["needed_by"] = timezone.localdate() + timedelta(days=21)
    barrier = threading.Barrier(2)
    outcomes = []

    def send():
        try:
            barrier.wait(timeout=10)
            services.request_submit_routed(ics=ics, to_places=[testshire, riverton, lakeside],
                                           form_nonce="a" * 32, **fields)
            outcomes.append("sent")
        except ValidationError as error:
            outcomes.append(error.messages[0])
        finally:
            connection.close()

    threads = [threading.Thread(target=send) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcomes) == sorted(["sent", services.requests.FORM_ALREADY_SENT])
    made = _all_requests()
    assert len(made) == 3 and len({r.routing_key for r in made}) == 1


# Each place triages its own copy ---------------------------------------------------------------------------------


@pytest.fixture
def copies(testshire, ics, riverton):
    made = services.request_submit_routed(
        ics=ics, to_places=[testshire, riverton], requester_name="Ivy Partner",
        requester_email="ivy@icb.example.nhs.uk", requester_role="Director", organisation_name="North Shire ICB",
        summary="Winter access plan", details="Our plan.", needed_by=timezone.localdate() + timedelta(days=21),
    )
    return {r.place.slug: r for r in made}


def test_a_gatekeeper_sees_only_their_own_place_copy(client_for, gatekeeper, copies):
    client = client_for(gatekeeper)
    queue = client.get("/testshire/representation/requests/").content.decode()
    assert queue.count("Winter access plan") == 1
    own = client.get(f"/testshire/representation/requests/{copies['testshire'].pk}/")
    assert own.status_code == 200
    assert "Sent to 2 places of North Shire (Riverton, Testshire)" in own.content.decode()
    assert client.get(f"/testshire/representation/requests/{copies['riverton'].pk}/").status_code == 404
    assert client.get(f"/riverton/representation/requests/{copies['riverton'].pk}/").status_code == 404


def test_each_place_triages_its_copy_on_its_own(client_for, river_gatekeeper, copies,
                                                django_capture_on_commit_callbacks):
    river = copies["riverton"]
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(river_gatekeeper).post(
            f"/riverton/representation/requests/{river.pk}/", {"outcome": "declined", "outcome_reason": "Not ours."}
        )
    assert response.status_code == 302
    river_now, test_now = _all_requests()
    assert river_now.outcome == "declined" and test_now.outcome == ""


def test_a_place_own_request_says_nothing_of_other_places(client_for, gatekeeper):
    from ..factories import RequestFactory

    request = RequestFactory(summary="Only for Testshire")
    html = client_for(gatekeeper).get(f"/testshire/representation/requests/{request.pk}/").content.decode()
    assert "Sent to" not in html
