"""An install from before places keeps every row when it migrates: each record is given its place and nothing else
changes.

The demo (one place, as every install before places was) is loaded at today's schema, the database is taken back to
the schema before places (exactly what an existing install has), every row of the five apps' tables is read, the
migrations are run forward, and every row is read again and compared.
"""

from datetime import timedelta

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from gpleadership.demo import _load_place
from members import outbox, places
from members.demo import demo_place
from members.services import invitation_create

BEFORE_PLACES = [("members", "0004_ics"), ("decisions", "0002_one_outbox"), ("priorities", "0002_one_outbox"),
                 ("representation", "0003_one_outbox"), ("gpleadership", "0002_one_outbox")]
APPS = ("members", "decisions", "priorities", "representation", "gpleadership")
# Rows that name an organisation take its place (members.place_migration); the rest take the first place.
THROUGH_ORGANISATION = {"members_seat": "organisation_id", "members_declaration": "organisation_id",
                        "members_invitation": "organisation_id", "representation_forum": "host_id"}
# The columns the migrations add: the place, an ICS-level forum's system (none before), and a request's routing
# from an ICS-level partner (none before); and, later, a position recorded on a seat's behalf (none before).
NEW_COLUMNS = {"place_id", "ics_id", "routed_from_ics_id", "routing_key", "recorded_by_id", "given_how", "phone",
               "shares_email", "shares_phone", "acknowledged_count"}

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.every_place]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def _leaves():
    return MigrationExecutor(connection).loader.graph.leaf_nodes()


@pytest.fixture
def at_the_end():
    """Whatever happens, the database is left at today's schema for the tests that follow."""
    yield
    _migrate(_leaves())


def _tables():
    with connection.cursor() as cursor:
        return sorted(t for t in connection.introspection.table_names(cursor) if t.split("_")[0] in APPS)


def _snapshot() -> tuple[dict, dict]:
    """({table: {primary key: {column: value}}}, {table: its columns}) of every table of the five apps."""
    snapshot, columns_of = {}, {}
    with connection.cursor() as cursor:
        for table in _tables():
            key = connection.introspection.get_primary_key_column(cursor, table)
            cursor.execute(f'SELECT * FROM "{table}"')  # noqa: S608 – table names come from the introspection
            columns = [column.name for column in cursor.description]
            columns_of[table] = set(columns)
            snapshot[table] = {row[columns.index(key)]: dict(zip(columns, row, strict=True)) for row in cursor}
    return snapshot, columns_of


def _live_table(history_table: str) -> str:
    app, model = history_table.split("_", 1)
    return f"{app}_{model.removeprefix('historical')}"


def _expected_place(table, row, after, first_place):
    if table.split("_", 1)[1].startswith("historical"):
        return after[_live_table(table)][row["id"]]["place_id"]
    if table == "members_outboxemail":
        return None if row["kind"] == outbox.PREPARED else first_place
    organisation = THROUGH_ORGANISATION.get(table)
    if organisation and row[organisation] is not None:
        return after["members_organisation"][row[organisation]]["place_id"]
    return first_place


def test_migrating_an_install_from_before_places_keeps_every_row(at_the_end):
    with places.unscoped(), outbox.withheld("demo data"):
        place = demo_place()
    with places.using(place), outbox.withheld("demo data"):
        people = _load_place(password_hash=None)
        # The demo invites nobody; an install had invitations (and their history) too.
        invitation_create(invited_by=people.chair, email="newcomer@northbrook.demo.nhs.uk", full_name="Nia Newcomer",
                          organisation=people.practices[0], role_title="Practice Manager")

    old = _migrate(BEFORE_PLACES)
    # What an install had besides the demo: a second place with an organisation (whose seat, declaration,
    # invitation and forum belong to it, not to the first place), a digest and an account email.
    Place, Organisation, User = (old.get_model("members", name) for name in ("Place", "Organisation", "User"))
    second = Place.objects.create(name="Second place", slug="second-place")
    elsewhere = Organisation.objects.create(place=second, kind="pcn", name="Second PCN", ods_code="U77777")
    chair = User.objects.get(email="chair@northbrook.demo.nhs.uk")
    old.get_model("members", "Seat").objects.create(title="Second PCN", kind="member", organisation=elsewhere,
                                                    holder=chair)
    old.get_model("members", "Declaration").objects.create(user=chair, interest="Partner", organisation=elsewhere,
                                                           declared_from=timezone.localdate())
    old.get_model("members", "Invitation").objects.create(
        email="new@second.example.nhs.uk", full_name="New", organisation=elsewhere, role_title="PM",
        token_hash="x" * 64, invited_by=chair, expires_at=timezone.now() + timedelta(days=7),
    )
    old.get_model("representation", "Forum").objects.create(name="Second board", host=elsewhere, cadence="Monthly")
    OutboxEmail = old.get_model("members", "OutboxEmail")
    OutboxEmail.objects.create(key="gpleadership.digest:2026-11-23:1", kind="gpleadership.digest", recipient=chair)
    OutboxEmail.objects.create(key="members.prepared:1", kind=outbox.PREPARED, recipient=chair)

    before, columns_before = _snapshot()
    _migrate(_leaves())
    after, columns_after = _snapshot()

    first_place = min(after["members_place"])
    assert after["members_place"][first_place]["slug"] == "northbrook"
    assert set(after) >= set(before)
    assert {table for table in set(after) - set(before) if after[table]} == set(), "new tables are empty"
    placed = set()
    for table, rows in before.items():
        assert set(after[table]) == set(rows), f"{table} lost or gained rows"
        for pk, row in rows.items():
            new = after[table][pk]
            assert {column: new[column] for column in row} == row, f"{table} {pk} changed"
            added = set(new) - set(row)
            assert added <= NEW_COLUMNS, f"{table} gained {added}"
            if "place_id" in added and not (table.endswith("forum") and new["ics_id"]):
                assert new["place_id"] == _expected_place(table, new, after, first_place), f"{table} {pk}"
                placed.add(table)
            if "ics_id" in added:
                assert new["ics_id"] is None
            if "acknowledged_count" in added:  # counted by the migration that added it
                assert new["acknowledged_count"] == sum(
                    1 for ack in after["decisions_acknowledgement"].values() if ack["item_id"] == pk), f"{table} {pk}"
    # Every table that gained a place had rows to give it to: the demo's seats, roles, decisions, … and their history.
    gained = {table for table in before if "place_id" in columns_after[table] - columns_before[table]}
    assert placed == gained, f"tables with no rows to check: {sorted(gained - placed)}"

    by_key = {row["key"]: row for row in after["members_outboxemail"].values()}
    assert by_key["gpleadership.digest:2026-11-23:1"]["place_id"] == first_place
    assert by_key["members.prepared:1"]["place_id"] is None
    seat = next(row for row in after["members_seat"].values() if row["organisation_id"] == elsewhere.pk)
    assert seat["place_id"] == second.pk
    forum = next(row for row in after["representation_forum"].values() if row["host_id"] == elsewhere.pk)
    assert forum["place_id"] == second.pk
    assert {row["place_id"] for row in after["members_grouprole"].values()} == {first_place}


def test_an_install_with_records_but_no_place_gets_our_place(at_the_end):
    old = _migrate(BEFORE_PLACES)
    User = old.get_model("members", "User")
    chair = User.objects.create(email="chair@example.nhs.uk", full_name="Clare Chair", password="!")
    role = old.get_model("members", "GroupRole").objects.create(user=chair, role="chair")
    principle = old.get_model("decisions", "Principle").objects.create(title="Continuity of care")
    item = old.get_model("decisions", "DecisionItem").objects.create(title="Item", question="Why?", raised_by=chair)
    digest = old.get_model("members", "OutboxEmail").objects.create(
        key="gpleadership.digest:2026-11-23:1", kind="gpleadership.digest", recipient=chair,
    )

    new = _migrate(_leaves())
    [our_place] = new.get_model("members", "Place").objects.all()
    assert (our_place.name, our_place.slug) == ("Our place", "our-place")
    assert new.get_model("members", "GroupRole").objects.get(pk=role.pk).place_id == our_place.pk
    assert new.get_model("decisions", "Principle").objects.get(pk=principle.pk).place_id == our_place.pk
    assert new.get_model("decisions", "DecisionItem").objects.get(pk=item.pk).place_id == our_place.pk
    assert new.get_model("members", "OutboxEmail").objects.get(pk=digest.pk).place_id == our_place.pk
    history = new.get_model("decisions", "HistoricalDecisionItem")
    assert not history.objects.filter(place__isnull=True).exists()
