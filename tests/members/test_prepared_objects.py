"""members.prepared.objects: a page's small query built and compiled once a day, then run with the real values. It
must give exactly the instances the QuerySet gives, in every place, and simply run what it cannot prepare."""

from datetime import timedelta
from types import SimpleNamespace
from unittest import mock

import pytest
from django.db import connection
from django.db.models import Count, Exists, OuterRef, Q
from django.db.models.sql.compiler import SQLCompiler
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from decisions.models import DecisionItem, Principle
from members import places, prepared
from members.models import GroupRole, Seat
from representation.models import Forum
from tests.factories import (
    DecisionItemFactory,
    ForumFactory,
    GroupRoleFactory,
    PlaceFactory,
    SeatFactory,
    UserFactory,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("nothing_prepared")]


def _seats(holder_id):
    return (Seat.objects.filter(Q(holder_id=holder_id) | Q(deputy_id=holder_id), is_active=True)
            .select_related("holder").annotate(n=Count("pk")).order_by("title"))


def _shown(seats):
    return [(s.pk, s.title, s.holder.full_name, s.holder.email, s.n, s.place_id) for s in seats]


def _compiles(run):
    """How many times Django compiled a query while `run()` ran, and its result."""
    with mock.patch.object(SQLCompiler, "as_sql", autospec=True, side_effect=SQLCompiler.as_sql) as as_sql:
        result = run()
    return as_sql.call_count, result


def test_it_gives_what_the_queryset_gives_and_compiles_only_once(testshire):
    alice, bob = UserFactory(full_name="Alice"), UserFactory(full_name="Bob")
    SeatFactory(title="LMC", holder=alice)
    SeatFactory(title="Federation", holder=bob, deputy=alice)
    SeatFactory(title="Old seat", holder=alice, is_active=False)
    for person in (alice, bob, UserFactory()):
        assert _shown(prepared.objects("seats", _seats, holder_id=person.pk)) == _shown(_seats(person.pk))
    compiled, seats = _compiles(lambda: prepared.objects("seats", _seats, holder_id=alice.pk))
    assert compiled == 0 and [s.title for s in seats] == ["Federation", "LMC"]
    # One query, the holder read with the seat (select_related), not one more per seat.
    with CaptureQueriesContext(connection) as captured:
        assert [s.holder.full_name for s in prepared.objects("seats", _seats, holder_id=alice.pk)] == ["Bob", "Alice"]
    assert len(captured.captured_queries) == 1


def test_each_place_gets_its_own_rows(testshire, ics):
    person = UserFactory()
    SeatFactory(title="Testshire seat", holder=person)
    other = PlaceFactory(slug="otherton", name="Otherton", ics=ics)
    with places.using(other):
        SeatFactory(title="Otherton seat", holder=person)
        assert [s.title for s in prepared.objects("seats", _seats, holder_id=person.pk)] == ["Otherton seat"]
    assert [s.title for s in prepared.objects("seats", _seats, holder_id=person.pk)] == ["Testshire seat"]
    elsewhere = PlaceFactory(slug="nowhere-ics", name="No ICS")
    with places.using(elsewhere):
        assert prepared.objects("seats", _seats, holder_id=person.pk) == []


def test_across_several_places_it_is_compiled_once_for_each_set_of_places(testshire, ics, riverton, farland):
    person = UserFactory()
    SeatFactory(title="Testshire seat", holder=person)
    for place in (riverton, farland):
        with places.using(place):
            SeatFactory(title=f"{place.name} seat", holder=person)
    with places.unscoped():
        ForumFactory(name="System board", place=None, ics=ics)
        ForumFactory(name="Far system board", place=None, ics=farland.ics)

    def forums(since):
        return Forum.objects.filter(pk__gte=since).order_by("name")

    with places.across([testshire, riverton]):
        assert _shown(prepared.objects("seats", _seats, holder_id=person.pk)) == _shown(_seats(person.pk))
        compiled, seats = _compiles(lambda: prepared.objects("seats", _seats, holder_id=person.pk))
        assert compiled == 0 and [s.title for s in seats] == ["Riverton seat", "Testshire seat"]
        assert [f.name for f in prepared.objects("forums", forums, since=1)] == ["System board"]
    # Another set of places has its own SQL, its ids in it; one place alone is still prepared for any place.
    with places.across([testshire, farland]):
        assert [s.title for s in prepared.objects("seats", _seats, holder_id=person.pk)] == [
            "Farland seat", "Testshire seat"]
        assert [f.name for f in prepared.objects("forums", forums, since=1)] == ["Far system board", "System board"]
    assert [s.title for s in prepared.objects("seats", _seats, holder_id=person.pk)] == ["Testshire seat"]
    with places.across([]):
        assert prepared.objects("seats", _seats, holder_id=person.pk) == []
    assert {key[2] for key in prepared._entries if key[1] == "seats"} == {
        True, frozenset({testshire.pk, riverton.pk}), frozenset({testshire.pk, farland.pk})}


def test_a_model_of_a_whole_ics_is_read_with_the_places_ics(testshire, ics, farland):
    ForumFactory(name="Testshire board", place=testshire)
    with places.unscoped():
        ForumFactory(name="System board", place=None, ics=ics)
        ForumFactory(name="Far system board", place=None, ics=farland.ics)

    def forums(since):
        return Forum.objects.filter(pk__gte=since).order_by("name")

    since = 1
    assert [f.name for f in prepared.objects("forums", forums, since=since)] == ["System board", "Testshire board"]
    with places.using(farland):
        assert [f.name for f in prepared.objects("forums", forums, since=since)] == ["Far system board"]
    alone = PlaceFactory(slug="alone", name="Alone")
    with places.using(alone):
        ForumFactory(name="Alone board", place=alone)
        assert [f.name for f in prepared.objects("forums", forums, since=since)] == ["Alone board"]


def test_what_it_cannot_stand_in_for_is_simply_run(testshire):
    chair = UserFactory()
    GroupRoleFactory(user=chair, role=GroupRole.Role.CHAIR)

    def live_a_week_on(user_id, day):
        # A value derived from the one given (a week on): the stand-in could not stand in for it.
        return GroupRole.objects.filter(user_id=user_id, started_on__lte=day + timedelta(days=7))

    board = DecisionItemFactory(raised_by=chair)

    def started_before_now(forum_id):
        return DecisionItem.objects.filter(pk=forum_id, created_at__lte=timezone.now())  # the time of day

    today = timezone.localdate()
    for _ in range(2):
        assert [r.user_id for r in prepared.objects("week", live_a_week_on, user_id=chair.pk, day=today)] == [chair.pk]
        assert [f.pk for f in prepared.objects("now", started_before_now, forum_id=board.pk)] == [board.pk]
    assert prepared._entries[(connection.alias, "week", False)] is prepared._UNPREPARABLE
    assert prepared._entries[(connection.alias, "now", False)] is prepared._UNPREPARABLE
    compiled, _ = _compiles(lambda: prepared.objects("now", started_before_now, forum_id=board.pk))
    assert compiled == 1  # built and compiled each time, as any query


def test_it_refuses_a_prefetch_and_a_value_it_cannot_stand_in_for(testshire):
    with pytest.raises(ValueError, match="prefetch"):
        prepared.objects("prefetch", lambda pk: Seat.objects.filter(pk=pk).prefetch_related("holder"), pk=1)
    with pytest.raises(TypeError, match="only ids, dates and times"):
        prepared.objects("text", lambda title: Seat.objects.filter(title=title), title="LMC")


def test_a_true_is_not_taken_for_the_first_place():
    # True == 1 in Python: the check for a place's id left in the SQL must not take a true for place 1.
    first = SimpleNamespace(pk=1, ics_id=None)
    entry = prepared._prepare("active", lambda: Seat.objects.filter(is_active__in=[True]), {}, first)
    assert entry is not prepared._UNPREPARABLE and entry.positions["place"]


def test_an_exists_is_prepared_in_the_first_place_but_not_a_part_built_there_beforehand():
    # EXISTS writes `SELECT 1 AS "a"`: its 1 is not place 1's id, which a part built beforehand would hold.
    first = SimpleNamespace(pk=1, ics_id=None)

    def holding(pk):
        return Seat.objects.filter(Exists(GroupRole.objects.filter(user_id=OuterRef("holder_id"))), holder_id=pk)

    entry = prepared._prepare("holding", holding, {"pk": 5}, first)
    assert entry is not prepared._UNPREPARABLE and entry.positions["place"] and entry.positions["pk"]
    with places.standing_in(1):
        built_there = Seat.objects.values("pk")  # in place 1, before `build` is asked
    assert prepared._prepare("built there", lambda: Seat.objects.filter(pk__in=built_there), {},
                             first) is prepared._UNPREPARABLE


def test_it_refuses_a_query_built_before_it_was_asked(testshire):
    person = UserFactory()
    built_already = _seats(person.pk)  # in Testshire: prepared for every place, it would read Testshire's seats
    with pytest.raises(ValueError, match="must be built by `build`"):
        prepared.objects("built before", lambda: built_already)


def test_a_part_built_before_it_was_asked_is_not_prepared(testshire):
    person, other_place = UserFactory(), PlaceFactory(slug="otherton", name="Otherton")
    SeatFactory(title="Testshire seat", holder=person)
    with places.using(other_place):
        SeatFactory(title="Otherton seat", holder=person)
    holders = Seat.objects.values("holder_id")  # built here, in Testshire

    def seats():
        return Seat.objects.filter(holder_id__in=holders)

    assert [s.title for s in prepared.objects("part built before", seats)] == ["Testshire seat"]
    assert prepared._entries[(connection.alias, "part built before", False)] is prepared._UNPREPARABLE
    with places.using(other_place):
        assert prepared.objects("part built before", seats) == list(seats())


def test_outside_one_place_it_runs_the_queryset(testshire):
    person = UserFactory()
    SeatFactory(title="Testshire seat", holder=person)
    with places.unscoped():
        assert [s.title for s in prepared.objects("seats", _seats, holder_id=person.pk)] == ["Testshire seat"]
    assert prepared._entries == {}


def test_it_is_compiled_again_the_next_day(testshire):
    person = UserFactory()
    GroupRoleFactory(user=person, role=GroupRole.Role.MEMBER, ended_on=timezone.localdate() + timedelta(days=1))

    def live(user_id):
        return GroupRole.objects.live().filter(user_id=user_id)  # "live today": today's date is in the SQL

    assert len(prepared.objects("live", live, user_id=person.pk)) == 1
    later = timezone.now() + timedelta(days=2)
    with mock.patch("django.utils.timezone.now", return_value=later):
        assert prepared.objects("live", live, user_id=person.pk) == []


def _roles(person_id, since):
    return prepared.one_row(GroupRole.objects.filter(user_id=person_id), roles=Count("pk"),
                            recent=Count("pk", filter=Q(is_archived=False, started_on__gte=since)))


def test_counts_are_what_an_aggregate_gives_in_each_place_compiled_once(testshire):
    alice = UserFactory()
    today = timezone.localdate()
    GroupRoleFactory(user=alice, role="chair", started_on=today - timedelta(days=30))
    GroupRoleFactory(user=alice, role="member", started_on=today)
    other = PlaceFactory(slug="otherton", name="Otherton")
    with places.using(other):
        GroupRoleFactory(user=alice, role="member", started_on=today)
    for since in (today - timedelta(days=60), today + timedelta(days=1)):
        expected = GroupRole.objects.filter(user_id=alice.pk).aggregate(
            roles=Count("pk"), recent=Count("pk", filter=Q(is_archived=False, started_on__gte=since)))
        assert prepared.counts("roles", _roles, person_id=alice.pk, since=since) == expected
    assert expected == {"roles": 2, "recent": 0}
    # The SQL was compiled once and is run with other values, in another place, and for nobody at all.
    compiled, counted = _compiles(lambda: prepared.counts("roles", _roles, person_id=alice.pk, since=today))
    assert (compiled, counted) == (0, {"roles": 2, "recent": 1})
    with places.using(other):
        assert prepared.counts("roles", _roles, person_id=alice.pk, since=today) == {"roles": 1, "recent": 1}
    assert prepared.counts("roles", _roles, person_id=UserFactory().pk, since=today) == {"roles": 0, "recent": 0}


def test_a_values_list_gives_its_tuples(testshire):
    alice = UserFactory(full_name="Alice")
    GroupRoleFactory(user=alice, role="member", started_on=timezone.localdate() - timedelta(days=3))
    GroupRoleFactory(user=alice, role="chair")

    def roles(person_id):
        return GroupRole.objects.filter(user_id=person_id).order_by("role").values_list("role", "started_on")

    assert prepared.objects("role rows", roles, person_id=alice.pk) == list(roles(alice.pk))
    compiled, rows = _compiles(lambda: prepared.objects("role rows", roles, person_id=alice.pk))
    assert compiled == 0 and [role for role, _ in rows] == ["chair", "member"]
    assert rows[1][1] == timezone.localdate() - timedelta(days=3)


def test_prefetched_objects_answer_the_relation_without_a_query_until_it_changes(testshire):
    item = DecisionItemFactory()
    kept, other = Principle.objects.create(title="Kept"), Principle.objects.create(title="Other")
    item.principles.set([kept])
    item = DecisionItem.objects.get(pk=item.pk)
    prepared.prefetched(item, "principles", [kept])
    with CaptureQueriesContext(connection) as captured:
        assert list(item.principles.all()) == [kept]
    assert captured.captured_queries == []
    # A filter on the relation still asks the database, for this item's principles only.
    assert list(item.principles.filter(title="Other")) == []
    # Changing the relation forgets what was handed over.
    item.principles.add(other)
    assert sorted(p.title for p in item.principles.all()) == ["Kept", "Other"]
    # A reverse relation (an item's rounds' positions work the same way).
    prepared.prefetched(item, "rounds", [])
    with CaptureQueriesContext(connection) as captured:
        assert list(item.rounds.all()) == []
    assert captured.captured_queries == []


def test_the_converters_of_its_columns_are_worked_out_once_per_connection(testshire):
    item = DecisionItemFactory(title="Dated")

    def dated(pk):  # a datetime column, which PostgreSQL's converters make aware of the time zone
        return DecisionItem.objects.filter(pk=pk).values_list("title", "created_at")

    with mock.patch.object(SQLCompiler, "get_converters", autospec=True,
                           side_effect=SQLCompiler.get_converters) as worked_out:
        first = prepared.objects("dated", dated, pk=item.pk)
        again = prepared.objects("dated", dated, pk=item.pk)
    assert first == again == [("Dated", item.created_at)] and first[0][1].tzinfo is not None
    assert worked_out.call_count == 1
