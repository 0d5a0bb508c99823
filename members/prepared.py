"""Compiled once, run many times: the SQL of a query that pages run often, kept per process.

Building and compiling a Django query costs about three times what PostgreSQL takes to answer a small one (a
third of a millisecond against a tenth, measured on the national bench), and a query of many counted expressions
(the dashboard's twelve weeks of actions: 36 of them) costs 20 ms to compile and 6 ms to run. For such a query the
QuerySet is still the only place its rule is written: `rows(key, build, pk)` asks `build` for the QuerySet of a
stand-in id, compiles it once a day (rules such as "live today" put today's date in the SQL), and afterwards runs
the same SQL with the real id in the stand-in's place. `place_rows(key, build)` does the same for a QuerySet of
the place being worked in, the place's id standing in.

Only a query whose SQL depends on nothing but the stand-in id and today's date may be prepared: `key` must name
anything else it depends on (a date given as an argument, say), and a time of day (`timezone.now()`) must never
be in it.
"""

import copy
import itertools
import re
import weakref
from contextlib import nullcontext
from datetime import UTC, date, datetime

from django.conf import settings
from django.core.paginator import Paginator
from django.db import connection, connections
from django.db.models import IntegerField, QuerySet, Value
from django.utils import timezone

from . import places

# An id no row has, so that its place among the query's parameters is unmistakable.
STAND_IN = -7_654_321_987

_compiled: dict[tuple, tuple[str, list, list[int], object]] = {}


def _compile(key, build):
    today = timezone.localdate()
    entry = _compiled.get((connection.alias, key))
    if entry is None or entry[3] != today:
        sql, params = build(STAND_IN).query.sql_with_params()
        params = list(params)
        positions = [i for i, value in enumerate(params) if value == STAND_IN]
        if not positions:
            raise ValueError(f"{key}: the query does not use the id it was built for")
        for stale in [k for k, (_, _, _, day) in _compiled.items() if day != today]:
            del _compiled[stale]
        entry = (sql, params, positions, today)
        _compiled[(connection.alias, key)] = entry
    return entry


def rows(key, build, pk: int) -> list[tuple]:
    """The rows of `build(pk)` (a values_list QuerySet of plain columns), from SQL compiled once per day."""
    sql, params, positions, _ = _compile(key, build)
    params = list(params)
    for position in positions:
        params[position] = pk
    with connection.cursor() as cursor:
        cursor.execute(*_server_side(sql, params))
        return cursor.fetchall()


# --------------------------------------------------------------------------------- prepared in PostgreSQL too
# PostgreSQL parses and plans every query it is sent: for the person's standing (a union of five) 0.3 ms of the
# 0.6 ms it takes, measured on the national bench. The SQL this module has compiled is also prepared on the
# server, once per connection (PREPARE, which a rollback does not undo), and then run by EXECUTE with the values.
# Not for a pooler that shares a server connection between clients a transaction at a time (PgBouncer's
# transaction mode): `DATABASE_SERVER_PREPARE=0` in the environment (settings.DATABASE_SERVER_PREPARE) turns it off.
# After five runs PostgreSQL may keep one generic plan for every value, which is where the time is saved; for a
# query whose best plan depends much on its values, a first page of a long list sorted and cut (LIMIT) above all,
# that plan can be far worse (a person's first 25 actions: 1.4 → 4.8 ms at national scale), so such a query is
# compiled once but sent as SQL (`objects(..., on_server=False)`). The other way round, PostgreSQL may keep planning
# a query afresh on every run when its generic plan only looks dearer: `objects(..., generic=True)` makes it use the
# generic plan (a place's first 25 actions, whose join of five tables takes 0.7 ms to plan and 0.15 ms to run).

_PLACEHOLDER = re.compile(r"%([s%])")


def _server_side(sql: str, params: list, *, generic: bool = False) -> tuple[str, list]:
    """`sql` with `params` as the EXECUTE of a statement prepared on this connection, preparing it the first time
    the connection meets it; as it is where the database is not PostgreSQL or the statement cannot be prepared.
    `generic`: run with its generic plan, never planned for the values, where the connection is in autocommit (the
    setting is local to the implicit transaction of the two statements; inside a transaction it would outlast the
    query, so there PostgreSQL chooses)."""
    if not settings.DATABASE_SERVER_PREPARE or connection.vendor != "postgresql":
        return sql, params
    connection.ensure_connection()
    raw = connection.connection
    known = connection.__dict__.get("_gp_statements")
    if known is None or known[0] is not raw:  # a new connection prepares afresh
        known = connection.__dict__["_gp_statements"] = (raw, {})
    if sql not in known[1]:
        known[1][sql] = _prepare_on_server(raw, f"gp_prepared_{len(known[1]) + 1}", sql)
    name = known[1][sql]
    if name is None:
        return sql, params
    execute = f"EXECUTE {name} ({', '.join(['%s'] * len(params))})" if params else f"EXECUTE {name}"
    if generic and raw.autocommit:
        execute = f"SET LOCAL plan_cache_mode = force_generic_plan; {execute}"
    return execute, params


def _prepare_on_server(raw, name: str, sql: str) -> str | None:
    """PREPARE `sql` as `name` (the name, or None if PostgreSQL refused it: it is then sent as it is). Inside a
    transaction, in a savepoint of its own, so that a refusal does not abort the transaction."""
    import psycopg2

    numbers = itertools.count(1)
    body = _PLACEHOLDER.sub(lambda found: f"${next(numbers)}" if found.group(1) == "s" else "%", sql)
    in_transaction = not raw.autocommit
    with raw.cursor() as cursor:
        if in_transaction:
            cursor.execute("SAVEPOINT gp_prepare")
        try:
            cursor.execute(f"PREPARE {name} AS {body}")
        except psycopg2.Error:
            if in_transaction:
                cursor.execute("ROLLBACK TO SAVEPOINT gp_prepare")
            return None
        if in_transaction:
            cursor.execute("RELEASE SAVEPOINT gp_prepare")
    return name


def place_rows(key, build) -> list[tuple]:
    """The rows of `build()` (a values_list QuerySet) in the one place being worked in, from SQL compiled once per
    day. For models of a place only: a model with ICS-level rows (ICS_PATH) is refused, its SQL names the ICS too."""
    place = places.current_place()
    if place is None:  # no place, or several (the ICS page): nothing to stand in for
        return list(build())

    def in_stand_in(pk):
        with places.standing_in(pk):
            queryset = build()
        if getattr(queryset.model, "ICS_PATH", None):
            raise ValueError(f"{key}: {queryset.model.__name__} has rows of a whole ICS")
        return queryset

    return rows(("place", key), in_stand_in, place.pk)


# ------------------------------------------------------------------------------------------ model instances
# A page's own small queries cost more to build and compile (about 0.5 ms each, measured on the national bench)
# than PostgreSQL takes to answer them. `objects(key, build, **values)` builds and compiles `build(**values)` once a
# day with a stand-in for each value and for the place (and its ICS), checks that the result is exactly what
# building it for real gives, and afterwards runs that SQL with the real values in the stand-ins' places, making
# the model instances as Django's own iterable does (select_related and annotations included).

_UNPREPARABLE = object()
_entries: dict[tuple, object] = {}


class _Entry:
    __slots__ = ("sql", "params", "positions", "compiler", "model", "day", "iterable_class", "fields", "converters")

    def __init__(self, sql, params, positions, compiler, model, day, iterable_class, fields):
        self.sql, self.params, self.positions, self.compiler, self.model, self.day = (
            sql, params, positions, compiler, model, day)
        # How the QuerySet made its rows: model instances, or the tuples of a values_list (named or not).
        self.iterable_class, self.fields = iterable_class, fields
        # The converters of its columns, per connection: Django works them out afresh on every run, expression
        # by expression (0.4 ms of the decision item page's twelve queries, measured on the national bench).
        self.converters = weakref.WeakKeyDictionary()


def _stand_ins(values: dict, variant: int) -> dict:
    """A value no row has for each of `values`, of the same kind (ids, dates, times), different in each variant."""
    out = {}
    for i, (name, value) in enumerate(sorted(values.items())):
        if isinstance(value, bool) or not isinstance(value, int | date | datetime):
            raise TypeError(f"{name}: only ids, dates and times stand in, not {type(value).__name__}")
        if isinstance(value, datetime):
            out[name] = datetime(1901, 1 + variant, 1 + i, 0, 0, 7, 654321, tzinfo=UTC)
        elif isinstance(value, date):
            out[name] = date(1901, 1 + variant, 1 + i)
        else:
            out[name] = STAND_IN - 1_000 * variant - i
    return out


def _compile_in_stand_in(build, values: dict, place_key: dict):
    """The SQL, parameters and compiler of build(**values), built in the stand-in place of `place_key` (the place's
    and its ICS's ids by "place" and "ics"); with no `place_key`, in the places being read (`across`)."""
    with places.standing_in(place_key["place"], place_key.get("ics")) if place_key else nullcontext():
        queryset = build(**values)
    if queryset._prefetch_related_lookups:
        # A Prefetch's queryset is built now, in the stand-in place, and would be run there: refused.
        raise ValueError("a prepared query cannot prefetch")
    compiler = queryset.query.get_compiler(using=queryset.db)
    sql, params = compiler.as_sql()
    return sql, list(params), compiler, queryset


def _prepare(key, build, values: dict, place):
    """The entry of build(**values) in `place`, with a stand-in for its id; with no `place`, in the several places
    being read, whose ids are then in the SQL as they are (the entry is kept for that set of places)."""
    real_place = {"place": place.pk, **({"ics": place.ics_id} if place.ics_id else {})} if place else {}
    everything = {**values, **real_place}
    one, two = _stand_ins(everything, 0), _stand_ins(everything, 1)

    def split(stand_ins):
        return ({k: stand_ins[k] for k in values}, {k: stand_ins[k] for k in real_place})

    sql, params, compiler, built = _compile_in_stand_in(build, *split(one))
    model = built.model
    sql_two, params_two, _, _ = _compile_in_stand_in(build, *split(two))
    positions: dict[str, list[int]] = {}
    for name, value in one.items():
        positions[name] = [i for i, param in enumerate(params) if param == value]
    if place and getattr(model, "PLACE_PATH", None) and not positions["place"]:
        # A model of a place, but the place is not the stand-in: the query was built before `build` was called.
        raise ValueError(f"{key}: the query must be built by `build`, in the place it is prepared for")
    marked = {i for found in positions.values() for i in found}
    # The same SQL for other stand-ins, differing only where a stand-in is: nothing is derived from a value (a
    # date plus a week) or from the time of day, which the stand-ins could not stand in for.
    if sql_two != sql or len(params_two) != len(params) or any(
            (i in marked) != (params[i] != params_two[i]) for i in range(len(params))):
        return _UNPREPARABLE
    # And what it stands in for is exactly what building it for real gives.
    with places.standing_in(place.pk, place.ics_id) if place else nullcontext():
        real = build(**values)
    real_sql, real_params = real.query.get_compiler(using=real.db).as_sql()
    if real_sql != sql or list(real_params) != _filled(params, positions, everything):
        return _UNPREPARABLE
    # Built in a stand-in place, the query names the real place (or its ICS) only where a part of it was built
    # beforehand (a subquery, say), which would keep this place's id for every place. (A constant that merely
    # equals the id is run plainly too, but for EXISTS's own `SELECT 1 AS "a"`: the first place has the id 1.)
    exists_constants = _exists_constants(sql)
    if any(param in real_place.values() for i, param in enumerate(params)
           if type(param) is int and i not in exists_constants):
        return _UNPREPARABLE
    return _Entry(sql, params, positions, compiler, model, timezone.localdate(), built._iterable_class,
                  built._fields)


def _exists_constants(sql: str) -> set[int]:
    """The positions among the parameters of EXISTS subqueries' constant (Django writes `SELECT %s AS "a"`, the
    parameter being 1)."""
    found, index = set(), 0
    for placeholder in _PLACEHOLDER.finditer(sql):
        if placeholder.group(1) == "s":
            if sql.startswith(' AS "a"', placeholder.end()) and sql[:placeholder.start()].endswith("SELECT "):
                found.add(index)
            index += 1
    return found


def _filled(params: list, positions: dict, values: dict) -> list:
    params = list(params)
    for name, found in positions.items():
        for i in found:
            params[i] = values[name]
    return params


class _PreparedQuery:
    """Stands in for a Query inside a QuerySet: its compiler answers with the prepared SQL."""

    def __init__(self, entry: _Entry, sql: str, params: list):
        self.entry, self.sql, self.params = entry, sql, params

    def get_compiler(self, using=None, connection=None, elide_empty=True):
        compiler = copy.copy(self.entry.compiler)
        compiler.connection = connection = connection or connections[using]
        sql, params = self.sql, self.params
        compiler.as_sql = lambda *args, **kwargs: (sql, params)
        known = self.entry.converters
        converters = known.get(connection)
        if converters is None:
            fields = [column[0] for column in compiler.select[:compiler.col_count]]
            converters = known[connection] = type(compiler).get_converters(compiler, fields)
        compiler.get_converters = lambda expressions: converters  # the query's own columns, always the same
        return compiler


def objects(key, build, *, on_server: bool = True, generic: bool = False, as_written: bool = False,
            **values) -> list:
    """The model instances of `build(**values)` (a QuerySet without prefetch_related; or the tuples of a values_list
    QuerySet, named or not) in the place being worked in, from SQL compiled once a day. `values` are ids, dates or
    times the query filters on as they are; anything else it depends on must be in `key`. A query that cannot be
    prepared (one that derives a value from another, or reads the time of day) and any query outside any place, or
    on another database than PostgreSQL, is simply run. Read across several places (the ICS page), it is compiled
    once a day for each set of places, their ids in its SQL as they are. `on_server=False`: not prepared on the
    server (see _server_side: a top-N list over a large table, whose generic plan PostgreSQL may misjudge);
    `generic=True`: always run with its generic plan (one whose planning costs more than running it);
    `as_written=True`: its joins planned in the order the query writes them (_as_written)."""
    place, scope = places.current_place(), places.current_scope()
    if connection.vendor != "postgresql" or scope is None or not scope.place_ids:
        return list(build(**values))
    if place is not None:
        cache_key = (connection.alias, key, place.ics_id is not None)
    else:  # several places at once (`across`: the ICS page), kept for that set of places
        cache_key = (connection.alias, key, scope.place_ids, scope.ics_ids)
    entry = _entries.get(cache_key)
    today = timezone.localdate()
    if entry is None or (entry is not _UNPREPARABLE and entry.day != today):
        for stale in [k for k, e in _entries.items() if e is not _UNPREPARABLE and e.day != today]:
            del _entries[stale]  # a key may name a day (the ICS page's actions): yesterday's are never asked again
        entry = _entries[cache_key] = _prepare(key, build, values, place)
    if entry is _UNPREPARABLE:
        return list(build(**values))
    everything = {**values, **({"place": place.pk, **({"ics": place.ics_id} if place.ics_id else {})}
                               if place else {})}
    params = _filled(entry.params, entry.positions, everything)
    sent = _server_side(entry.sql, params, generic=generic) if on_server else (entry.sql, params)
    if as_written:
        sent = _as_written(*sent)
    query = _PreparedQuery(entry, *sent)
    queryset = QuerySet(model=entry.model, query=query, using=connection.alias)
    queryset._iterable_class, queryset._fields = entry.iterable_class, entry.fields
    return list(queryset)


def _as_written(sql: str, params: list) -> tuple[str, list]:
    """`sql` planned with its joins in the order it writes them (join_collapse_limit = 1), where the connection is
    in autocommit (the setting is local to the implicit transaction of the two statements; inside a transaction it
    would outlast the query). For a query planned for its values whose best order is plain (its main table first,
    then what each row points to): searching every order of a join of five tables took PostgreSQL 0.9 ms of the
    1.2 ms of a person's first 25 actions, at national scale, against 0.5 ms."""
    if connection.vendor != "postgresql":
        return sql, params
    connection.ensure_connection()
    if not connection.connection.autocommit:
        return sql, params
    return f"SET LOCAL join_collapse_limit = 1; {sql}", params


def paged(*, count: int, number, size: int, first, rest):
    """A Django Page of `count` rows, `size` to a page, page `number` as the address gives it (past the end: the
    last; not a number: the first). The first page's rows, which most readers see, are `first()` (from prepared
    SQL); any other page's are `rest()`, a QuerySet built only then, cut to the page."""
    page = Paginator(range(count), size).get_page(number)
    page.object_list = first() if page.number == 1 else list(rest()[page.start_index() - 1:page.end_index()])
    return page


def one_row(queryset, **aggregates):
    """What `queryset.aggregate(**aggregates)` answers, as the one named row of a values_list QuerySet (no GROUP BY:
    one row even when nothing is counted), so that its SQL can be prepared (`counts`)."""
    return (queryset.order_by().values(every=Value(1, output_field=IntegerField())).annotate(**aggregates)
            .values_list(*aggregates, named=True))


def counts(key, build, *, on_server: bool = True, **values) -> dict:
    """`build(**values)`, a `one_row` QuerySet, prepared as `objects` prepares a query: its aggregates by name."""
    [row] = objects(key, build, on_server=on_server, **values)
    return row._asdict()


def prefetched(instance, name: str, objects: list) -> None:
    """Hand `objects` to `instance` as `prefetch_related(name)` would have fetched them (as Django's own prefetching
    does), so that `instance.<name>.all()` answers without a query: for objects read from prepared SQL, which
    cannot prefetch. A filter on the relation still asks the database; changing it (`set`, `add`) forgets them."""
    manager = getattr(instance, name)
    cache_name = getattr(manager, "prefetch_cache_name", None) or manager.field.remote_field.cache_name
    queryset = manager.get_queryset()
    queryset._result_cache, queryset._prefetch_done = list(objects), True
    if not hasattr(instance, "_prefetched_objects_cache"):
        instance._prefetched_objects_cache = {}
    instance._prefetched_objects_cache[cache_name] = queryset
