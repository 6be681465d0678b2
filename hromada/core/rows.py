"""
Model instances read and written with plain statements.

On the hottest paths (the signed-in resident on every request, an audit entry
in every service, an Open City report) the ORM's composing of a query costs
more than the database spends on it. `RowLoader` builds instances from a
plain statement's rows as the ORM would; `insert` writes what `save(force_insert=True)` would: every concrete
field's `pre_save` (auto_now, defaults already set on the instance) and its
own preparation for the database (JSON, time zones), the primary key read
back. No model signals are sent; the project registers none.
"""

from __future__ import annotations

from collections.abc import Callable

from django.db import connection, connections, models, router

_STATEMENTS: dict[tuple[str, type[models.Model]], tuple[str, list]] = {}


def _statement(model: type[models.Model], connection) -> tuple[str, list]:
    key = (connection.alias, model)
    found = _STATEMENTS.get(key)
    if found is None:
        meta = model._meta
        fields = [field for field in meta.concrete_fields if not field.primary_key]
        quote = connection.ops.quote_name
        columns = ", ".join(quote(field.column) for field in fields)
        marks = ", ".join(["%s"] * len(fields))
        pk = quote(meta.pk.column)
        # Names come from the model; every value is a parameter.
        sql = f"INSERT INTO {quote(meta.db_table)} ({columns}) VALUES ({marks}) RETURNING {pk}"  # noqa: S608
        found = _STATEMENTS[key] = (sql, fields)
    return found


def insert(instance: models.Model) -> models.Model:
    """Insert the instance as a new row and set its primary key; IntegrityError as save()."""
    model = type(instance)
    connection = connections[router.db_for_write(model, instance=instance)]
    sql, fields = _statement(model, connection)
    values = [
        field.get_db_prep_save(field.pre_save(instance, True), connection) for field in fields
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, values)
        instance.pk = cursor.fetchone()[0]
    instance._state.adding = False
    instance._state.db = connection.alias
    return instance


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


_MADE: dict[tuple[str, str], str] = {}


def statement(name: str, make: Callable[..., str]) -> str:
    """
    Return the plain statement `name` for the default database's vendor.

    `make(connection)` writes it the first time (quoting the models' names
    costs more than running a short statement); `name` is unique in the
    project, prefixed with its module's.
    """
    key = (connection.vendor, name)
    found = _MADE.get(key)
    if found is None:
        found = _MADE[key] = make(connection)
    return found
