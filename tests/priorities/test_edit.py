"""Changing a candidate while its exercise is a draft, and archiving an exercise (the chair only)."""

import pytest
from django.contrib.messages import get_messages
from django.core.exceptions import ValidationError
from django.urls import reverse

from priorities import services
from priorities.models import Candidate, Exercise

from ..factories import AgreedPriorityFactory, CandidateFactory, ExerciseFactory

pytestmark = pytest.mark.django_db

MANAGERS = ["chair", "gatekeeper"]
NOT_MANAGERS = ["member", "observer", "practice_user", "outsider"]


@pytest.fixture
def draft(db):
    exercise = ExerciseFactory(status="draft", places=1)
    for n, name in enumerate(["Estates", "Workforce"]):
        CandidateFactory(exercise=exercise, title=name, position=n)
    return exercise


@pytest.fixture
def candidate(draft):
    return draft.candidates.get(title="Estates")


def _edit_url(candidate):
    return reverse("priorities:candidate_edit", args=[candidate.pk])


def _candidate_post(**overrides):
    data = {
        "title": "Estates and premises",
        "description": "Fit-for-purpose buildings.",
        "influence_sought": "The ICB funds the improvement grants.",
    }
    data.update(overrides)
    return data


def _messages(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


# --- changing a candidate ---------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", MANAGERS)
def test_managers_see_the_candidate_form(client_for, request, candidate, persona):
    response = client_for(request.getfixturevalue(persona)).get(_edit_url(candidate))
    assert response.status_code == 200
    assert 'value="Estates"' in response.content.decode()


def test_the_exercise_page_links_to_changing_a_draft_candidate(client_for, chair, draft, candidate):
    html = client_for(chair).get(reverse("priorities:exercise", args=[draft.pk])).content.decode()
    assert _edit_url(candidate) in html


@pytest.mark.parametrize("persona", MANAGERS)
def test_managers_change_a_candidate_and_history_records_it(client_for, request, draft, candidate, persona):
    before = candidate.history.count()
    response = client_for(request.getfixturevalue(persona)).post(
        _edit_url(candidate), _candidate_post(title="  Estates and premises  ")
    )
    assert response.status_code == 302 and response.url == reverse("priorities:exercise", args=[draft.pk])
    candidate.refresh_from_db()
    assert (candidate.title, candidate.description, candidate.influence_sought) == (
        "Estates and premises", "Fit-for-purpose buildings.", "The ICB funds the improvement grants.",
    )
    assert candidate.position == 0 and not candidate.is_archived
    assert candidate.history.count() == before + 1
    latest = candidate.history.first()
    assert latest.history_type == "~" and latest.title == "Estates and premises"


@pytest.mark.parametrize("persona", NOT_MANAGERS)
def test_others_are_refused_changing_a_candidate(client_for, request, candidate, persona):
    client = client_for(request.getfixturevalue(persona))
    # The candidate's exercise is a draft, which only those who run exercises see: to anyone else it is not there.
    assert client.get(_edit_url(candidate)).status_code == 404
    assert client.post(_edit_url(candidate), _candidate_post()).status_code == 404
    candidate.refresh_from_db()
    assert candidate.title == "Estates"


def test_anonymous_visitors_are_sent_to_sign_in_to_change_a_candidate(client, candidate):
    for response in (client.get(_edit_url(candidate)), client.post(_edit_url(candidate), _candidate_post())):
        assert response.status_code == 302 and response.url.startswith(reverse("account_login"))
    candidate.refresh_from_db()
    assert candidate.title == "Estates"


@pytest.mark.parametrize(
    ("data", "error"),
    [
        (_candidate_post(title=""), "This field is required."),
        (_candidate_post(title="workforce"), "There is already a candidate with this title."),
    ],
)
def test_bad_candidate_input_shows_the_error_summary_and_keeps_what_was_typed(client_for, chair, candidate, data,
                                                                            error):
    before = candidate.history.count()
    response = client_for(chair).post(_edit_url(candidate), data)
    html = response.content.decode()
    assert response.status_code == 400
    assert "There is a problem" in html and error in html
    assert "Fit-for-purpose buildings." in html  # the description as typed
    candidate.refresh_from_db()
    assert (candidate.title, candidate.description) == ("Estates", "What it would change for patients.")
    assert candidate.history.count() == before


def test_a_candidate_keeps_its_own_title(client_for, chair, candidate):
    response = client_for(chair).post(_edit_url(candidate), _candidate_post(title="Estates"))
    assert response.status_code == 302
    candidate.refresh_from_db()
    assert candidate.description == "Fit-for-purpose buildings."


def test_candidates_are_fixed_once_voting_opens(client_for, chair, draft, candidate):
    services.exercise_open(exercise=draft, opened_by=chair)
    before = candidate.history.count()
    client = client_for(chair)
    for response in (client.get(_edit_url(candidate)), client.post(_edit_url(candidate), _candidate_post())):
        assert response.status_code == 302 and response.url == reverse("priorities:exercise", args=[draft.pk])
        assert "Voting has opened, so the candidates can no longer be changed." in _messages(response)
    candidate.refresh_from_db()
    assert candidate.title == "Estates" and candidate.history.count() == before
    html = client.get(reverse("priorities:exercise", args=[draft.pk])).content.decode()
    assert _edit_url(candidate) not in html


def test_the_service_refuses_a_change_once_voting_opened(chair, draft, candidate):
    services.exercise_open(exercise=draft, opened_by=chair)
    with pytest.raises(ValidationError, match="Voting has opened"):
        services.candidate_update(candidate=candidate, title="Something else")
    assert Candidate.objects.get(pk=candidate.pk).title == "Estates"


def test_a_removed_candidate_cannot_be_changed(client_for, chair, candidate):
    services.candidate_archive(candidate=candidate)
    assert client_for(chair).get(_edit_url(candidate)).status_code == 404


# --- archiving an exercise --------------------------------------------------------------------------------


def _archive_url(exercise):
    return reverse("priorities:exercise_archive", args=[exercise.pk])


def _published(chair):
    exercise = ExerciseFactory(method="approval", places=1)
    for n, name in enumerate(["Estates", "Workforce"]):
        CandidateFactory(exercise=exercise, title=name, position=n)
    services.exercise_close(exercise=exercise)
    return services.exercise_publish(exercise=exercise, published_by=chair)


@pytest.mark.parametrize("kind", ["draft", "published"])
def test_the_chair_archives_a_draft_or_published_exercise(client_for, request, chair, kind):
    exercise = request.getfixturevalue("draft") if kind == "draft" else _published(chair)
    client = client_for(chair)
    page = client.get(reverse("priorities:exercise", args=[exercise.pk])).content.decode()
    assert _archive_url(exercise) in page
    assert reverse("priorities:exercise", args=[exercise.pk]) in client.get(reverse("priorities:list")).content.decode()
    before = exercise.history.count()
    response = client.post(_archive_url(exercise))
    assert response.status_code == 302 and response.url == reverse("priorities:list")
    exercise.refresh_from_db()
    assert exercise.is_archived and exercise.status == kind
    assert exercise.history.count() == before + 1 and exercise.history.first().is_archived
    # Nothing is deleted; it only drops out of sight.
    assert Candidate.objects.filter(exercise=exercise, is_archived=False).count() == 2
    listed = client.get(reverse("priorities:list")).content.decode()
    assert f"“{exercise.title}” is archived." in listed
    assert reverse("priorities:exercise", args=[exercise.pk]) not in listed
    assert client.get(reverse("priorities:exercise", args=[exercise.pk])).status_code == 404


@pytest.mark.parametrize("persona", ["gatekeeper", "member", "observer", "practice_user", "outsider"])
def test_only_the_chair_archives(client_for, request, draft, persona):
    response = client_for(request.getfixturevalue(persona)).post(_archive_url(draft))
    assert response.status_code == (403 if persona == "gatekeeper" else 404)  # only managers see a draft
    draft.refresh_from_db()
    assert not draft.is_archived


def test_the_gatekeeper_sees_no_archive_button(client_for, gatekeeper, draft):
    html = client_for(gatekeeper).get(reverse("priorities:exercise", args=[draft.pk])).content.decode()
    assert _archive_url(draft) not in html


def test_anonymous_visitors_are_sent_to_sign_in_to_archive(client, draft):
    response = client.post(_archive_url(draft))
    assert response.status_code == 302 and response.url.startswith(reverse("account_login"))
    draft.refresh_from_db()
    assert not draft.is_archived


def test_archiving_needs_post(client_for, chair, draft):
    assert client_for(chair).get(_archive_url(draft)).status_code == 405
    draft.refresh_from_db()
    assert not draft.is_archived


def test_an_open_exercise_must_be_closed_before_archiving(client_for, chair, draft):
    services.exercise_open(exercise=draft, opened_by=chair)
    client = client_for(chair)
    assert _archive_url(draft) not in client.get(reverse("priorities:exercise", args=[draft.pk])).content.decode()
    response = client.post(_archive_url(draft))
    assert response.status_code == 302 and response.url == reverse("priorities:exercise", args=[draft.pk])
    assert "Voting is open. Close the vote before archiving the exercise." in _messages(response)
    draft.refresh_from_db()
    assert not draft.is_archived and draft.status == Exercise.Status.OPEN


def test_a_counted_result_is_published_before_archiving(chair):
    exercise = ExerciseFactory(method="approval", places=1)
    CandidateFactory(exercise=exercise)
    services.exercise_close(exercise=exercise)
    with pytest.raises(ValidationError, match="Publish it before archiving"):
        services.exercise_archive(exercise=exercise)
    exercise.refresh_from_db()
    assert not exercise.is_archived


def test_an_agreed_priority_of_an_archived_exercise_does_not_link_to_it(client_for, chair):
    exercise = _published(chair)
    priority = AgreedPriorityFactory(exercise=exercise, candidate=exercise.candidates.first(), confirmed_by=chair)
    client = client_for(chair)
    assert client.post(_archive_url(exercise)).status_code == 302
    page = client.get(reverse("priorities:priority", args=[priority.pk])).content.decode()
    assert "(archived)" in page
    assert reverse("priorities:exercise", args=[exercise.pk]) not in page
