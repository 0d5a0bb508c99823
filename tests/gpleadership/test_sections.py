"""The digest and the dashboard gather every app's news and worries, in a fixed number of queries."""

from datetime import UTC, date, datetime, time, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from decisions import selectors as decisions_selectors
from gpleadership import digest, sections
from members import outbox

from ..factories import (
    ActionFactory,
    DecisionItemFactory,
    ExerciseFactory,
    MeetingFactory,
    PlanItemFactory,
    PositionFactory,
    RequestFactory,
    RoundFactory,
    SeatFactory,
)

pytestmark = pytest.mark.django_db

LAST_WEEK = timezone.now() - timedelta(days=7)


def _published_decision(**extra):
    return DecisionItemFactory(
        status="agreed", statement="Practices will not take on unfunded work.", decided_on=timezone.localdate(),
        published_at=timezone.now(), **extra,
    )


def _for_digest(*, user, since, is_group):
    """One reader's digest sections, as the weekly send builds them for a batch of readers."""
    return sections.for_digest_readers(
        readers=[(user, is_group)], news_for=lambda group: sections.digest_news(since=since, is_group=group))[user.pk]


def _texts(all_sections, heading_start):
    [section] = [s for s in all_sections if s["heading"].startswith(heading_start)]
    return [item["text"] for item in section["items"]]


def _everything_stuck(today):
    RoundFactory(deadline=timezone.now() - timedelta(days=1))
    PlanItemFactory(title="Recruit two care coordinators", rag_status="red")
    ActionFactory(title="Send the list of frailty leads", due_on=today - timedelta(days=3))
    MeetingFactory(held_on=today - timedelta(days=20), feedback_due_on=today - timedelta(days=13))
    RequestFactory(summary="Winter plan sign-off", received_at=timezone.now() - timedelta(days=20),
                   triage_due_on=today - timedelta(days=10))


def test_the_dashboard_shows_what_is_stuck_in_every_app(client_for, chair):
    _everything_stuck(timezone.localdate())
    html = client_for(chair).get(reverse("dashboard")).content.decode()
    assert "Consensus rounds past their deadline" in html
    assert "Recruit two care coordinators" in html
    assert "Send the list of frailty leads" in html
    assert "Winter plan sign-off" in html
    assert "feedback was due" in html


def test_the_dashboard_runs_a_fixed_number_of_queries_as_everything_grows(client_for, chair):
    client = client_for(chair)
    today = timezone.localdate()
    _everything_stuck(today)
    with CaptureQueriesContext(connection) as small:
        assert client.get(reverse("dashboard")).status_code == 200
    for _ in range(5):
        _everything_stuck(today)
    with CaptureQueriesContext(connection) as large:
        client.get(reverse("dashboard"))
    assert len(small.captured_queries) == len(large.captured_queries)


def test_every_reader_gets_published_decisions_and_open_votes(practice_user):
    _published_decision(title="Unfunded work")
    ExerciseFactory(title="Priorities 2027")
    content = _for_digest(user=practice_user, since=LAST_WEEK, is_group=False)
    assert any("Unfunded work" in t for t in _texts(content, "Decisions agreed"))
    assert any("Priorities 2027" in t for t in _texts(content, "Priorities: your practice"))
    assert not any(s["heading"].startswith("In a consensus check") for s in content)


def test_only_the_group_reads_about_live_consensus_checks(chair, practice_user):
    SeatFactory()  # a seat asked that has not yet responded
    RoundFactory(item__title="Enhanced access rota")
    group = _for_digest(user=chair, since=LAST_WEEK, is_group=True)
    assert any("Enhanced access rota" in t for t in _texts(group, "In a consensus check"))
    practice = _for_digest(user=practice_user, since=LAST_WEEK, is_group=False)
    assert "Enhanced access rota" not in str(practice)


def test_the_digest_email_carries_the_sections(practice_user, smtp_inbox):
    _published_decision(title="Unfunded work")
    [delivery_id] = digest.digest_schedule(week=digest.week_starting(date.today()))
    assert outbox.send_once(delivery_id) == "sent"
    [message] = smtp_inbox.messages
    assert "DECISIONS AGREED AND PUBLISHED" in message["body"]
    assert "Unfunded work" in message["body"]
    # What waits on this reader, in one click (test_the_digest_offers_each_reader_… has the links' content).
    assert "Acknowledge for Riverside Surgery: http" in message["body"]
    assert "/decisions/email/acknowledge/" in message["body"]
    assert "Acknowledge for Riverside Surgery</a>" in message["html"]


def test_an_old_decision_is_not_news(practice_user):
    _published_decision(title="Old news")
    content = _for_digest(user=practice_user, since=timezone.now() + timedelta(minutes=1), is_group=False)
    assert "Old news" not in str(content)


def test_late_feedback_from_an_archived_forum_is_not_chased(client_for, chair):
    today = timezone.localdate()
    meeting = MeetingFactory(held_on=today - timedelta(days=20), feedback_due_on=today - timedelta(days=13),
                             forum__name="Retired interface group")
    assert "Retired interface group" in client_for(chair).get(reverse("dashboard")).content.decode()
    meeting.forum.is_archived = True
    meeting.forum.save(update_fields=["is_archived"])
    assert "Retired interface group" not in client_for(chair).get(reverse("dashboard")).content.decode()


def _links(all_sections, heading_start):
    [section] = [s for s in all_sections if s["heading"].startswith(heading_start)]
    return [link for item in section["items"] for link in item.get("links", [])]


def test_the_digest_offers_each_reader_what_waits_on_them_in_one_click(practice_user, practice, member):
    from decisions import services as decision_services
    from members import email_links
    from members.models import Seat

    decision = _published_decision(title="Unfunded work")
    exercise = ExerciseFactory(title="Priorities 2027")
    content = _for_digest(user=practice_user, since=LAST_WEEK, is_group=False)
    # What the practice still has to do comes first, with its links; the news further down does not repeat them.
    assert [s["heading"] for s in content if s["items"]][0] == "Still to do for your practice"
    ack, ballot = _links(content, "Still to do for your practice")
    assert _links(content, "Decisions agreed") == _links(content, "Priorities: your practice") == []
    assert ack["text"] == "Acknowledge for Riverside Surgery"
    assert email_links.read(ack["url"].rstrip("/").rsplit("/", 1)[1], "acknowledge") == {
        "item": decision.pk, "practice": practice.pk}
    assert ballot["text"] == "Open the ballot for Riverside Surgery"
    assert email_links.read(ballot["url"].rstrip("/").rsplit("/", 1)[1], "ballot") == {
        "exercise": exercise.pk, "practice": practice.pk}

    # Once the practice has acknowledged, the digest stops asking.
    decision_services.acknowledgement_record(item=decision, practice=practice, by=practice_user)
    content = _for_digest(user=practice_user, since=LAST_WEEK, is_group=False)
    assert [link["text"] for link in _links(content, "Still to do")] == ["Open the ballot for Riverside Surgery"]

    # A seat holder is offered "respond for <seat>" for a round their seat has not answered.
    seat = Seat.objects.get(holder=member)
    the_round = RoundFactory(item__title="Enhanced access rota")
    the_round.seats.add(seat)
    [respond] = _links(_for_digest(user=member, since=LAST_WEEK, is_group=True), "In a consensus check")
    assert respond["text"] == f"Respond for {seat.title}"
    assert email_links.read(respond["url"].rstrip("/").rsplit("/", 1)[1], "respond") == {
        "round": the_round.pk, "seat": seat.pk}

    # Once the seat has responded, neither the reader's own digest nor a batch's asks again.
    PositionFactory(round=the_round, seat=seat)
    assert _links(_for_digest(user=member, since=LAST_WEEK, is_group=True), "In a consensus check") == []
    batch = sections.for_digest_readers(readers=[(member, True), (practice_user, True)], news_for=lambda group: (
        sections.digest_news(since=LAST_WEEK, is_group=group)))
    assert _links(batch[member.pk], "In a consensus check") == []


def test_the_digest_builds_in_a_fixed_number_of_queries_however_much_waits(practice_user, chair):
    def measure():
        practice_user.__dict__.pop("_access_cache", None)  # roles are remembered per request, as in a real one
        with CaptureQueriesContext(connection) as queries:
            _for_digest(user=practice_user, since=LAST_WEEK, is_group=True)
        return len(queries.captured_queries)

    _published_decision()
    ExerciseFactory()
    RoundFactory()
    small = measure()
    for _ in range(4):
        _published_decision()
        ExerciseFactory()
        RoundFactory()
    assert measure() == small


def test_a_dashboard_section_lists_the_first_few_and_says_how_many(client_for, chair):
    today = timezone.localdate()
    for n in range(sections.DASHBOARD_TOP + 5):
        ActionFactory(title=f"Overdue action {n:02d}", due_on=today - timedelta(days=30 - n))
    content = sections.for_dashboard(today=today)
    [overdue] = [s for s in content if s["heading"] == "Overdue actions"]
    assert overdue["count"] == sections.DASHBOARD_TOP + 5
    assert [i["text"].split(" –")[0] for i in overdue["items"]] == [
        f"Overdue action {n:02d}" for n in range(sections.DASHBOARD_TOP)]  # the oldest first
    assert overdue["more_url"] == reverse("representation:actions")
    html = client_for(chair).get(reverse("dashboard")).content.decode()
    assert f"The first {sections.DASHBOARD_TOP} of {sections.DASHBOARD_TOP + 5}." in html
    assert f"Overdue actions ({sections.DASHBOARD_TOP + 5})" in html
    assert "Overdue action 14" not in html


def test_a_section_with_few_items_offers_no_more(chair):
    ActionFactory(title="Only one", due_on=timezone.localdate() - timedelta(days=1))
    [overdue] = [s for s in sections.for_dashboard(today=timezone.localdate()) if s["heading"] == "Overdue actions"]
    assert (overdue["count"], overdue["more_url"]) == (1, "")


def test_practices_that_have_not_voted_are_counted_in_practices_and_named_ten_at_most(chair):
    from ..factories import PracticeFactory

    for n in range(sections.DASHBOARD_TOP + 2):
        PracticeFactory(name=f"Surgery {n:02d}")
    ExerciseFactory(title="Priorities 2027")
    [section] = [s for s in sections.for_dashboard(today=timezone.localdate())
                 if s["heading"] == "Practices that have not voted"]
    assert section["count"] == sections.DASHBOARD_TOP + 2
    [item] = section["items"]
    assert item["text"].endswith("Surgery 09 and 2 more") and "Surgery 10" not in item["text"]
    assert item["tag"] == f"{sections.DASHBOARD_TOP + 2} to vote"


def test_the_dashboard_and_the_digest_talk_of_the_same_week(client_for, chair):
    week = digest.week_starting(timezone.localdate())
    expected = f"Week of {week:%-d %B %Y}"
    assert expected in client_for(chair).get(reverse("dashboard")).content.decode()
    assert expected in client_for(chair).get(reverse("digest_preview")).content.decode()


def test_the_digest_opens_with_the_reader_s_own_actions(member):
    today = timezone.localdate()
    ActionFactory(owner=member, title="Late one", due_on=today - timedelta(days=2))
    ActionFactory(support=member, title="Soon one", due_on=today + timedelta(days=5))
    ActionFactory(owner=member, title="Far one", due_on=today + timedelta(days=60))
    ActionFactory(title="Someone else's", due_on=today)
    content = [s for s in _for_digest(user=member, since=LAST_WEEK, is_group=True) if s["items"]]
    assert content[0]["heading"] == "Your actions"  # a group member with no practice has nothing before them
    assert [item["text"].split(" –")[0] for item in content[0]["items"]] == ["Late one", "Soon one"]
    assert content[0]["items"][0]["tag"] == "Overdue"


def test_the_dashboard_opens_on_what_needs_doing_and_folds_the_rest(client_for, chair):
    ActionFactory(title="Send the frailty list", due_on=timezone.localdate() - timedelta(days=3))
    html = client_for(chair).get(reverse("dashboard")).content.decode()
    before_fold, fold = html.split('<details class="nhsuk-details">', 1)
    assert '<h2 id="section-1">Overdue actions' in before_fold  # the one section with something in it, first
    assert "Send the frailty list" in before_fold
    assert "Consensus rounds past their deadline: none" in fold and "Overdue actions: none" not in fold
    quiet = len([s for s in sections.for_dashboard(today=timezone.localdate()) if not s["count"]])
    assert f"Nothing to act on in {quiet} other sections" in fold


def test_decisions_practices_have_not_seen_are_the_latest_ten_with_how_many(chair):
    """A national host's place can have hundreds of decisions few practices acknowledged: the dashboard names the
    ten published most recently (they have just passed the two weeks) and says how many there are."""
    from ..factories import DecisionItemFactory, PracticeFactory

    PracticeFactory(name="Unseen Surgery")
    now = timezone.now()
    for n in range(sections.DASHBOARD_TOP + 2):
        DecisionItemFactory(title=f"Decision {n:02d}", status="agreed", published_at=now - timedelta(days=40 - n))
    DecisionItemFactory(title="Too recent", status="agreed", published_at=now - timedelta(days=3))
    [section] = [s for s in sections.for_dashboard(today=timezone.localdate())
                 if s["heading"] == "Published decisions practices have not seen"]
    assert section["count"] == sections.DASHBOARD_TOP + 2
    assert [item["text"].split(" –")[0] for item in section["items"]] == [
        f"Decision {n:02d}" for n in range(sections.DASHBOARD_TOP + 1, 1, -1)]  # the latest first
    assert section["more_url"] == reverse("decisions:published")


def test_a_time_is_new_since_the_day_from_local_midnight():
    """A time is "new since" a day from the moment the day began where the group is (on summer time here, an hour
    before midnight UTC)."""
    day = date(2026, 7, 13)
    midnight = timezone.make_aware(datetime.combine(day, time.min))
    assert midnight.utcoffset() == timedelta(hours=1)
    assert sections._entered_since(midnight, day)
    assert not sections._entered_since(midnight - timedelta(microseconds=1), day)
    assert sections._entered_since(day, day) and not sections._entered_since(day - timedelta(days=1), day)
    assert not sections._entered_since(None, day)


@pytest.mark.parametrize("since", [date(2026, 11, 2), date(2026, 4, 6), date(2026, 7, 13)])
def test_a_decision_low_on_acknowledgements_is_new_as_its_two_weeks_end(since):
    """The dashboard compares each decision's publication with one instant (a place has hundreds): the same answer
    as "two weeks after it was published is on `since` or later", across a change of the clocks too (the clocks
    went back and forward in the two weeks before 2 November and 6 April 2026)."""
    after = timedelta(days=decisions_selectors.LOW_ACKNOWLEDGEMENT_AFTER_DAYS)
    threshold = sections._published_when_low_is_new(since)
    for published_at in (threshold, threshold - timedelta(microseconds=1), threshold + timedelta(hours=1),
                         threshold - timedelta(hours=1)):
        published_at = published_at.astimezone(UTC)  # as the database gives it
        assert (published_at >= threshold) is sections._entered_since(published_at + after, since)
    assert sections._entered_since(threshold.astimezone(UTC) + after, since)
    assert not sections._entered_since(threshold.astimezone(UTC) + after - timedelta(microseconds=1), since)
