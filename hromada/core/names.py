"""
Residents' names for greetings: the given name and patronymic, in the vocative.

A full name is written surname first ("Іваненко Олена Петрівна", the order
of ID.GOV.UA and of Ukrainian documents), though people signing up may write
it the other way round. A greeting addresses the person by given name and
patronymic, and Ukrainian puts a name one addresses in the vocative case:
"Вітаємо, Олено Петрівно!". When the parts cannot be told apart, the greeting
uses the whole name as written rather than risk calling someone by their
surname.
"""

from __future__ import annotations

import re

# Patronymics: Петрович, Андрійович, Сергієвич; Петрівна, Андріївна, Кузьмінична.
_PATRONYMIC = re.compile(r"(ович|евич|івна|ївна|овна|евна|ична|ічна)$", re.IGNORECASE)
# Endings only surnames have, to tell "Іваненко Олена" from "Олена Іваненко".
_SURNAME = re.compile(
    r"(енко|ук|юк|ський|цький|зький|ська|цька|зька|ов|ова|ев|ева|єв|єва|ич)$", re.IGNORECASE
)
_UKRAINIAN_WORD = re.compile(r"^[А-ЩЬЮЯҐЄІЇа-щьюяґєії'’ʼ-]+$")


def given_and_patronymic(full_name: str) -> tuple[str, str]:
    """
    Return (given name, patronymic) of a full name; either may be "".

    Both are "" when the name does not show which word is the given name.
    """
    words = full_name.split()
    if len(words) == 1:
        return words[0], ""
    if len(words) >= 3:
        # The second word is a given name in the official order, never a
        # patronymic: if it is one, the name is written given name first.
        if _PATRONYMIC.search(words[1]):
            return words[0], words[1]  # Given Patronymic Surname
        if _PATRONYMIC.search(words[-1]):
            return words[-2], words[-1]  # Surname Given Patronymic
        return "", ""
    if len(words) == 2:
        first_is_surname = bool(_SURNAME.search(words[0]))
        second_is_surname = bool(_SURNAME.search(words[1]))
        if first_is_surname and not second_is_surname:
            return words[1], ""
        if second_is_surname and not first_is_surname:
            return words[0], ""
    return "", ""


def short_name(full_name: str) -> str:
    """Return "Given Patronymic" (or the given name, or the whole name when unclear)."""
    given, patronymic = given_and_patronymic(full_name)
    if not given:
        return " ".join(full_name.split())
    return f"{given} {patronymic}".strip()


def vocative(full_name: str) -> str:
    """Return the short name in the Ukrainian vocative: "Олена Петрівна" -> "Олено Петрівно"."""
    given, patronymic = given_and_patronymic(full_name)
    if not given:
        return " ".join(full_name.split())
    words = [_given_vocative(given)]
    if patronymic:
        words.append(_patronymic_vocative(patronymic))
    return " ".join(words)


def _given_vocative(name: str) -> str:
    if not _UKRAINIAN_WORD.match(name) or len(name) < 3:
        return name
    lower = name.lower()
    if lower == "ілля":
        return name[:-1] + "е"
    if lower.endswith("ія"):
        return name[:-1] + "є"  # Марія -> Маріє
    if lower.endswith("я"):
        return name[:-1] + "ю"  # Оля -> Олю
    if lower.endswith("а"):
        return name[:-1] + "о"  # Олена -> Олено
    if lower.endswith("ко"):
        return name[:-1] + "у"  # Марко -> Марку
    if lower.endswith("о"):
        return name[:-1] + "е"  # Петро -> Петре
    if lower.endswith(("й", "ь")):
        return name[:-1] + "ю"  # Андрій -> Андрію, Василь -> Василю
    if lower.endswith("г"):
        return name[:-1] + "же"  # Олег -> Олеже
    if lower[-1] in "бвгґджзклмнпрстфхцчшщ":
        return name + "е"  # Тарас -> Тарасе
    return name


def _patronymic_vocative(patronymic: str) -> str:
    if not _UKRAINIAN_WORD.match(patronymic):
        return patronymic
    lower = patronymic.lower()
    if lower.endswith("ич"):
        return patronymic + "у"  # Петрович -> Петровичу
    if lower.endswith("на"):
        return patronymic[:-1] + "о"  # Петрівна -> Петрівно
    return patronymic
