"""Each derived state is one QuerySet method with its instance predicate beside it: on the same rows they agree.

Feedback from a forum the group has archived is not late: its representatives no longer report to the group, so
nobody chases it (the dashboard, the forums list and the meeting's own tag all say so)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from representation import selectors
from representation.models import Action, LeadershipMeeting, Meeting, Request

from ..factories import (
    ActionFactory,
    ForumFactory,
    LeadershipMeetingFactory,
    MeetingFactory,
    RequestFactory,
)

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


def _agree(queryset_method, rows, predicate) -> dict:
    """Each row's answer from the QuerySet method and from the predicate, side by side."""
    chosen = set(queryset_method().values_list("pk", flat=True))
    return {row.pk: (row.pk in chosen, predicate(row)) for row in rows}


def _assert_agree(answers: dict, expected: bool):
    assert answers == {pk: (expected, expected) for pk in answers}


@pytest.mark.parametrize("case,expected", [
    ("due yesterday, no feedback", True),
    ("due today, no feedback", False),
    ("due yesterday, fed back", False),
    ("due yesterday, meeting archived", False),
    ("due yesterday, forum archived", False),
])
def test_feedback_lateness_is_one_rule(case, expected):
    forum = ForumFactory(is_archived=case.endswith("forum archived"))
    held_on = TODAY - timedelta(days=10)
    meeting = MeetingFactory(
        forum=forum, held_on=held_on,
        feedback_due_on=TODAY if "due today" in case else TODAY - timedelta(days=1),
        feedback_completed_at=timezone.now() if "fed back" in case else None,
        is_archived=case.endswith("meeting archived"),
    )
    meeting = Meeting.objects.select_related("forum").get(pk=meeting.pk)
    _assert_agree(_agree(lambda: Meeting.objects.feedback_late(TODAY), [meeting],
                         lambda m: m.is_feedback_late(TODAY)), expected)


@pytest.mark.parametrize("held_in_days,expected", [(-7, True), (-1, True), (0, True), (1, False), (30, False)])
def test_taking_feedback_is_one_rule(held_in_days, expected):
    # Feedback opens on the day of the meeting: "feedback I owe" counts by the QuerySet method, the meeting's page
    # by the predicate.
    held_on = TODAY + timedelta(days=held_in_days)
    meeting = MeetingFactory(held_on=held_on, feedback_due_on=held_on + timedelta(days=7))
    _assert_agree(_agree(lambda: Meeting.objects.taking_feedback(TODAY), [meeting],
                         lambda m: m.takes_feedback(TODAY)), expected)


@pytest.mark.parametrize("status,due_in_days,archived,expected", [
    ("open", -1, False, True),
    ("in_progress", -1, False, True),
    ("open", 0, False, False),
    ("done", -1, False, False),
    ("dropped", -1, False, False),
    ("open", -1, True, False),
])
def test_action_overdue_is_one_rule(status, due_in_days, archived, expected):
    closed = status in ("done", "dropped")
    action = ActionFactory(
        status=status, due_on=TODAY + timedelta(days=due_in_days), is_archived=archived,
        completion_note="Done." if closed else "", completed_at=timezone.now() if closed else None,
    )
    _assert_agree(_agree(lambda: Action.objects.overdue(TODAY), [action], lambda a: a.is_overdue(TODAY)), expected)


@pytest.mark.parametrize("case,expected", [
    ("waiting, target yesterday", True),
    ("waiting, target today", False),
    ("triaged after the target", True),
    ("triaged on the target day", False),
    ("waiting, target yesterday, archived", False),
])
def test_request_past_target_is_one_rule(case, expected, chair):
    request = RequestFactory(
        triage_due_on=TODAY if "target today" in case or "on the target day" in case else TODAY - timedelta(days=1),
        is_archived=case.endswith("archived"),
    )
    if case.startswith("triaged"):
        request.outcome, request.triaged_by, request.triaged_at = "message", chair, timezone.now()
        request.save()
    _assert_agree(_agree(lambda: Request.objects.past_target(TODAY), [request],
                         lambda r: r.is_past_target(TODAY)), expected)


@pytest.mark.parametrize("days,archived,expected", [(-1, False, False), (0, False, True), (7, False, True),
                                                    (7, True, False)])
def test_the_next_leadership_meeting_is_one_rule(days, archived, expected):
    meeting = LeadershipMeetingFactory(meets_on=TODAY + timedelta(days=days), is_archived=archived)
    _assert_agree(_agree(lambda: LeadershipMeeting.objects.upcoming(TODAY), [meeting],
                         lambda m: m.is_upcoming(TODAY)), expected)


def test_the_next_meeting_is_the_first_upcoming_one_for_the_agenda_and_the_scheduler():
    from representation import selectors, services

    LeadershipMeetingFactory(meets_on=TODAY - timedelta(days=1))
    LeadershipMeetingFactory(meets_on=TODAY + timedelta(days=2), is_archived=True)
    soonest = LeadershipMeetingFactory(meets_on=TODAY + timedelta(days=5))
    LeadershipMeetingFactory(meets_on=TODAY + timedelta(days=12))
    assert selectors.next_agenda(today=TODAY).meeting == soonest
    assert services.leadership_meeting_next(today=TODAY) == soonest


def test_the_dashboards_counts_are_the_three_rules_counted_in_one_query(django_assert_num_queries):
    since = TODAY - timedelta(days=7)
    for days in (30, 3, -5):  # overdue before `since`, overdue since it, not yet due
        ActionFactory(due_on=TODAY - timedelta(days=days))
    for days in (30, 2):
        MeetingFactory(held_on=TODAY - timedelta(days=days + 7), feedback_due_on=TODAY - timedelta(days=days))
    for days in (30, 1, 0):
        RequestFactory(triage_due_on=TODAY - timedelta(days=days))
    entered = selectors.new_if_dated_from(since)
    expected = {
        "overdue_actions": Action.objects.overdue(TODAY).count(),
        "overdue_actions_new": Action.objects.overdue(TODAY).filter(due_on__gte=entered).count(),
        "late_feedback": Meeting.objects.feedback_late(TODAY).count(),
        "late_feedback_new": Meeting.objects.feedback_late(TODAY).filter(feedback_due_on__gte=entered).count(),
        "requests_past_target": Request.objects.awaiting_triage().past_target(TODAY).count(),
        "requests_past_target_new": Request.objects.awaiting_triage().past_target(TODAY)
        .filter(triage_due_on__gte=entered).count(),
    }
    assert expected == {"overdue_actions": 2, "overdue_actions_new": 1, "late_feedback": 2, "late_feedback_new": 1,
                        "requests_past_target": 2, "requests_past_target_new": 1}
    with django_assert_num_queries(1):
        assert selectors.attention_counts(today=TODAY, since=since) == expected
