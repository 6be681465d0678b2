"""
PostgreSQL's pg_trgm for the catalogue search: a typo ("паспотр") still finds the service.

The extension is created on PostgreSQL only; on SQLite the operation does
nothing and the search keeps matching stems. pg_trgm is a trusted extension
(PostgreSQL 13+): the database's owner may create it.
"""

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations


class TrigramOnPostgres(TrigramExtension):
    """TrigramExtension that is a no-op on other databases."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        # Other tables of the site may use pg_trgm too: leave it in place.
        return


class Migration(migrations.Migration):
    dependencies = [("cnap", "0002_phone_codes_reminders_priority_names")]

    operations = [TrigramOnPostgres()]
