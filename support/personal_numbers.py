"""Swedish personal identity numbers (personnummer) in free text: find them (Luhn-checked) and mask or hide them.

Accepted forms: YYMMDD-XXXX, YYMMDD+XXXX, YYMMDDXXXX, YYYYMMDD-XXXX and YYYYMMDDXXXX. Coordination numbers
(day + 60) count too. A match needs a plausible month and day and a valid Luhn check digit, so order numbers and
phone numbers are rarely mistaken for one. Tickets and the knowledge base's search log both use this module; it
depends on nothing else.
"""

from __future__ import annotations

import re

_PATTERN = re.compile(r"(?<![\d-])((?:19|20)?\d{2})(\d{2})(\d{2})([-+ ]?)(\d{3})(\d)(?![\d])")


def _luhn_ok(digits: str) -> bool:
    total = 0
    for index, char in enumerate(digits):
        value = int(char) * (2 if index % 2 == 0 else 1)
        total += value - 9 if value > 9 else value
    return total % 10 == 0


def _has_a_date(match: re.Match) -> bool:
    _year, month, day, _sep, _serial, _check = match.groups()
    month_value, day_value = int(month), int(day)
    if day_value > 60:
        day_value -= 60  # samordningsnummer
    return 1 <= month_value <= 12 and 1 <= day_value <= 31


def _is_personal_number(match: re.Match) -> bool:
    year, month, day, _sep, serial, check = match.groups()
    return _has_a_date(match) and _luhn_ok(year[-2:] + month + day + serial + check)


def find_personal_numbers(text: str) -> list[str]:
    """Every personal identity number in `text`, as written."""
    return [match.group(0) for match in _PATTERN.finditer(text or "") if _is_personal_number(match)]


def contains_personal_number(text: str) -> bool:
    return bool(find_personal_numbers(text))


def mask_personal_numbers(text: str) -> str:
    """Replace the last four digits of every personal identity number with XXXX (`19850312-XXXX`)."""
    def replace(match: re.Match) -> str:
        if not _is_personal_number(match):
            return match.group(0)
        year, month, day, separator, _serial, _check = match.groups()
        return f"{year}{month}{day}{separator or '-'}XXXX"

    return _PATTERN.sub(replace, text or "")


HIDDEN = "ÅÅMMDD-XXXX"


def hide_personal_numbers(text: str) -> str:
    """Replace every personal identity number as a whole with ÅÅMMDD-XXXX, also one with a mistyped check digit:
    for text kept for statistics (the search log), where even a date of birth is too much."""
    return _PATTERN.sub(lambda match: HIDDEN if _has_a_date(match) else match.group(0), text or "")
