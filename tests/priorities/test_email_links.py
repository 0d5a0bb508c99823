"""One click from email: "open the ballot for <practice>" (members.email_links)."""

import re

import pytest
from django.urls import reverse
from django.utils import timezone

from priorities import emails, services
from priorities.models import Ballot

from ..factories import MembershipFactory, UserFactory
from ..members.test_email_links import aged


def path_of(link: str) -> str:
    return re.sub(r"^https?://[^/]+", "", link)


@pytest.fixture
def vote(make_exercise, make_voter):
    exercise, candidates = make_exercise("approval")
    practice, contact = make_voter(name="Riverside Surgery")
    link = path_of(emails.ballot_link(exercise_id=exercise.pk, practice_id=practice.pk))
    return exercise, candidates, practice, contact, link


def test_the_voting_contact_sees_the_practice_and_is_taken_to_its_ballot(client_for, vote):
    exercise, _, practice, contact, link = vote
    client = client_for(contact)
    page = client.get(link)
    assert page.status_code == 200
    assert "Open the ballot for Riverside Surgery" in page.content.decode()
    response = client.post(link)
    assert response.status_code == 302
    assert response["Location"] == reverse("priorities:vote", args=[exercise.pk, practice.pk])
    assert not Ballot.objects.exists()  # the ballot is cast on its own page


def test_someone_at_the_practice_who_is_not_its_voting_contact_is_told(client_for, vote):
    _, _, practice, _, link = vote
    receptionist = UserFactory()
    MembershipFactory(user=receptionist, organisation=practice, role_title="Receptionist")
    response = client_for(receptionist).get(link)
    assert response.status_code == 403
    assert "This link is for another practice&#x27;s voting contact" in response.content.decode()


@pytest.mark.parametrize("persona", ["practice_user", "chair", "outsider"])
def test_a_link_for_another_practice_gets_a_clear_page(client_for, request, persona, vote):
    response = client_for(request.getfixturevalue(persona)).post(vote[4])
    assert response.status_code == 403
    assert "Riverside" not in response.content.decode()


def test_a_link_after_voting_closed_says_so(client_for, vote):
    exercise, _, _, contact, link = vote
    exercise.closes_at = timezone.now() - timezone.timedelta(minutes=1)
    exercise.save(update_fields=["closes_at"])
    response = client_for(contact).get(link)
    assert response.status_code == 410
    assert "Voting has closed" in response.content.decode()


def test_an_expired_link_gets_a_clear_page(client_for, vote, settings):
    exercise, _, practice, contact, _ = vote
    settings.EMAIL_LINK_MAX_AGE_DAYS = 7
    token = aged(emails.BALLOT_LINK, 8, exercise=exercise.pk, practice=practice.pk)
    response = client_for(contact).get(reverse("priorities:ballot_by_link", args=[token]))
    assert response.status_code == 410 and "This link has expired" in response.content.decode()


def test_a_tampered_link_gets_a_clear_page(client_for, vote):
    contact, link = vote[3], vote[4]
    response = client_for(contact).get(link[:-3] + ("A/" if link[-2] != "A" else "B/"))
    assert response.status_code == 400 and "This link does not work" in response.content.decode()


def test_a_practice_that_has_voted_still_gets_to_its_ballot_to_change_it(client_for, vote):
    exercise, candidates, practice, contact, link = vote
    services.ballot_cast(exercise=exercise, practice=practice, user=contact, choices=[candidates["A"].pk])
    assert client_for(contact).post(link)["Location"] == reverse("priorities:vote", args=[exercise.pk, practice.pk])
