"""Tell Postgres that a person's actions are in their own place.

Postgres takes columns to be independent: it reckons a person owns their share of all England's actions, in
every place, and so that "my actions" finds a handful in their place, when they are hundreds. From that it sorts
every one of them before taking the first page, rather than walking a place's actions soonest due first
(action_place_due) and stopping at the page's end (issue 12). Statistics on the columns together correct the
estimate. Postgres only: SQLite plans without them.
"""

from django.db import migrations

CREATE = ("CREATE STATISTICS IF NOT EXISTS action_place_people (mcv, dependencies) "
          "ON place_id, owner_id, support_id FROM representation_action")
DROP = "DROP STATISTICS IF EXISTS action_place_people"


def _on_postgres(sql):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql)
            if sql == CREATE:
                schema_editor.execute("ANALYZE representation_action")  # statistics are empty until analysed
    return run


class Migration(migrations.Migration):

    dependencies = [
        ("representation", "0008_action_place_due"),
    ]

    operations = [
        migrations.RunPython(_on_postgres(CREATE), _on_postgres(DROP)),
    ]
