"""
PostgreSQL as Django ships it, with a health check that costs no round trip.

With CONN_HEALTH_CHECKS Django sends "SELECT 1" before the first query of
every request, so that a connection the server closed (a restart, an idle
timeout, a terminated backend) is replaced instead of failing the request.
That is one more statement per request for the server to answer. An idle
connection the server has closed has something to read, though: the
server's farewell (an error message, then end of file). So the check looks
at the socket first and asks the server only when something is waiting
there; an open, quiet socket is a usable connection.

It also lets psycopg keep its conversion of our larger statements (below).
"""

from __future__ import annotations

import select

from django.db.backends.postgresql import base
from psycopg import _queries, pq

# psycopg converts a statement's placeholders once and keeps the result, but
# only for statements of up to 4 KB with at most 50 parameters. Ours that write
# a row with its audit entry in one statement (an Open City report: over 50
# parameters) or build a whole answer in the database were parsed again on
# every call: a tenth of an Open311 report's CPU. They are a fixed set of
# texts, so psycopg's bounded cache (128 statements) holds them as well.
_queries.MAX_CACHED_STATEMENT_LENGTH = max(_queries.MAX_CACHED_STATEMENT_LENGTH, 32_768)
_queries.MAX_CACHED_STATEMENT_PARAMS = max(_queries.MAX_CACHED_STATEMENT_PARAMS, 512)

_WAITING = select.POLLIN | select.POLLERR | select.POLLHUP | getattr(select, "POLLRDHUP", 0)


class DatabaseWrapper(base.DatabaseWrapper):
    def close_if_health_check_failed(self):
        if (
            not self.pool
            and self.connection is not None
            and self.health_check_enabled
            and not self.health_check_done
            and self._quiet()
        ):
            self.health_check_done = True
            return
        super().close_if_health_check_failed()

    def _quiet(self) -> bool:
        """Return whether the idle connection is open with nothing waiting to be read."""
        connection = self.connection
        try:
            if connection.closed or connection.broken:
                return False
            if connection.pgconn.transaction_status != pq.TransactionStatus.IDLE:
                return False
            poller = select.poll()
            poller.register(connection.fileno(), _WAITING)
            return not poller.poll(0)
        except Exception:  # noqa: BLE001 -- any doubt: ask the server as Django does
            return False
