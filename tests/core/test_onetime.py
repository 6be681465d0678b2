"""The one-time code check shared by phone confirmation and the ЦНАП's joining by phone."""

from datetime import timedelta
from types import SimpleNamespace

from django.utils import timezone

from hromada.core import onetime

PURPOSE = "tests.onetime"


class Row(SimpleNamespace):
    def save(self, update_fields):
        self.saved = [*getattr(self, "saved", []), tuple(update_fields)]


def row_for(code: str, *, attempts=0, minutes=10):
    now = timezone.now()
    row = Row(attempts=attempts, expires_at=now + timedelta(minutes=minutes))
    row.code_hash = onetime.code_hash(PURPOSE, 7, code)
    return row, now


def test_new_codes_have_their_length_with_leading_zeros_kept():
    codes = {onetime.new_code(6) for _ in range(200)}
    assert all(len(code) == 6 and code.isdigit() for code in codes)
    assert len(codes) > 190


def test_the_hash_is_tied_to_its_row_and_purpose():
    assert onetime.code_hash(PURPOSE, 7, "123456") != onetime.code_hash(PURPOSE, 8, "123456")
    assert onetime.code_hash(PURPOSE, 7, "123456") != onetime.code_hash("other", 7, "123456")


def test_the_right_code_in_time_passes_without_a_try_counted():
    row, now = row_for("123456", attempts=1)
    assert onetime.check_code(row, "123456", purpose=PURPOSE, key=7, now=now, tries=3) == (None, 2)
    assert row.attempts == 1 and not hasattr(row, "saved")


def test_wrong_codes_count_tries_and_the_last_one_locks():
    row, now = row_for("123456")
    check = {"purpose": PURPOSE, "key": 7, "now": now, "tries": 3}
    assert onetime.check_code(row, "000000", **check) == (onetime.WRONG, 2)
    assert onetime.check_code(row, "000001", **check) == (onetime.WRONG, 1)
    assert onetime.check_code(row, "000002", **check) == (onetime.LOCKED, 0)
    assert row.attempts == 3 and row.saved == [("attempts",)] * 3
    # Locked: even the right code no longer passes, and no more tries are counted.
    assert onetime.check_code(row, "123456", **check) == (onetime.LOCKED, 0)
    assert row.attempts == 3


def test_an_expired_code_fails_even_when_right():
    row, now = row_for("123456", minutes=-1)
    assert onetime.check_code(row, "123456", purpose=PURPOSE, key=7, now=now, tries=3) == (
        onetime.EXPIRED,
        0,
    )
    assert row.attempts == 0
