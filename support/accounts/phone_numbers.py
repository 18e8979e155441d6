"""Phone numbers as people type them ("070-123 45 67", "0701234567", "+46 70 123 45 67", "+46 (0)70…") reduced
to one form, so a number is found however it was written down and however it is searched for."""

from __future__ import annotations

import re

SWEDEN = "46"
# What a typed phone number may hold besides digits (a query of only these, with enough digits, is a number).
_PHONE_LIKE = re.compile(r"\+?[\d\s().\-/]+")
MIN_SEARCH_DIGITS = 6


def phone_digits(text: str | None) -> str:
    """The number's digits in Swedish national form: "0701234567" for every way of writing a Swedish mobile
    number; numbers of other countries keep their country code behind "00" ("+47 22…" → "004722…")."""
    text = (text or "").strip()
    digits = "".join(character for character in text if character.isascii() and character.isdigit())
    if text.startswith("+"):
        international = digits
    elif digits.startswith("00"):
        international = digits[2:]
    else:
        return digits
    if not international.startswith(SWEDEN):
        return "00" + international
    national = international[len(SWEDEN):]
    # "+46 (0)70 …": the trunk zero some people keep inside the international form.
    return "0" + (national[1:] if national.startswith("0") else national)


def searched_phone_digits(query: str) -> str | None:
    """The digits to look for when `query` is a (part of a) phone number, else None: only digits, spaces and
    the punctuation numbers are written with, and at least MIN_SEARCH_DIGITS digits. A leading trunk zero is
    left out, so "70 123 45 67" and "070-123 45 67" find the same people."""
    query = (query or "").strip()
    if not _PHONE_LIKE.fullmatch(query):
        return None
    digits = phone_digits(query)
    if sum(character.isdigit() for character in digits) < MIN_SEARCH_DIGITS:
        return None
    return digits[1:] if digits.startswith("0") and not digits.startswith("00") else digits
