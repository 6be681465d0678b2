"""Logging filters: refusals are one line, not a traceback."""

import logging


class OneLineClientErrors(logging.Filter):
    """Drop the traceback of 4xx records (a 403 is an answer, not a failure)."""

    def filter(self, record: logging.LogRecord) -> bool:
        status = getattr(record, "status_code", None)
        if status is not None and status < 500:
            record.exc_info = None
            record.exc_text = None
        return True
