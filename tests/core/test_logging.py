"""Refusals are logged as one line; server errors keep their traceback."""

import logging

from django.conf import settings

from hromada.core.logfilters import OneLineClientErrors


def _record(status: int) -> logging.LogRecord:
    try:
        raise PermissionError("refused")
    except PermissionError:
        import sys

        record = logging.LogRecord(
            "django.request", logging.WARNING, __file__, 1, "Forbidden", (), sys.exc_info()
        )
    record.status_code = status
    return record


def test_a_refusal_is_logged_without_its_traceback():
    record = _record(403)
    assert OneLineClientErrors().filter(record)
    assert record.exc_info is None
    assert "Traceback" not in logging.Formatter().format(record)


def test_a_server_error_keeps_its_traceback():
    record = _record(500)
    assert OneLineClientErrors().filter(record)
    assert "Traceback" in logging.Formatter().format(record)


def test_the_console_handler_uses_the_filter():
    assert "one_line_client_errors" in settings.LOGGING["handlers"]["console"]["filters"]
