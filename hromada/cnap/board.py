"""
The display board's version mark and its spoken calls.

Thousands of boards poll at once on a shared installation, so a poll must
cost next to nothing: the latest call's version lives in the cache, bumped by
the services after their transaction commits, and a board whose ETag still
names it is answered 304 without a database query.

Calls are read aloud in Ukrainian ("Талон А двадцять три, вікно номер
п'ять"). The phrase is built here; the voice comes from espeak-ng's Ukrainian
voice when the program is installed (a WAV cached per phrase), otherwise the
board plays its chime and shows the text.
"""

from __future__ import annotations

import functools
import hashlib
import shutil
import subprocess
import time

from django.core.cache import cache

VERSION_TTL = 7 * 24 * 3600
VOICE_TTL = 24 * 3600

ONES = ["", "один", "два", "три", "чотири", "п'ять", "шість", "сім", "вісім", "дев'ять"]
TEENS = [
    "десять",
    "одинадцять",
    "дванадцять",
    "тринадцять",
    "чотирнадцять",
    "п'ятнадцять",
    "шістнадцять",
    "сімнадцять",
    "вісімнадцять",
    "дев'ятнадцять",
]
TENS = [
    "",
    "",
    "двадцять",
    "тридцять",
    "сорок",
    "п'ятдесят",
    "шістдесят",
    "сімдесят",
    "вісімдесят",
    "дев'яносто",
]
HUNDREDS = [
    "",
    "сто",
    "двісті",
    "триста",
    "чотириста",
    "п'ятсот",
    "шістсот",
    "сімсот",
    "вісімсот",
    "дев'ятсот",
]
# How a series letter is said aloud: a consonant by its name ("Бе", "Ка"),
# Latin letters by the Ukrainian letter that looks or sounds alike.
LETTER_NAMES = {
    "А": "А", "Б": "Бе", "В": "Ве", "Г": "Ге", "Ґ": "Ґе", "Д": "Де", "Е": "Е", "Є": "Є",
    "Ж": "Же", "З": "Зе", "И": "И", "І": "І", "Ї": "Ї", "Й": "Йот", "К": "Ка", "Л": "Ел",
    "М": "Ем", "Н": "Ен", "О": "О", "П": "Пе", "Р": "Ер", "С": "Ес", "Т": "Те", "У": "У",
    "Ф": "Еф", "Х": "Ха", "Ц": "Це", "Ч": "Че", "Ш": "Ша", "Щ": "Ща", "Ю": "Ю", "Я": "Я",
    "A": "А", "B": "Бі", "C": "Сі", "D": "Ді", "E": "І", "F": "Еф", "G": "Джі", "H": "Ейч",
    "I": "Ай", "J": "Джей", "K": "Кей", "L": "Ел", "M": "Ем", "N": "Ен", "O": "О",
    "P": "Пі", "Q": "К'ю", "R": "Ар", "S": "Ес", "T": "Ті", "U": "Ю", "V": "Ві",
    "W": "Дабл-ю", "X": "Екс", "Y": "Вай", "Z": "Зед",
}  # fmt: skip


def number_words(number: int) -> str:
    """Return 1…999 in Ukrainian words, as a ticket or desk number is read."""
    if not 1 <= number <= 999:
        raise ValueError("numbers from 1 to 999 are read")
    hundreds, rest = divmod(number, 100)
    words = [HUNDREDS[hundreds]]
    if 10 <= rest <= 19:
        words.append(TEENS[rest - 10])
    else:
        tens, ones = divmod(rest, 10)
        words += [TENS[tens], ONES[ones]]
    return " ".join(word for word in words if word)


def call_phrase(series: str, number: int, desk: int) -> str:
    """Return the board's text of a call: "Талон А двадцять три, вікно номер п'ять"."""
    return f"Талон {series} {number_words(number)}, вікно номер {number_words(desk)}"


def spoken_phrase(series: str, number: int, desk: int) -> str:
    """Return the phrase as the voice says it: consonant letters by their names."""
    letter = LETTER_NAMES.get(series.upper(), series)
    return f"Талон {letter} {number_words(number)}, вікно номер {number_words(desk)}"


# Version of the board --------------------------------------------------------


def _key(office_id: int) -> str:
    return f"cnap:board:{office_id}"


def version(office_id: int) -> int:
    """Return the office board's version; the first read after a cache loss starts one."""
    current = cache.get(_key(office_id))
    if current is None:
        cache.add(_key(office_id), time.time_ns(), VERSION_TTL)
        current = cache.get(_key(office_id))
    return current


def _line_key(office_id: int, service_id: int) -> str:
    return f"cnap:line:{office_id}:{service_id}"


def _office_key(office_id: int) -> str:
    return f"cnap:office-state:{office_id}"


def bump(office_id: int, service_ids=(), *, office_wide: bool = False) -> None:
    """
    Mark the office board changed; call it on commit.

    `service_ids` name the service lines the change touched (a ticket of
    the service entered, left or changed its state); `office_wide` marks a
    change every ticket of the office shows (pause, resume, blackout).
    The ticket pages' ETags are built from these, so a page is told
    "not modified" while its own line and its office stay as they were.
    """
    stamp = time.time_ns()
    marks = {_key(office_id): stamp}
    marks.update({_line_key(office_id, service_id): stamp for service_id in service_ids})
    if office_wide:
        marks[_office_key(office_id)] = stamp
    cache.set_many(marks, VERSION_TTL)


def line_version(office_id: int, service_id: int) -> str:
    """
    Return the version of what a ticket page of the service shows at the office.

    One cache round trip: the office-wide mark and the service line's mark
    (each started on the first read after a cache loss).
    """
    keys = [_office_key(office_id), _line_key(office_id, service_id)]
    found = cache.get_many(keys)
    if len(found) < len(keys):
        stamp = time.time_ns()
        for key in keys:
            if key not in found:
                cache.add(key, stamp, VERSION_TTL)
        found = cache.get_many(keys)
    return "-".join(str(found.get(key, 0)) for key in keys)


# The voice ------------------------------------------------------------------


def voice_available() -> bool:
    """Return whether espeak-ng and its Ukrainian voice are installed on this server."""
    program = shutil.which("espeak-ng")
    return program is not None and _has_ukrainian(program)


@functools.lru_cache(maxsize=4)
def _has_ukrainian(program: str) -> bool:
    """Ask espeak-ng once per process whether it lists a Ukrainian voice."""
    try:
        done = subprocess.run(
            [program, "--voices=uk"], capture_output=True, text=True, timeout=5, check=False
        )
    except (OSError, subprocess.SubprocessError):
        return False
    return any(line.split()[1:2] == ["uk"] for line in done.stdout.splitlines()[1:])


def voice_wav(text: str) -> bytes | None:
    """Return the phrase spoken by espeak-ng's Ukrainian voice, or None without it."""
    if not voice_available() or len(text) > 200:
        return None
    key = "cnap:voice:" + hashlib.blake2b(text.encode(), digest_size=16).hexdigest()
    cached = cache.get(key)
    if cached is not None:
        return cached
    try:
        done = subprocess.run(
            ["espeak-ng", "-v", "uk", "-s", "140", "--stdout", text],
            capture_output=True,
            timeout=10,
            check=True,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    cache.set(key, done.stdout, VOICE_TTL)
    return done.stdout
