"""A secret ballot stays secret on the admin's screens too: a superuser sees that a practice voted, never how."""

import json

import pytest
from django.urls import reverse
from django.utils.html import escape

from priorities import services

from ..factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client_for):
    return client_for(UserFactory(email="admin@example.nhs.uk", is_staff=True, is_superuser=True))


@pytest.fixture
def secret_ballot(make_exercise, make_voter):
    """A practice's ballot in a secret exercise, changed once, so its history holds two versions."""
    exercise, c = make_exercise("points", ["Extended access hubs", "Estates for growing lists", "Workforce"],
                                ballots_visible_after_close=False, points_per_ballot=10)
    practice, user = make_voter(name="Riverside Surgery")
    services.ballot_cast(exercise=exercise, practice=practice, user=user,
                         choices={str(c["Extended access hubs"].pk): 7, str(c["Workforce"].pk): 3})
    ballot = services.ballot_cast(exercise=exercise, practice=practice, user=user,
                                  choices={str(c["Estates for growing lists"].pk): 10})
    return ballot


def _assert_no_choices(html, ballot):
    for title in ("Extended access hubs", "Estates for growing lists", "Workforce"):
        assert title not in html
    for record in ballot.history.all():
        for shown in (json.dumps(record.choices), str(record.choices)):
            assert shown not in html and escape(shown) not in html
    assert "Choices" not in html


def _ballot_admin_pages(ballot):
    first, last = ballot.history.order_by("history_id")
    return [
        reverse("admin:priorities_ballot_changelist"),
        reverse("admin:priorities_ballot_change", args=[ballot.pk]),
        reverse("admin:priorities_ballot_history", args=[ballot.pk]),
        reverse("admin:priorities_ballot_simple_history", args=[ballot.pk, first.history_id]),
        reverse("admin:priorities_ballot_simple_history", args=[ballot.pk, last.history_id]),
        reverse("admin:members_outboxemail_changelist"),
    ]


def test_it_shows_no_admin_page_of_a_secret_ballot_with_its_choices(staff_client, secret_ballot):
    for url in _ballot_admin_pages(secret_ballot):
        response = staff_client.get(url)
        assert response.status_code == 200, url
        _assert_no_choices(response.content.decode(), secret_ballot)


def test_it_shows_the_exercise_and_its_history_without_any_ballots_choices(staff_client, secret_ballot):
    exercise = secret_ballot.exercise
    for url in (
        reverse("admin:priorities_exercise_change", args=[exercise.pk]),
        reverse("admin:priorities_exercise_history", args=[exercise.pk]),
    ):
        response = staff_client.get(url)
        assert response.status_code == 200, url
        html = response.content.decode()
        for record in secret_ballot.history.all():
            for shown in (json.dumps(record.choices), str(record.choices)):
                assert shown not in html and escape(shown) not in html


def test_it_refuses_to_filter_ballots_by_their_choices(staff_client, secret_ballot):
    estates = secret_ballot.exercise.candidates.get(title="Estates for growing lists")
    for lookup in ("choices__has_key", "choices__contains", "choices__icontains"):
        response = staff_client.get(reverse("admin:priorities_ballot_changelist"), {lookup: str(estates.pk)})
        assert response.status_code == 400, lookup
        assert "Riverside Surgery" not in response.content.decode()
