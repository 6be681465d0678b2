"""The PostgreSQL health check: a quiet connection is kept without a statement."""

import time

import pytest
from django.db import connections

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def fresh_connection():
    wrapper = connections.create_connection("default")
    wrapper.settings_dict = {**wrapper.settings_dict, "CONN_HEALTH_CHECKS": True}
    return wrapper


def next_request(wrapper) -> None:
    """What Django does between requests: the next first query checks again."""
    wrapper.health_check_done = False


def backend_pid(wrapper) -> int:
    with wrapper.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


def test_the_shipped_engine_is_ours():
    assert connections["default"].__class__.__module__ == "hromada.core.postgresql.base"


def test_a_quiet_connection_is_kept_without_asking_the_server(monkeypatch):
    wrapper = fresh_connection()
    try:
        pid = backend_pid(wrapper)
        next_request(wrapper)

        def no_round_trip():
            raise AssertionError("SELECT 1 sent to a quiet connection")

        monkeypatch.setattr(wrapper, "is_usable", no_round_trip)
        assert backend_pid(wrapper) == pid
    finally:
        wrapper.close()


def test_a_connection_the_server_closed_is_replaced():
    wrapper = fresh_connection()
    try:
        pid = backend_pid(wrapper)
        with connections["default"].cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
        time.sleep(0.3)  # the server's farewell reaches the socket
        next_request(wrapper)
        # The request's first statement works, on a new server connection.
        assert backend_pid(wrapper) != pid
    finally:
        wrapper.close()


def test_a_statement_of_many_parameters_is_converted_once():
    """psycopg keeps its placeholder conversion of our row-and-audit statements too."""
    from psycopg import _queries

    marks = ", ".join(["%s"] * 80)
    sql = f"SELECT {marks} /* {'x' * 5000} */"
    params = list(range(80))
    with connections["default"].cursor() as cursor:
        cursor.execute(sql, params)
        before = _queries._query2pg_client.cache_info()
        cursor.execute(sql, params)
        after = _queries._query2pg_client.cache_info()
        assert cursor.fetchone() == tuple(params)
    assert after.hits == before.hits + 1
    assert after.misses == before.misses
