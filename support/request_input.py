"""The edge of every request: numbers are parsed one strict way, and text no handler can store is refused.

`"²".isdigit()` is true and `int("٣")` is 3, PostgreSQL refuses NUL in text and integers past 2^63: without one
rule at the edge each of these becomes a 500 somewhere deep in a handler.
"""

from __future__ import annotations

import re

from werkzeug.routing import IntegerConverter

# The largest id, number or count any column holds (PostgreSQL `integer`); larger values cannot name anything.
MAX_INT = 2**31 - 1

# C0 control characters but tab, line feed and carriage return, which forms and mail legitimately contain.
_FORBIDDEN = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def parse_int(value: object, *, minimum: int = 0, maximum: int = MAX_INT, default: int | None = None) -> int | None:
    """ASCII digits (with a leading minus only when `minimum` is negative) within [minimum, maximum], else `default`.

    Refuses what `int()` would take but no person types: Unicode digits, underscores, spaces, plus signs, bools.
    """
    if isinstance(value, bool):
        return default
    if isinstance(value, int):
        number = value
    elif isinstance(value, str):
        text = value[1:] if value.startswith("-") and minimum < 0 else value
        if not text or len(text) > 19 or not (text.isascii() and text.isdigit()):
            return default
        number = int(value)
    else:
        return default
    return number if minimum <= number <= maximum else default


def forbidden_character(text: str) -> bool:
    return bool(_FORBIDDEN.search(text)) or _has_lone_surrogate(text)


def _has_lone_surrogate(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


class BoundedIntegerConverter(IntegerConverter):
    """`<int:…>` in routes: ASCII digits only, and nothing past what a column holds (a 404, never a 500)."""

    regex = r"[0-9]{1,10}"

    def __init__(self, map, *args, **kwargs):  # noqa: A002 - Werkzeug's signature
        kwargs.setdefault("max", MAX_INT)
        super().__init__(map, *args, **kwargs)


def first_forbidden_field(request) -> str | None:
    """The name of the first part of the request carrying a character we refuse, or None."""
    if forbidden_character(request.path):
        return "adress"
    for source, name in ((request.args, "adress"), (request.cookies, "cookie")):
        for key, values in source.lists():
            if forbidden_character(key) or any(forbidden_character(value) for value in values):
                return name if name != "adress" else key
    if request.method in ("POST", "PUT", "PATCH", "DELETE") and request.mimetype in (
        "application/x-www-form-urlencoded", "multipart/form-data"
    ):
        for key, values in request.form.lists():
            if forbidden_character(key) or any(forbidden_character(value) for value in values):
                return key
        for key, files in request.files.lists():
            if any(forbidden_character(upload.filename or "") for upload in files):
                return key
    authorization = request.headers.get("Authorization", "")
    if forbidden_character(authorization):
        return "Authorization"
    return None
