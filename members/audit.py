"""Writing many audited rows at once without losing their history.

Every model users change keeps its history (simple-history), so a bulk write must write the history rows too.
`set_with_history` sets one field on many rows and records each change, in two statements on PostgreSQL (an UPDATE
from a list of values, and an INSERT … SELECT that copies the updated rows into the history table, as simple-history
would have written them one by one), and through simple-history's own bulk helper elsewhere (SQLite in `make run`).
Closing a national vote sets thousands of ballots' weights: a save each took seconds.
"""

from django.db import connection, transaction
from django.utils import timezone
from simple_history.utils import bulk_update_with_history

HISTORY_OWN_FIELDS = {"history_id", "history_date", "history_change_reason", "history_type", "history_user"}


def set_with_history(objects: list, field: str, *, user=None, when=None) -> int:
    """Save `field` of each of `objects` (instances of one model, already holding their new values) and write one
    history row each ("changed"). Returns how many rows were updated."""
    if not objects:
        return 0
    model = type(objects[0])
    attname = model._meta.get_field(field).attname
    return set_values_with_history(model, field, {obj.pk: getattr(obj, attname) for obj in objects}, user=user,
                                   when=when)


@transaction.atomic
def set_values_with_history(model, field: str, values: dict, *, user=None, when=None) -> int:
    """Set `field` of the rows of `model` whose ids are the keys of `values` to their values, and write one history
    row each ("changed"), without reading the rows into instances first. Returns how many rows were updated."""
    if not values:
        return 0
    history = model.history.model
    when = when or timezone.now()
    target = model._meta.get_field(field)
    if connection.vendor != "postgresql":
        objects = list(model._base_manager.filter(pk__in=list(values)))
        for obj in objects:
            setattr(obj, target.attname, values[obj.pk])
        bulk_update_with_history(objects, model, [field], batch_size=500, default_user=user, default_date=when)
        return len(objects)
    from psycopg2.extras import execute_values

    table, pk = model._meta.db_table, model._meta.pk.column
    copied = [f for f in history._meta.fields if f.name not in HISTORY_OWN_FIELDS]
    live = [model._meta.get_field(f.name).column for f in copied]
    qn = connection.ops.quote_name
    with connection.cursor() as cursor:
        prepare = target.get_db_prep_save
        rows = [(key, prepare(value, cursor.db)) for key, value in values.items()]  # the connection, not its proxy
        execute_values(
            cursor.cursor,
            f"UPDATE {qn(table)} AS t SET {qn(target.column)} = v.value::{target.db_type(connection)} "
            f"FROM (VALUES %s) AS v(id, value) WHERE t.{qn(pk)} = v.id",
            rows, page_size=len(rows),
        )
        updated = cursor.cursor.rowcount
        cursor.execute(
            f"INSERT INTO {qn(history._meta.db_table)} ({', '.join(qn(f.column) for f in copied)}, "
            f"{qn('history_date')}, {qn('history_type')}, {qn('history_user_id')}, {qn('history_change_reason')}) "
            f"SELECT {', '.join('t.' + qn(c) for c in live)}, %s, '~', %s, NULL FROM {qn(table)} AS t "
            f"WHERE t.{qn(pk)} = ANY(%s)",
            [when, user.pk if user else None, list(values)],
        )
    return updated
