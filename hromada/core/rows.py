"""
Insert a model instance with one plain statement.

On the hottest write paths (an audit entry in every service, an Open City
report) the ORM's composing of an INSERT costs more than the database spends
on it. `insert` writes what `save(force_insert=True)` would: every concrete
field's `pre_save` (auto_now, defaults already set on the instance) and its
own preparation for the database (JSON, time zones), the primary key read
back. No model signals are sent; the project registers none.
"""

from __future__ import annotations

from django.db import connections, models, router

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
