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


@transaction.atomic
def set_with_history(objects: list, field: str, *, user=None, when=None) -> int:
    """Save `field` of each of `objects` (instances of one model, already holding their new values) and write one
    history row each ("changed"). Returns how many rows were updated."""
    if not objects:
        return 0
    model = type(objects[0])
    history = model.history.model
    when = when or timezone.now()
    if connection.vendor != "postgresql":
        return bulk_update_with_history(objects, model, [field], batch_size=500, default_user=user,
                                        default_date=when)
    from psycopg2.extras import execute_values

    target = model._meta.get_field(field)
    table, pk = model._meta.db_table, model._meta.pk.column
    copied = [f for f in history._meta.fields if f.name not in HISTORY_OWN_FIELDS]
    live = [model._meta.get_field(f.name).column for f in copied]
    qn = connection.ops.quote_name
    values = [(obj.pk, target.get_db_prep_save(getattr(obj, target.attname), connection)) for obj in objects]
    with connection.cursor() as cursor:
        execute_values(
            cursor.cursor,
            f"UPDATE {qn(table)} AS t SET {qn(target.column)} = v.value::{target.db_type(connection)} "
            f"FROM (VALUES %s) AS v(id, value) WHERE t.{qn(pk)} = v.id",
            values, page_size=len(values),
        )
        updated = cursor.cursor.rowcount
        cursor.execute(
            f"INSERT INTO {qn(history._meta.db_table)} ({', '.join(qn(f.column) for f in copied)}, "
            f"{qn('history_date')}, {qn('history_type')}, {qn('history_user_id')}, {qn('history_change_reason')}) "
            f"SELECT {', '.join('t.' + qn(c) for c in live)}, %s, '~', %s, NULL FROM {qn(table)} AS t "
            f"WHERE t.{qn(pk)} = ANY(%s)",
            [when, user.pk if user else None, [obj.pk for obj in objects]],
        )
    return updated
