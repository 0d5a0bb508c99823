"""Each person's private calendar feed: valid RFC 5545, exactly their events, stable UIDs, revocable."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from members import places, services
from members.models import CalendarFeed, GroupRole, Seat

from ..factories import (
    ActionFactory,
    ExerciseFactory,
    GroupRoleFactory,
    LeadershipMeetingFactory,
    MeetingFactory,
    RepresentativeFactory,
    RoundFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def feed_path(user) -> str:
    url = services.calendar_feed_url(services.calendar_feed_for(user=user))
    return url.split("://", 1)[1].split("/", 1)[1].join(["/", ""])


def fetch(user) -> Calendar:
    response = Client().get(feed_path(user))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    return Calendar.from_ical(response.content)


def uids(calendar: Calendar) -> set[str]:
    return {str(event["uid"]).split("@")[0] for event in calendar.walk("VEVENT")}


def events(calendar: Calendar) -> dict:
    return {str(event["uid"]).split("@")[0]: event for event in calendar.walk("VEVENT")}


@pytest.fixture
def world(chair, member, practice_user, practice, riverton):
    today = timezone.localdate()
    rep = UserFactory(full_name="Rita Rep")
    owner = UserFactory(full_name="Owen Owner")
    helper = UserFactory(full_name="Hal Helper")
    w = {"rep": rep, "owner": owner, "helper": helper}
    w["partner_week"] = LeadershipMeetingFactory(meets_on=today + timedelta(days=3), has_partner_slot=True)
    w["group_week"] = LeadershipMeetingFactory(meets_on=today + timedelta(days=10), has_partner_slot=False)
    LeadershipMeetingFactory(meets_on=today + timedelta(days=17), is_archived=True)
    LeadershipMeetingFactory(meets_on=today - timedelta(days=200))  # long past: not in the feed
    representative = RepresentativeFactory(user=rep)
    w["forum_meeting"] = MeetingFactory(forum=representative.forum, held_on=today + timedelta(days=5))
    w["fed_back"] = MeetingFactory(forum=representative.forum, held_on=today - timedelta(days=20),
                                   feedback_completed_at=timezone.now())
    MeetingFactory(held_on=today + timedelta(days=5))  # another forum's
    w["round"] = RoundFactory(item__title="Shared phlebotomy")
    w["member_seat"] = Seat.objects.get(holder=member)
    closed = RoundFactory(item__title="Old question", closed_at=timezone.now(), outcome="consensus", number=1)
    assert closed.seats.exists()
    w["exercise"] = ExerciseFactory(title="Priorities 2027")
    ExerciseFactory(title="Draft priorities", status="draft")
    w["action"] = ActionFactory(owner=owner, support=helper, title="Send the frailty list")
    ActionFactory(owner=owner, status="done", completion_note="Sent.", completed_at=timezone.now())
    with places.using(riverton):
        LeadershipMeetingFactory(meets_on=today + timedelta(days=4))  # another place's group
        ExerciseFactory(title="Riverton priorities")
    return w


def test_the_chair_sees_the_group_s_meetings_with_the_system_partner_weeks_marked(world, chair):
    calendar = fetch(chair)
    assert uids(calendar) == {f"leadership-meeting-{world['partner_week'].pk}",
                              f"leadership-meeting-{world['group_week'].pk}"}
    found = events(calendar)
    partner = found[f"leadership-meeting-{world['partner_week'].pk}"]
    assert "system partners" in str(partner["summary"])
    assert [str(c) for c in partner["categories"].cats] == ["System partners"]
    assert partner["dtstart"].dt == world["partner_week"].meets_on  # an all-day event
    assert "system partners" not in str(found[f"leadership-meeting-{world['group_week'].pk}"]["summary"])


def test_a_seat_holder_also_sees_the_consensus_deadline_for_their_seat(world, member):
    found = events(fetch(member))
    key = f"round-{world['round'].pk}-seat-{world['member_seat'].pk}"
    assert set(found) == {key, f"leadership-meeting-{world['partner_week'].pk}",
                          f"leadership-meeting-{world['group_week'].pk}"}
    assert found[key]["dtstart"].dt == world["round"].deadline.replace(microsecond=0)
    assert "Shared phlebotomy" in str(found[key]["summary"])
    assert found[key]["url"].endswith(
        f"/testshire/decisions/{world['round'].item_id}/rounds/1/seats/{world['member_seat'].pk}/")


def test_a_voting_contact_sees_when_their_practice_s_vote_closes(world, practice_user, practice):
    found = events(fetch(practice_user))
    key = f"exercise-{world['exercise'].pk}-practice-{practice.pk}"
    assert set(found) == {key}
    assert found[key]["dtstart"].dt == world["exercise"].closes_at.replace(microsecond=0)
    assert "Riverside Surgery" in str(found[key]["summary"])


def test_a_representative_sees_their_forum_s_meetings_and_feedback_due(world):
    found = events(fetch(world["rep"]))
    meeting = world["forum_meeting"]
    assert set(found) == {f"forum-meeting-{meeting.pk}", f"forum-feedback-{meeting.pk}",
                          f"forum-meeting-{world['fed_back'].pk}"}
    assert found[f"forum-feedback-{meeting.pk}"]["dtstart"].dt == meeting.feedback_due_on


@pytest.mark.parametrize("who", ["owner", "helper"])
def test_the_owner_and_the_support_person_see_an_open_action_s_due_date(world, who):
    found = events(fetch(world[who]))
    assert set(found) == {f"action-{world['action'].pk}"}
    assert found[f"action-{world['action'].pk}"]["dtstart"].dt == world["action"].due_on


@pytest.mark.parametrize("persona", ["outsider", "observer"])
def test_someone_with_nothing_due_gets_an_empty_calendar(world, request, persona):
    calendar = fetch(request.getfixturevalue(persona))
    expected = set()
    if persona == "observer":  # observers sit in the group's meetings
        expected = {f"leadership-meeting-{world['partner_week'].pk}", f"leadership-meeting-{world['group_week'].pk}"}
    assert uids(calendar) == expected
    assert calendar["version"] == "2.0" and "prodid" in calendar


def test_a_person_on_two_groups_sees_both_named_by_place(world, chair, riverton):
    with places.using(riverton):
        GroupRoleFactory(user=chair, role=GroupRole.Role.MEMBER)
    summaries = [str(e["summary"]) for e in fetch(chair).walk("VEVENT")]
    assert len(summaries) == 3
    assert sum("(Riverton)" in s for s in summaries) == 1
    assert sum("(Testshire)" in s for s in summaries) == 2


def test_uids_stay_the_same_when_an_event_moves(world, chair):
    before = events(fetch(chair))
    meeting = world["group_week"]
    meeting.meets_on += timedelta(days=1)
    meeting.save(update_fields=["meets_on"])
    after = events(fetch(chair))
    key = f"leadership-meeting-{meeting.pk}"
    assert set(before) == set(after)
    assert after[key]["dtstart"].dt == before[key]["dtstart"].dt + timedelta(days=1)


def test_every_event_carries_what_rfc_5545_requires(world, member):
    raw = Client().get(feed_path(member)).content
    assert raw.startswith(b"BEGIN:VCALENDAR\r\n") and raw.endswith(b"END:VCALENDAR\r\n")
    assert all(len(line) <= 75 for line in raw.split(b"\r\n"))  # folded lines
    for event in Calendar.from_ical(raw).walk("VEVENT"):
        for required in ("uid", "dtstamp", "dtstart", "summary"):
            assert required in event


def test_a_reset_link_stops_the_old_one_and_the_new_one_works(world, chair, client_for):
    old = feed_path(chair)
    response = client_for(chair).post(reverse("me:calendar_reset"))
    assert response.status_code == 302
    assert Client().get(old).status_code == 404
    new = feed_path(chair)
    assert new != old and Client().get(new).status_code == 200
    assert CalendarFeed.objects.filter(user=chair).count() == 2  # the revoked one is kept
    assert CalendarFeed.history.filter(user=chair).count() >= 3


def test_an_altered_link_is_not_found(world, chair):
    path = feed_path(chair)
    assert Client().get(path.replace(".ics", "x.ics")).status_code == 404
    assert Client().get("/calendar/nothing.ics").status_code == 404


def test_a_deactivated_person_s_link_stops_working(world, chair):
    path = feed_path(chair)
    chair.is_active = False
    chair.save(update_fields=["is_active"])
    assert Client().get(path).status_code == 404


def test_the_feed_is_read_only():
    assert Client().post("/calendar/anything.ics").status_code == 405


def test_the_feed_runs_a_fixed_number_of_queries(world, member, riverton):
    path = feed_path(member)

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert Client().get(path).status_code == 200
        return len(queries.captured_queries)

    small = count()
    today = timezone.localdate()
    for n in range(4):
        LeadershipMeetingFactory(meets_on=today + timedelta(days=30 + n))
        RoundFactory()
        ActionFactory(owner=member)
        MeetingFactory(forum=RepresentativeFactory(user=member).forum)
    assert count() == small


# The account page ----------------------------------------------------------------------------------------------


def test_the_account_page_shows_the_person_their_calendar_link(client_for, chair):
    feed = services.calendar_feed_for(user=chair)
    page = client_for(chair).get(reverse("me:account")).content.decode()
    assert services.calendar_feed_url(feed) in page
    assert "Reset link" in page and "Create my calendar link" not in page
    assert "chair@example.nhs.uk" in page and "Testshire" in page


def test_looking_at_the_account_page_writes_nothing(client_for, chair):
    client = client_for(chair)
    with CaptureQueriesContext(connection) as queries:
        page = client.get(reverse("me:account")).content.decode()
    writes = [q["sql"] for q in queries.captured_queries
              if q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))]
    assert writes == []
    assert not CalendarFeed.objects.exists()
    assert "Create my calendar link" in page and "Reset link" not in page


def test_a_person_creates_their_calendar_link_with_a_post(client_for, chair):
    client = client_for(chair)
    response = client.post(reverse("me:calendar_create"))
    assert response.status_code == 302 and response["Location"].endswith("/account/#calendar")
    feed = CalendarFeed.objects.live().get(user=chair)
    assert services.calendar_feed_url(feed) in client.get(reverse("me:account")).content.decode()
    # Pressing again (a second tab) keeps the same link.
    client.post(reverse("me:calendar_create"))
    assert list(CalendarFeed.objects.filter(user=chair)) == [feed]
    assert feed.history.count() == 1


def test_creating_a_calendar_link_takes_a_post_by_a_signed_in_person(client, client_for, chair):
    assert client_for(chair).get(reverse("me:calendar_create")).status_code == 405
    assert client.post(reverse("me:calendar_create")).status_code == 302
    assert not CalendarFeed.objects.exists()


def test_the_account_pages_need_a_signed_in_person(client):
    assert client.get(reverse("me:account")).status_code == 302
    assert client.post(reverse("me:calendar_reset")).status_code == 302
    assert not CalendarFeed.objects.exists()


def test_resetting_takes_a_post(client_for, chair):
    assert client_for(chair).get(reverse("me:calendar_reset")).status_code == 405
