"""The read functions other apps use (weekly digest, chair's dashboard): right answers in constant queries."""

import pytest
from django.utils import timezone

from priorities import selectors, services
from priorities.models import Exercise

from ..factories import AgreedPriorityFactory, PlanItemFactory

pytestmark = pytest.mark.django_db


def _setup(make_exercise, make_voter, chair, size):
    exercise, c = make_exercise("approval", places=1, names="AB")
    voters = [make_voter() for _ in range(size)]
    for practice, user in voters[: size // 2]:
        services.ballot_cast(exercise=exercise, practice=practice, user=user, choices=[c["A"].pk])
    for _ in range(size):
        PlanItemFactory(rag_status="red")
        PlanItemFactory(due_date=timezone.localdate() - timezone.timedelta(days=1))
        PlanItemFactory(rag_status="complete", due_date=timezone.localdate() - timezone.timedelta(days=1))
    return exercise, voters


def _queries(django_assert_max_num_queries):
    with django_assert_max_num_queries(10) as captured:
        opened = selectors.open_exercises()
        waiting = selectors.practices_not_voted(exercises=opened)
        attention = selectors.plan_items_needing_attention()
        published = selectors.results_published_since(timezone.now() - timezone.timedelta(days=7))
        [list(e.agreed) for e in published]
    return len(captured.captured_queries), opened, waiting, attention, published


def test_the_selectors_answer_in_constant_queries(make_exercise, make_voter, chair, django_assert_max_num_queries):
    exercise, voters = _setup(make_exercise, make_voter, chair, 2)
    small, opened, waiting, attention, _ = _queries(django_assert_max_num_queries)
    assert opened[0].ballot_count == 1 and opened[0].eligible == 2 and opened[0].turnout_percent == 50
    assert [(p.pk, p.name) for p in waiting[exercise]] == [(voters[1][0].pk, voters[1][0].name)]
    assert len(attention) == 4  # red and overdue; the complete one is not
    _setup(make_exercise, make_voter, chair, 6)
    large, *_ = _queries(django_assert_max_num_queries)
    assert small == large


def test_results_published_since_lists_winners_and_agreed_priorities(make_exercise, make_voter, chair):
    exercise, c = make_exercise("approval", places=1, names="AB")
    practice, user = make_voter()
    services.ballot_cast(exercise=exercise, practice=practice, user=user, choices=[c["B"].pk])
    services.exercise_close(exercise=exercise)
    before = timezone.now()
    services.exercise_publish(exercise=exercise, published_by=chair)
    AgreedPriorityFactory(candidate=c["B"])
    [published] = selectors.results_published_since(before)
    assert published.winners == ["B"]
    assert [p.title for p in published.agreed] == ["B"]
    assert published.turnout["voted"] == 1
    assert selectors.results_published_since(timezone.now()) == []


def test_turnout_counts_the_ballots_of_practices_open_now_on_every_list(make_exercise, make_voter, chair):
    exercise, c = make_exercise("approval", places=1, names="AB")
    voters = [make_voter() for _ in range(4)]
    for practice, user in voters[:3]:
        services.ballot_cast(exercise=exercise, practice=practice, user=user, choices=[c["A"].pk])
    closed = voters[0][0]
    closed.status = "closed"
    closed.save()
    for _ in range(2):  # the second time from the prepared SQL (members.prepared)
        [listed] = selectors.exercise_list(user=chair, include_drafts=True)["exercises"]
        [opened] = selectors.open_exercises()
        for found in (listed, opened):
            assert (found.ballot_count, found.eligible, found.turnout_percent) == (2, 3, 67)


def test_open_exercises_come_with_their_electorate_and_ballots_in_two_queries(make_exercise, make_voter,
                                                                              django_assert_num_queries):
    make_exercise("approval", places=1, names="AB")
    make_exercise("approval", places=1, names="AB")
    make_voter()
    make_voter()[0].status = "closed"
    for _ in range(2):  # the second time from the prepared SQL (members.prepared)
        with django_assert_num_queries(2):
            opened = selectors.open_exercises()
        assert [(e.eligible, e.ballot_count, e.turnout_percent) for e in opened] == [(2, 0, 0), (2, 0, 0)]


def test_open_exercises_ask_nothing_of_ballots_when_none_is_open(make_exercise, django_assert_num_queries):
    exercise, _ = make_exercise("approval", places=1, names="AB")
    services.exercise_close(exercise=exercise)
    with django_assert_num_queries(1):
        assert selectors.open_exercises() == []


def test_the_open_votes_ballots_are_counted_together_each_its_own(make_exercise, make_voter):
    """All the open votes' ballots are counted in one pass over the practices (models.ballots_by_exercise): each
    vote still gets its own count, a practice that closed is not counted, and neither is a vote that is not open."""
    first, c = make_exercise("approval", places=1, names="AB")
    second, d = make_exercise("approval", places=1, names="AB")
    closing, e = make_exercise("approval", places=1, names="AB")
    voters = [make_voter() for _ in range(4)]
    for practice, user in voters:
        services.ballot_cast(exercise=first, practice=practice, user=user, choices=[c["A"].pk])
        services.ballot_cast(exercise=closing, practice=practice, user=user, choices=[e["A"].pk])
    for practice, user in voters[:2]:
        services.ballot_cast(exercise=second, practice=practice, user=user, choices=[d["B"].pk])
    services.exercise_close(exercise=closing)
    closed = voters[0][0]
    closed.status = "closed"
    closed.save(update_fields=["status"])
    for _ in range(2):  # the second time from the prepared SQL (members.prepared)
        by_pk = {exercise.pk: exercise for exercise in selectors.open_exercises()}
        assert set(by_pk) == {first.pk, second.pk}
        assert (by_pk[first.pk].ballot_count, by_pk[first.pk].eligible, by_pk[first.pk].turnout_percent) == (3, 3, 100)
        assert (by_pk[second.pk].ballot_count, by_pk[second.pk].turnout_percent) == (1, 33)
        for exercise in (first, second):  # the rule with_turnout counts one exercise by
            assert by_pk[exercise.pk].ballot_count == Exercise.objects.with_turnout().get(pk=exercise.pk).ballot_count


def test_the_first_practices_not_voted_are_the_whole_lists_cut_and_counted(make_exercise, make_voter,
                                                                           django_assert_num_queries):
    first, c = make_exercise("approval", places=1, names="AB")
    second, d = make_exercise("approval", places=1, names="AB")
    voters = [make_voter(name=f"Practice {n}") for n in range(5)]
    for practice, user in voters[:2]:
        services.ballot_cast(exercise=first, practice=practice, user=user, choices=[c["A"].pk])
    for practice, user in voters:
        services.ballot_cast(exercise=second, practice=practice, user=user, choices=[d["B"].pk])
    third, _ = make_exercise("approval", places=1, names="AB")
    whole = selectors.practices_not_voted(exercises=[first, second, third])
    with django_assert_num_queries(1):
        shown = selectors.practices_not_voted_first(shown=2, exercises=[first, second, third])
    assert shown == {exercise: (missing[:2], len(missing)) for exercise, missing in whole.items()}
    assert [(len(names), count) for names, count in shown.values()] == [(2, 3), (0, 0), (2, 5)]
    # The open ones when none are given, as practices_not_voted finds them.
    assert selectors.practices_not_voted_first(shown=10) == {
        exercise: (missing, len(missing)) for exercise, missing in selectors.practices_not_voted().items()}


def test_the_list_counts_ballots_for_open_exercises_only(make_exercise, make_voter, chair):
    # A counted exercise reports the turnout stored at its close, so the list does not count its ballots again.
    exercise, c = make_exercise("approval", places=1, names="AB")
    practice, user = make_voter()
    services.ballot_cast(exercise=exercise, practice=practice, user=user, choices=[c["A"].pk])
    [listed] = selectors.exercise_list(user=chair, include_drafts=True)["exercises"]
    assert (listed.ballot_count, listed.turnout_percent) == (1, 100)
    services.exercise_close(exercise=exercise)
    for _ in range(2):  # the second time from the prepared SQL (members.prepared)
        [listed] = selectors.exercise_list(user=chair, include_drafts=True)["exercises"]
        assert (listed.ballot_count, listed.turnout_percent) == (None, None)
        assert listed.result["turnout"]["voted"] == 1


def test_the_digests_open_votes_and_results_are_the_two_selectors_read_together(make_exercise, make_voter, chair,
                                                                               django_assert_num_queries):
    """digest_exercises: open_exercises' and results_published_since's answers, from one query of both lists (and
    the ballots and the agreed priorities, each only when there is something to ask them of)."""
    week_ago = timezone.now() - timezone.timedelta(days=7)
    closing_later, c = make_exercise("approval", places=1, names="AB")
    closing_first, _ = make_exercise("approval", places=1, names="AB")
    closing_first.closes_at = closing_later.closes_at - timezone.timedelta(days=1)
    closing_first.save(update_fields=["closes_at"])
    practice, user = make_voter()
    make_voter()
    services.ballot_cast(exercise=closing_later, practice=practice, user=user, choices=[c["A"].pk])

    def same(expected_queries):
        for _ in range(2):  # compiled the first time, run from the prepared SQL the second (members.prepared)
            with django_assert_num_queries(expected_queries):
                found = selectors.digest_exercises(since=week_ago)
            assert [(e.pk, e.ballot_count, e.eligible, e.turnout_percent) for e in found["open"]] == [
                (e.pk, e.ballot_count, e.eligible, e.turnout_percent) for e in selectors.open_exercises()]
            assert [(e.pk, e.winners, [p.title for p in e.agreed], e.turnout) for e in found["results"]] == [
                (e.pk, e.winners, [p.title for p in e.agreed], e.turnout)
                for e in selectors.results_published_since(week_ago)]
        return found

    found = same(2)  # votes open, no result published
    assert [e.pk for e in found["open"]] == [closing_first.pk, closing_later.pk] and found["results"] == []
    assert [e.turnout_percent for e in found["open"]] == [0, 50]
    services.exercise_close(exercise=closing_later)
    services.exercise_publish(exercise=closing_later, published_by=chair)
    AgreedPriorityFactory(candidate=c["A"])
    found = same(3)  # both
    assert [e.pk for e in found["open"]] == [closing_first.pk]
    assert [(e.pk, e.winners, [p.title for p in e.agreed]) for e in found["results"]] == [
        (closing_later.pk, ["A"], ["A"])]
    services.exercise_close(exercise=closing_first)
    found = same(2)  # a result published, nothing open
    assert found["open"] == [] and [e.pk for e in found["results"]] == [closing_later.pk]


def test_the_first_plan_items_needing_attention_come_counted_with_those_new_since(django_assert_num_queries):
    """The dashboard's delivery plan section: the list's first few in its order, how many there are and how many
    are new since last week (fell overdue since then, or last changed since then), in one query."""
    from priorities.models import PlanItem

    today = timezone.localdate()
    since = today - timezone.timedelta(days=7)
    long_ago = timezone.now() - timezone.timedelta(days=30)
    red_long_ago = PlanItemFactory(rag_status="red")
    fell_overdue_since = PlanItemFactory(due_date=since - timezone.timedelta(days=1))
    overdue_long_ago = PlanItemFactory(due_date=since - timezone.timedelta(days=2))
    amber_now = PlanItemFactory(rag_status="amber")
    PlanItemFactory(rag_status="complete", due_date=today - timezone.timedelta(days=1))
    PlanItemFactory(rag_status="green")
    PlanItem.objects.filter(pk__in=[red_long_ago.pk, fell_overdue_since.pk, overdue_long_ago.pk]).update(
        updated_at=long_ago)
    listed = selectors.plan_items_needing_attention(today=today)
    assert len(listed) == 4
    with django_assert_num_queries(1):
        first, count, new = selectors.plan_items_needing_attention_first(shown=2, today=today, since=since)
    assert [item.pk for item in first] == [item.pk for item in listed[:2]]
    assert (count, new) == (4, 2)
    every, _, _ = selectors.plan_items_needing_attention_first(shown=10, today=today, since=since)
    assert {item.pk: item.is_new for item in every} == {red_long_ago.pk: False, fell_overdue_since.pk: True,
                                                         overdue_long_ago.pk: False, amber_now.pk: True}


def test_with_no_plan_item_needing_attention_there_are_none_to_count():
    PlanItemFactory(rag_status="green")
    assert selectors.plan_items_needing_attention_first(shown=10) == ([], 0, 0)
