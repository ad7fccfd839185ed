"""Indexes for every sort key and filter of the actions list (issue #13, item 3).

B-tree indexes, one per sort key, on both databases (they are in the models' Meta). The
free-text search (`ActionFilter.search`: `icontains`, which Django writes as
`UPPER(column::text) LIKE UPPER(...)` on PostgreSQL) is served by pg_trgm GIN indexes on
those same expressions: PostgreSQL only, so they are created by SQL that other databases skip,
and the models do not declare them.
"""

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations, models

SEARCHED = {
    "action_title_trgm": "title",
    "action_description_trgm": "description",
    "action_lead_trgm": "lead_institution",
}


class PostgreSQLOnly(migrations.RunSQL):
    """RunSQL that does nothing on other databases (SQLite has no pg_trgm)."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)


class PostgreSQLTrigramExtension(TrigramExtension):
    """TrigramExtension, whose backwards step forgets to skip other databases (Django 5.2)."""

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)


class Migration(migrations.Migration):

    dependencies = [
        ("declarations", "0003_language_versions"),
        ("tracking", "0014_user_language"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="action",
            index=models.Index(fields=["title", "id"], name="action_title_sort"),
        ),
        migrations.AddIndex(
            model_name="action",
            index=models.Index(fields=["lead_institution", "id"], name="action_lead_sort"),
        ),
        migrations.AddIndex(
            model_name="action",
            index=models.Index(fields=["status", "id"], name="action_status_sort"),
        ),
        migrations.AddIndex(
            model_name="action",
            index=models.Index(fields=["progress", "id"], name="action_progress_sort"),
        ),
        migrations.AddIndex(
            model_name="action",
            index=models.Index(fields=["start_date", "id"], name="action_start_sort"),
        ),
        migrations.AddIndex(
            model_name="action",
            index=models.Index(fields=["end_date", "id"], name="action_end_sort"),
        ),
        migrations.AddIndex(
            model_name="action",
            index=models.Index(fields=["updated_at", "id"], name="action_updated_sort"),
        ),
        migrations.AddIndex(
            model_name="participant",
            index=models.Index(fields=["name", "id"], name="participant_name_sort"),
        ),
        # Nothing on databases other than PostgreSQL. pg_trgm is a trusted extension
        # (PostgreSQL 13+): the database's owner may create it without being a superuser.
        PostgreSQLTrigramExtension(),
        *(
            PostgreSQLOnly(
                f'CREATE INDEX "{name}" ON "tracking_action" '
                f'USING gin ((UPPER("{column}"::text)) gin_trgm_ops)',
                f'DROP INDEX "{name}"',
            )
            for name, column in SEARCHED.items()
        ),
    ]
