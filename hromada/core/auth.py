"""The log-in backend: Django's model backend with a cheaper look-up per request."""

from __future__ import annotations

from django.contrib.auth.backends import ModelBackend
from django.db import connections

from hromada.core.models import Resident
from hromada.core.rows import RowLoader

_RESIDENT = RowLoader(Resident)


class ResidentBackend(ModelBackend):
    """
    Django's ModelBackend, loading the signed-in resident with a plain statement.

    Every request of a signed-in resident loads the account; composing that
    one query through the ORM costs more than the database spends on it.
    """

    def get_user(self, user_id):
        try:
            user_id = int(user_id)
        except (TypeError, ValueError):
            return None
        connection = connections["default"]
        table = connection.ops.quote_name(Resident._meta.db_table)
        columns = _RESIDENT.columns(table, connection)
        sql = f"SELECT {columns} FROM {table} WHERE id = %s"  # noqa: S608 -- names from the model
        found = _RESIDENT.load(sql, [user_id])
        if not found:
            return None
        user = found[0]
        return user if self.user_can_authenticate(user) else None
