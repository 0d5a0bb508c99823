"""members.prepared on the PostgreSQL server: its SQL is prepared once per connection (PREPARE) and then run by
EXECUTE; a rollback does not lose it, a new connection prepares afresh, and what PostgreSQL refuses to prepare is
sent as it is without harming the transaction."""

import pytest
from django.db import connection, transaction
from django.db.models import Count, Q
from django.test.utils import CaptureQueriesContext

from members import prepared
from members.models import Seat
from tests.factories import SeatFactory, UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("nothing_prepared")]


def _seats(person_id):
    return Seat.objects.filter(Q(holder_id=person_id) | Q(deputy_id=person_id)).order_by("title")


def _titles(person_id):
    with CaptureQueriesContext(connection) as queries:
        titles = [seat.title for seat in prepared.objects("seats", _seats, person_id=person_id)]
    [query] = queries.captured_queries
    return titles, query["sql"]


def test_the_second_time_the_server_runs_what_it_prepared(testshire):
    alice, bob = UserFactory(), UserFactory()
    SeatFactory(title="LMC", holder=alice)
    SeatFactory(title="Federation", holder=bob, deputy=alice)
    titles, sql = _titles(alice.pk)
    assert titles == ["Federation", "LMC"] and sql.startswith("EXECUTE gp_prepared_")
    titles, again = _titles(bob.pk)
    assert titles == ["Federation"] and again.split(" (")[0] == sql.split(" (")[0]  # the same statement
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_prepared_statements WHERE name LIKE 'gp_prepared_%%'")
        assert cursor.fetchone()[0] >= 1


@pytest.mark.django_db(transaction=True)
def test_a_rollback_does_not_lose_it_and_a_new_connection_prepares_afresh(testshire):
    alice = UserFactory()
    SeatFactory(title="LMC", holder=alice)
    with pytest.raises(RuntimeError), transaction.atomic():
        assert _titles(alice.pk)[0] == ["LMC"]  # prepared inside a transaction that is rolled back
        raise RuntimeError
    assert _titles(alice.pk)[0] == ["LMC"]
    connection.close()
    titles, sql = _titles(alice.pk)
    assert titles == ["LMC"] and sql.startswith("EXECUTE gp_prepared_")


def test_what_the_server_refuses_is_sent_as_it_is_and_the_transaction_goes_on(testshire):
    with transaction.atomic():
        sql, params = prepared._server_side("SELECT %s IS NULL", [None])  # a parameter of no known type
        assert (sql, params) == ("SELECT %s IS NULL", [None])
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            assert cursor.fetchone() == (True,)
            cursor.execute("SELECT 1")
            assert cursor.fetchone() == (1,)
    # Asked again, it is not offered to the server again.
    assert prepared._server_side("SELECT %s IS NULL", [None])[0] == "SELECT %s IS NULL"


def test_a_percent_sign_in_the_sql_stays_one(testshire):
    sql, params = prepared._server_side("SELECT 'a%%b' || %s", ["c"])
    assert sql.startswith("EXECUTE ")
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        assert cursor.fetchone() == ("a%bc",)


def test_turned_off_it_sends_the_sql_as_it_is(testshire, settings):
    settings.DATABASE_SERVER_PREPARE = False
    alice = UserFactory()
    SeatFactory(title="LMC", holder=alice)
    titles, sql = _titles(alice.pk)
    assert titles == ["LMC"] and sql.startswith("SELECT ")


def test_a_query_kept_off_the_server_is_compiled_once_and_sent_as_sql(testshire):
    alice = UserFactory()
    SeatFactory(title="LMC", holder=alice)
    for _ in range(2):
        with CaptureQueriesContext(connection) as queries:
            seats = prepared.objects("seats, as SQL", _seats, on_server=False, person_id=alice.pk)
        assert [seat.title for seat in seats] == ["LMC"]
        assert queries.captured_queries[0]["sql"].startswith("SELECT ")
    assert prepared._entries[(connection.alias, "seats, as SQL", False)] is not prepared._UNPREPARABLE


def test_counts_kept_off_the_server_are_sent_as_sql(testshire):
    alice = UserFactory()
    SeatFactory(title="LMC", holder=alice)
    for _ in range(2):
        with CaptureQueriesContext(connection) as queries:
            counted = prepared.counts("seats counted, as SQL", lambda person_id: prepared.one_row(
                _seats(person_id), n=Count("pk")), on_server=False, person_id=alice.pk)
        assert counted == {"n": 1}
        assert queries.captured_queries[0]["sql"].startswith("SELECT ")


def _plans(sql_start: str) -> tuple[int, int]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT generic_plans, custom_plans FROM pg_prepared_statements WHERE name = %s",
                       [sql_start.split()[1]])
        return cursor.fetchone()


@pytest.mark.django_db(transaction=True)
def test_a_query_asked_for_generic_is_never_planned_for_its_values_and_the_setting_does_not_outlast_it(testshire):
    alice, bob = UserFactory(), UserFactory()
    SeatFactory(title="LMC", holder=alice)
    SeatFactory(title="Federation", holder=bob)
    for person, title in ((alice, "LMC"), (bob, "Federation"), (alice, "LMC")):
        with CaptureQueriesContext(connection) as queries:
            seats = prepared.objects("seats, generic", _seats, generic=True, person_id=person.pk)
        assert [seat.title for seat in seats] == [title]
    [query] = queries.captured_queries
    assert query["sql"].startswith("SET LOCAL plan_cache_mode = force_generic_plan; EXECUTE gp_prepared_")
    assert _plans(query["sql"].split("; ")[1]) == (3, 0)  # PostgreSQL chooses custom plans for its first five runs
    with connection.cursor() as cursor:
        cursor.execute("SHOW plan_cache_mode")
        assert cursor.fetchone() == ("auto",)
    # Without it, the same statement is planned for the values at first.
    titles, sql = _titles(alice.pk)
    assert titles == ["LMC"] and sql.split(" (")[0] == query["sql"].split("; ")[1].split(" (")[0]
    assert _plans(sql) == (3, 1)


@pytest.mark.django_db(transaction=True)
def test_inside_a_transaction_a_generic_query_leaves_the_choice_to_postgresql(testshire):
    alice = UserFactory()
    SeatFactory(title="LMC", holder=alice)
    with transaction.atomic(), CaptureQueriesContext(connection) as queries:
        seats = prepared.objects("seats, generic", _seats, generic=True, person_id=alice.pk)
        assert [seat.title for seat in seats] == ["LMC"]
        cursor = connection.cursor()
        cursor.execute("SHOW plan_cache_mode")
        assert cursor.fetchone() == ("auto",)
    assert queries.captured_queries[0]["sql"].startswith("EXECUTE gp_prepared_")


@pytest.mark.django_db(transaction=True)
def test_a_query_asked_as_written_plans_its_joins_in_order_and_the_setting_does_not_outlast_it(testshire):
    alice = UserFactory()
    SeatFactory(title="LMC", holder=alice)
    for on_server in (True, False):
        with CaptureQueriesContext(connection) as queries:
            seats = prepared.objects(("seats, as written", on_server), _seats, on_server=on_server,
                                     as_written=True, person_id=alice.pk)
        assert [seat.title for seat in seats] == ["LMC"]
        [query] = queries.captured_queries
        assert query["sql"].startswith("SET LOCAL join_collapse_limit = 1; " + ("EXECUTE" if on_server else "SELECT"))
    with connection.cursor() as cursor:
        cursor.execute("SHOW join_collapse_limit")
        assert cursor.fetchone() == ("8",)


def test_inside_a_transaction_a_query_asked_as_written_leaves_the_order_to_postgresql(testshire):
    alice = UserFactory()
    SeatFactory(title="LMC", holder=alice)
    with CaptureQueriesContext(connection) as queries:
        seats = prepared.objects("seats, as written", _seats, as_written=True, person_id=alice.pk)
    assert [seat.title for seat in seats] == ["LMC"]
    assert queries.captured_queries[0]["sql"].startswith("EXECUTE gp_prepared_")
