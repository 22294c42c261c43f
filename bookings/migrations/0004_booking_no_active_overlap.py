"""PostgreSQL only: no two active bookings of one consultant may overlap in time (RELIABILITY.md C-5).

The partial unique constraint ``booking_one_active_per_start`` only catches bookings with the same
start. An overlap with a different start (a 60-minute booking at 10:00 and a 30-minute one at 10:30)
is refused here by an exclusion constraint on ``tstzrange(start, end)`` (half-open ``[start, end)``,
so back-to-back bookings are allowed). ``btree_gist`` lets the GiST index compare ``consultant_id``
with ``=``; it is a trusted extension since PostgreSQL 13, so the database owner may create it.

SQLite has no exclusion constraints: there the operation does nothing and the locked re-check in
``bookings.services`` stays the only guard. The constraint is raw SQL rather than
``django.contrib.postgres.constraints.ExclusionConstraint`` in ``Meta.constraints`` because the model
state is shared by both vendors; it is therefore not part of Django's model state (``full_clean`` does
not check it, the services' re-check does).

Adding it fails if the table already holds overlapping active bookings: cancel or move them first.
"""

from django.db import migrations

TABLE = "bookings_consultationbooking"
CONSTRAINT = "booking_no_active_overlap"


class PostgreSQLOnlySQL(migrations.RunSQL):
    """``RunSQL`` that runs on PostgreSQL and does nothing on every other database vendor."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)

    def describe(self):
        return f"PostgreSQL only: {super().describe()}"


class Migration(migrations.Migration):
    dependencies = [
        ("bookings", "0003_booking_notification"),
    ]

    operations = [
        PostgreSQLOnlySQL(
            sql=[
                "CREATE EXTENSION IF NOT EXISTS btree_gist",
                f"""
                ALTER TABLE {TABLE} ADD CONSTRAINT {CONSTRAINT}
                EXCLUDE USING gist (consultant_id WITH =, tstzrange("start", "end") WITH &&)
                WHERE (status IN ('pending_payment', 'confirmed'))
                """,
            ],
            # The extension stays: other objects may use it, and it costs nothing.
            reverse_sql=[f"ALTER TABLE {TABLE} DROP CONSTRAINT IF EXISTS {CONSTRAINT}"],
        ),
    ]
