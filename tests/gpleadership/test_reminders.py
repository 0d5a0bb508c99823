"""The chair's dashboard decides the week: beside each item an action – send a reminder to whoever it waits on,
chase an overdue action, open the item – and what is new since last week."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from members import notifications
from members.models import OutboxEmail
from priorities import emails as priority_emails

from ..factories import (
    ActionFactory,
    ExerciseFactory,
    MeetingFactory,
    MembershipFactory,
    PracticeFactory,
    RepresentativeFactory,
    RoundFactory,
    SeatFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


def _subject(message) -> str:
    return " ".join(message["subject"].split())  # a long subject is folded over two lines


def _remind(client, target, pk):
    return client.post(reverse("dashboard_remind", args=[target, pk]), follow=True)


def _round_waiting_on_a_seat():
    holder = UserFactory(email="holder@example.nhs.uk", full_name="Hana Holder")
    deputy = UserFactory(email="deputy@example.nhs.uk", full_name="Dee Deputy")
    seat = SeatFactory(holder=holder, deputy=deputy, title="Riverside PCN")
    return RoundFactory(seats=[seat], item__title="Shared phlebotomy")


@pytest.mark.parametrize("persona", ["chair", "gatekeeper"])
def test_the_chair_and_gatekeepers_send_a_reminder(client_for, request, persona, smtp_inbox, deliver):
    the_round = _round_waiting_on_a_seat()
    response = _remind(client_for(request.getfixturevalue(persona)), "round", the_round.pk)
    assert response.redirect_chain[-1][0].startswith(reverse("dashboard"))
    assert "Reminder sent: 1 email queued." in response.content.decode()
    deliver()
    [message] = smtp_inbox.messages
    assert sorted(message["to"]) == ["deputy@example.nhs.uk", "holder@example.nhs.uk"]
    assert "Riverside PCN has not responded on Shared phlebotomy" in _subject(message)


@pytest.mark.parametrize("persona", ["member", "observer", "practice_user", "outsider"])
def test_others_may_not_send_reminders(client_for, request, persona):
    the_round = _round_waiting_on_a_seat()
    response = client_for(request.getfixturevalue(persona)).post(
        reverse("dashboard_remind", args=["round", the_round.pk]))
    assert response.status_code == 403
    assert not OutboxEmail.objects.exists()


def test_anonymous_visitors_cannot_send_reminders(client):
    the_round = _round_waiting_on_a_seat()
    response = client.post(reverse("dashboard_remind", args=["round", the_round.pk]))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert not OutboxEmail.objects.exists()


def test_a_reminder_is_a_post(client_for, chair):
    the_round = _round_waiting_on_a_seat()
    assert client_for(chair).get(reverse("dashboard_remind", args=["round", the_round.pk])).status_code == 405
    assert not OutboxEmail.objects.exists()


def test_an_unknown_reminder_or_item_is_not_found(client_for, chair):
    client = client_for(chair)
    assert client.post(reverse("dashboard_remind", args=["everyone", 1])).status_code == 404
    assert client.post(reverse("dashboard_remind", args=["round", 999999])).status_code == 404


def test_a_reminder_goes_once_a_day_and_the_page_says_so(client_for, chair):
    the_round = _round_waiting_on_a_seat()
    client = client_for(chair)
    _remind(client, "round", the_round.pk)
    again = _remind(client, "round", the_round.pk).content.decode()
    assert "A reminder already went today, so it is not sent twice." in again
    assert OutboxEmail.objects.filter(kind="decisions.round_reminder").count() == 1
    # The dashboard itself says so beside the item.
    assert "A reminder went today" in client.get(reverse("dashboard")).content.decode()


def test_a_reminder_about_a_closed_round_sends_nothing(client_for, chair):
    the_round = _round_waiting_on_a_seat()
    the_round.deadline = timezone.now() - timedelta(hours=1)
    the_round.save(update_fields=["deadline"])
    html = _remind(client_for(chair), "round", the_round.pk).content.decode()
    assert "passed its deadline" in html
    assert not OutboxEmail.objects.exists()


def test_practices_that_have_not_voted_are_reminded_whatever_they_chose(client_for, chair, practice, practice_user,
                                                                        smtp_inbox, deliver):
    # The voting contact reads the automatic reminder in the digest; the chair's reminder goes at once all the same.
    notifications.choose(user=practice_user, kind=priority_emails.CLOSING_SOON, immediate=False)
    other = PracticeFactory(name="Hillside Surgery")
    MembershipFactory(organisation=other, is_voting_contact=True, user=UserFactory(email="hill@example.nhs.uk"))
    exercise = ExerciseFactory(title="Priorities 2027")
    html = _remind(client_for(chair), "exercise", exercise.pk).content.decode()
    assert "Reminder sent: 2 emails queued." in html
    deliver()
    assert sorted(m["to"][0] for m in smtp_inbox.messages) == ["hill@example.nhs.uk", "pm@example.nhs.uk"]
    assert all("has not yet voted on Priorities 2027" in _subject(m) for m in smtp_inbox.messages)


def test_an_overdue_action_is_chased_to_its_owner(client_for, chair, smtp_inbox, deliver):
    owner = UserFactory(email="owner@example.nhs.uk")
    action = ActionFactory(owner=owner, title="Write to the trust", due_on=TODAY - timedelta(days=3))
    client = client_for(chair)
    dashboard = client.get(reverse("dashboard")).content.decode()
    assert "Chase<span" in dashboard
    _remind(client, "action", action.pk)
    deliver()
    [message] = smtp_inbox.messages
    assert message["to"] == ["owner@example.nhs.uk"] and "Write to the trust" in _subject(message)


def test_late_feedback_is_chased_to_the_forums_representatives(client_for, chair, smtp_inbox, deliver):
    rep = RepresentativeFactory(user=UserFactory(email="rep@example.nhs.uk"), forum__name="Acute interface group")
    meeting = MeetingFactory(forum=rep.forum, held_on=TODAY - timedelta(days=20),
                             feedback_due_on=TODAY - timedelta(days=13))
    _remind(client_for(chair), "feedback", meeting.pk)
    deliver()
    [message] = smtp_inbox.messages
    assert message["to"] == ["rep@example.nhs.uk"]
    assert "Feedback due: Acute interface group" in _subject(message)
    assert reverse("representation:meeting", args=[meeting.pk]) in message["body"]


def test_what_entered_a_section_since_last_week_is_new(client_for, chair):
    ActionFactory(title="Fresh action", due_on=TODAY - timedelta(days=1))
    ActionFactory(title="Old action", due_on=TODAY - timedelta(days=40))
    html = client_for(chair).get(reverse("dashboard")).content.decode()
    section = html[html.index('Overdue actions <span'):]
    section = section[:section.index("</section>")]
    assert "1 new since last week" in section
    [fresh] = [li for li in section.split("<li")[1:] if "Fresh action" in li]
    [old] = [li for li in section.split("<li")[1:] if "Old action" in li]
    assert ">New</strong>" in fresh and ">New</strong>" not in old


def test_the_new_count_of_a_long_section_counts_beyond_the_first_few(chair):
    from gpleadership import sections

    for n in range(sections.DASHBOARD_TOP + 2):
        ActionFactory(due_on=TODAY - timedelta(days=60 + n))
    for _ in range(3):
        ActionFactory(due_on=TODAY - timedelta(days=1))
    [overdue] = [s for s in sections.for_dashboard(today=TODAY, since=TODAY - timedelta(days=7))
                 if s["heading"] == "Overdue actions"]
    # The first ten shown are the oldest, none new; the three new ones are counted all the same.
    assert overdue["count"] == sections.DASHBOARD_TOP + 5 and overdue["new"] == 3
    assert not any(item["new"] for item in overdue["items"])
