"""One click from email: "acknowledge for <practice>" and "respond for <seat>" (members.email_links).

Following a link (GET) shows a confirmation page and changes nothing; its one button (POST) acts, for a signed-in
person whom the item's own rule allows. Expired, altered and someone else's links get a clear page."""

import re

import pytest
from django.urls import reverse

from decisions import emails, services
from decisions.models import Acknowledgement, Position
from members import email_links

from ..factories import MembershipFactory, PracticeFactory, UserFactory
from ..members.test_email_links import aged


def path_of(link: str) -> str:
    return re.sub(r"^https?://[^/]+", "", link)


@pytest.fixture
def ack_link(agreed_item, practice):
    return path_of(emails.acknowledge_link(item_id=agreed_item.pk, practice_id=practice.pk))


def test_following_an_acknowledge_link_shows_what_it_does_and_changes_nothing(client_for, practice_user, ack_link,
                                                                              agreed_item):
    response = client_for(practice_user).get(ack_link)
    assert response.status_code == 200
    body = response.content.decode()
    assert "Acknowledge for Riverside Surgery" in body
    assert agreed_item.statement in body
    assert body.count('<button class="nhsuk-button"') == 1
    assert not Acknowledgement.objects.exists()


def test_its_button_acknowledges_for_the_practice(client_for, practice_user, ack_link, agreed_item, practice):
    client = client_for(practice_user)
    response = client.post(ack_link)
    assert response.status_code == 302 and response["Location"] == ack_link
    acknowledgement = Acknowledgement.objects.get()
    assert (acknowledgement.item, acknowledgement.practice, acknowledgement.acknowledged_by) == (
        agreed_item, practice, practice_user)
    assert acknowledgement.history.get().history_user == practice_user
    page = client.get(ack_link).content.decode()
    assert "Riverside Surgery has seen this decision" in page and "Priya Manager" in page
    assert "Thank you: Riverside Surgery has seen this decision." in page
    # Pressing it twice records nothing more.
    client.post(ack_link)
    assert Acknowledgement.objects.count() == 1


def test_a_link_for_another_practice_gets_a_clear_page(client_for, ack_link):
    elsewhere = UserFactory(email="other.pm@example.nhs.uk")
    MembershipFactory(user=elsewhere, organisation=PracticeFactory(name="Hillside Surgery"))
    response = client_for(elsewhere).post(ack_link)
    assert response.status_code == 403
    body = response.content.decode()
    assert "This link is for another practice" in body and "other.pm@example.nhs.uk" in body
    assert "Riverside" not in body  # the page does not say what the link names
    assert not Acknowledgement.objects.exists()


@pytest.mark.parametrize("persona", ["chair", "member", "observer", "outsider"])
def test_someone_who_works_for_no_practice_cannot_acknowledge(client_for, request, persona, ack_link):
    response = client_for(request.getfixturevalue(persona)).post(ack_link)
    assert response.status_code == 403
    assert not Acknowledgement.objects.exists()


def test_an_expired_link_gets_a_clear_page(client_for, practice_user, agreed_item, practice, settings):
    settings.EMAIL_LINK_MAX_AGE_DAYS = 14
    token = aged(emails.ACKNOWLEDGE_LINK, 15, item=agreed_item.pk, practice=practice.pk)
    for method in ("get", "post"):
        response = getattr(client_for(practice_user), method)(
            reverse("decisions:acknowledge_by_link", args=[token]))
        assert response.status_code == 410
        assert "This link has expired" in response.content.decode()
    assert not Acknowledgement.objects.exists()


def test_a_tampered_link_gets_a_clear_page(client_for, practice_user, agreed_item, practice):
    other = PracticeFactory(name="Hillside Surgery")
    token = emails.acknowledge_link(item_id=agreed_item.pk, practice_id=practice.pk).rstrip("/").rsplit("/", 1)[1]
    forged = emails.acknowledge_link(item_id=agreed_item.pk, practice_id=other.pk).rstrip("/").rsplit("/", 1)[1]
    # The payload of one link with the signature of another.
    spliced = forged.split(":")[0] + ":" + token.split(":", 1)[1]
    response = client_for(practice_user).post(reverse("decisions:acknowledge_by_link", args=[spliced]))
    assert response.status_code == 400
    assert "This link does not work" in response.content.decode()
    assert not Acknowledgement.objects.exists()


def test_a_link_for_a_decision_no_longer_published_gets_a_clear_page(client_for, practice_user, item, practice):
    link = path_of(emails.acknowledge_link(item_id=item.pk, practice_id=practice.pk))  # never published
    assert client_for(practice_user).post(link).status_code == 403
    assert not Acknowledgement.objects.exists()


def test_a_visitor_signs_in_first_and_comes_back(client, ack_link):
    response = client.get(ack_link)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login")) and "next=" in response["Location"]
    assert client.post(ack_link).status_code == 302
    assert not Acknowledgement.objects.exists()


# Respond for my seat -----------------------------------------------------------------------------------------


@pytest.fixture
def respond_link(open_round, seats):
    return path_of(emails.respond_link(round_id=open_round.pk, seat_id=seats["lmc"].pk))


@pytest.mark.parametrize("who", ["lmc_holder", "lmc_deputy"])
def test_the_seat_holder_or_deputy_is_taken_to_the_response_form(client_for, request, who, respond_link,
                                                                 open_round, seats):
    client = client_for(request.getfixturevalue(who))
    page = client.get(respond_link)
    assert page.status_code == 200 and "Respond for Testshire LMC" in page.content.decode()
    response = client.post(respond_link)
    assert response.status_code == 302
    assert response["Location"] == reverse(
        "decisions:respond", args=[open_round.item_id, open_round.number, seats["lmc"].pk])
    assert not Position.objects.exists()  # a position is given on the form, with its reasons


@pytest.mark.parametrize("persona", ["fed_holder", "chair", "practice_user"])
def test_a_seat_link_followed_by_someone_else_gets_a_clear_page(client_for, request, persona, respond_link):
    response = client_for(request.getfixturevalue(persona)).get(respond_link)
    assert response.status_code == 403
    assert "This link is for another seat" in response.content.decode()


def test_a_seat_link_for_a_closed_round_says_so(client_for, lmc_holder, chair, respond_link, open_round, seats):
    services.position_record(round=open_round, seat=seats["lmc"], by=lmc_holder, stance="block",
                             reason="Not without the LMC's contract review.")
    response = client_for(lmc_holder).get(respond_link)
    assert response.status_code == 410
    assert "This consensus check has closed" in response.content.decode()


def test_the_round_emails_carry_the_seat_link(open_round, seats, smtp_inbox, deliver):
    deliver()
    bodies = {tuple(m["to"]): m["body"] for m in smtp_inbox.messages}
    lmc_body = next(body for to, body in bodies.items() if "lmc@example.nhs.uk" in to)
    token = re.search(r"/decisions/email/respond/(\S+)/", lmc_body).group(1)
    assert email_links.read(token, emails.RESPOND_LINK) == {"round": open_round.pk, "seat": seats["lmc"].pk}
