"""The log-in backend: Django's model backend with a cheaper look-up per request."""

from __future__ import annotations

from django.contrib.auth.backends import ModelBackend
from django.db import connections

from hromada.core.models import Resident


class RowLoader:
    """
    Build model instances from a plain statement's rows, as the ORM would.

    Hot paths (the signed-in resident on every request, the petition being
    signed) spend more composing an ORM query, or a raw queryset's column
    mapping, than the database spends answering it. A loader knows its
    columns once: the statement selects `columns(alias)` first, in the
    model's field order, then any `extra` values, which land as attributes.
    The fields' database converters apply as in the ORM.
    """

    def __init__(self, model, fields: list[str] | None = None, extra: tuple[str, ...] = ()):
        wanted = set(fields) if fields else None
        self.model = model
        # Model.from_db takes the values of a partial row in field order.
        self.fields = [
            field
            for field in model._meta.concrete_fields
            if wanted is None or field.name in wanted or field.attname in wanted
        ]
        self.attnames = [field.attname for field in self.fields]
        self.extra = extra
        self._converters: dict[str, list] = {}

    def columns(self, alias: str, connection) -> str:
        quote = connection.ops.quote_name
        return ", ".join(f"{alias}.{quote(field.column)}" for field in self.fields)

    def converters(self, connection) -> list:
        key = f"{connection.alias}:{connection.vendor}"
        found = self._converters.get(key)
        if found is None:
            found = []
            table = self.model._meta.db_table
            for index, field in enumerate(self.fields):
                column = field.get_col(table)
                functions = connection.ops.get_db_converters(column)
                functions += column.get_db_converters(connection)
                if functions:
                    found.append((index, functions, column))
            self._converters[key] = found
        return found

    def load(self, sql: str, params, *, using: str = "default") -> list:
        """Return the instances of the statement's rows."""
        connection = connections[using]
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
        if not rows:
            return []
        size = len(self.fields)
        found = []
        for row in rows:
            instance = self.build(row, connection)
            for name, value in zip(self.extra, row[size:], strict=True):
                setattr(instance, name, value)
            found.append(instance)
        return found

    def build(self, row, connection, start: int = 0):
        """Return the instance whose values are `row[start:]`, in `columns()` order."""
        values = list(row[start : start + len(self.fields)])
        for index, functions, column in self.converters(connection):
            value = values[index]
            for function in functions:
                value = function(value, column, connection)
            values[index] = value
        return self.model.from_db(connection.alias, self.attnames, values)


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
