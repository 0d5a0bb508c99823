"""Every home page opens with what is waiting for this person: counts and links, only what is theirs to do."""

import html as html_module
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from decisions import services as decision_services
from members.models import Seat
from priorities import services as priority_services

from ..factories import (
    ActionFactory,
    CandidateFactory,
    DecisionItemFactory,
    ExerciseFactory,
    MeetingFactory,
    MembershipFactory,
    PracticeFactory,
    RepresentativeFactory,
    RequestFactory,
    RoundFactory,
)

pytestmark = pytest.mark.django_db


def waiting(client, user) -> list[str]:
    html = client(user).get(reverse("home")).content.decode()
    assert '<h2 id="waiting">Waiting for you</h2>' in html
    block = html.split('<h2 id="waiting">', 1)[1].split("</section>", 1)[0]
    if "Nothing is waiting for you now." in block:
        return []
    return [html_module.unescape(line.split(">", 1)[1].split("<", 1)[0]) for line in block.split("<a href=")[1:]]


def test_nothing_waiting_says_so(client_for, chair):
    assert waiting(client_for, chair) == []


def test_a_seat_holder_is_asked_for_a_position_until_the_seat_responds(client_for, member, observer):
    seat = Seat.objects.get(holder=member)
    the_round = RoundFactory(seats=[seat])
    assert waiting(client_for, member) == ["1 consensus check needs your seat's position"]
    assert waiting(client_for, observer) == []  # an observer is never told of "your seat"
    decision_services.position_record(round=the_round, seat=seat, by=member, stance="support")
    assert waiting(client_for, member) == []


def test_a_voting_contact_is_told_of_an_open_vote_and_a_decision_to_acknowledge(client_for, practice_user, practice):
    exercise = ExerciseFactory(method="approval")
    candidate = CandidateFactory(exercise=exercise)
    item = DecisionItemFactory(status="agreed", statement="Agreed.", decided_on=timezone.localdate(),
                               published_at=timezone.now())
    assert waiting(client_for, practice_user) == [
        "1 priority vote is open and your practice has not voted", "1 published decision to acknowledge"]
    # The link opens the published decisions the practice has not yet acknowledged: this one.
    home = client_for(practice_user).get(reverse("home")).content.decode()
    link = reverse("decisions:published") + "?show=unseen"
    assert f'href="{link}"' in home
    listed = client_for(practice_user).get(link).content.decode()
    assert "1 decision your practice has not yet acknowledged" in listed and item.title in listed
    priority_services.ballot_cast(exercise=exercise, practice=practice, user=practice_user, choices=[candidate.pk])
    decision_services.acknowledgement_record(item=item, practice=practice, by=practice_user)
    assert waiting(client_for, practice_user) == []


def test_each_open_vote_and_decision_is_counted_for_each_practice_the_person_answers_for(
        client_for, practice_user, practice, chair):
    second = PracticeFactory(name="Hillside Surgery")
    MembershipFactory(user=practice_user, organisation=second, is_voting_contact=True)
    # A practice they work for but do not vote for: its votes are not theirs to cast.
    MembershipFactory(user=practice_user, organisation=PracticeFactory(name="Other Surgery"))
    votes = [ExerciseFactory(method="approval") for _ in range(2)]
    ExerciseFactory(method="approval", opens_at=timezone.now() + timedelta(days=1))  # not open yet
    candidate = CandidateFactory(exercise=votes[0])
    priority_services.ballot_cast(exercise=votes[0], practice=practice, user=practice_user, choices=[candidate.pk])
    items = [DecisionItemFactory(status="agreed", statement="Agreed.", decided_on=timezone.localdate(),
                                 published_at=timezone.now()) for _ in range(2)]
    DecisionItemFactory(status="agreed", statement="Agreed.")  # agreed but not published
    decision_services.acknowledgement_record(item=items[0], practice=second, by=practice_user)
    # 2 votes × 2 practices less 1 ballot; 2 decisions × 3 practices they work for less 1 acknowledgement.
    for _ in range(2):  # the second time from the prepared SQL (members.prepared)
        assert waiting(client_for, practice_user) == [
            "3 priority votes are open and your practices have not voted", "5 published decisions to acknowledge"]


def test_actions_overdue_and_due_this_week_and_feedback_owed(client_for, member):
    today = timezone.localdate()
    ActionFactory(owner=member, due_on=today - timedelta(days=1))
    ActionFactory(support=member, due_on=today + timedelta(days=3))
    ActionFactory(owner=member, due_on=today + timedelta(days=30))  # not yet
    forum = RepresentativeFactory(user=member).forum
    MeetingFactory(forum=forum, held_on=today - timedelta(days=1))
    MeetingFactory(forum=forum, held_on=today + timedelta(days=5))  # not yet held
    assert waiting(client_for, member) == [
        "1 of your actions is overdue", "1 of your actions is due this week",
        "1 meeting you attended needs your feedback",
    ]


def test_only_those_who_triage_are_told_of_requests(client_for, gatekeeper, member):
    RequestFactory()
    RequestFactory()
    assert waiting(client_for, gatekeeper) == ["2 requests from system partners wait for triage"]
    assert waiting(client_for, member) == []


def test_the_links_lead_to_where_each_thing_is_done(client_for, gatekeeper):
    RequestFactory()
    html = client_for(gatekeeper).get(reverse("home")).content.decode()
    assert f'<a href="{reverse("representation:requests")}">2' not in html
    assert f'<a href="{reverse("representation:requests")}">1 request' in html


def test_the_home_page_runs_a_fixed_number_of_queries_however_much_waits(client_for, member, practice_user):
    client = client_for(member)

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("home")).status_code == 200
        return len(queries.captured_queries)

    seat = Seat.objects.get(holder=member)
    RoundFactory(seats=[seat])
    ActionFactory(owner=member, due_on=timezone.localdate() - timedelta(days=1))
    small = count()
    for _ in range(5):
        RoundFactory(seats=[seat])
        ActionFactory(owner=member, due_on=timezone.localdate() - timedelta(days=1))
        RequestFactory()
    assert count() == small


def test_the_decision_log_marks_what_waits_for_my_seat(client_for, member, observer):
    seat = Seat.objects.get(holder=member)
    mine = RoundFactory(seats=[seat], item__title="Asked of my seat")
    RoundFactory(seats=[], item__title="Asked of others")
    html = client_for(member).get(reverse("decisions:log")).content.decode()
    row = html.split("Asked of my seat", 1)[1].split("</tr>", 1)[0]
    assert "Waiting for your seat" in row
    assert html.count("Waiting for your seat") == 1
    assert "Waiting for your seat" not in client_for(observer).get(reverse("decisions:log")).content.decode()
    decision_services.position_record(round=mine, seat=seat, by=member, stance="support")
    assert "Waiting for your seat" not in client_for(member).get(reverse("decisions:log")).content.decode()
