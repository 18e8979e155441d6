"""What every JSON endpoint under /api/v1 shares: bounded JSON parsing, strict pydantic schemas with Swedish field
errors, and the error shapes.

Bodies and query strings are validated by pydantic models (strict: `"false"` is no boolean and `5` is no text);
a failure answers 400 `{"error": "validation", "message": …, "fields": {"subject": …}}`. The same models are
published as the OpenAPI document (support/openapi.py), so what the API accepts and what it documents cannot drift.
"""

from __future__ import annotations

import math
import re
from itertools import accumulate
from typing import Annotated, Any, TypeVar

from flask import current_app, request
from flask.json.provider import DefaultJSONProvider
from flask_babel import gettext
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints, ValidationError

MAX_JSON_DEPTH = 32
MAX_JSON_BYTES = 1024 * 1024
_INT32_MAX = 2**31 - 1
M = TypeVar("M", bound=BaseModel)

# Everything below U+0020 except tab, newline and carriage return, plus DEL: PostgreSQL refuses NUL, and the rest
# only ever serve to hide text from a reader.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_CONTROL_IN_LINE = re.compile(r"[\x00-\x1f\x7f]")
# The same rules in the published schema (ECMA-262 regular expressions), so generated clients know them too.
_TEXT_PATTERN = r"^[^\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]*$"
_LINE_PATTERN = r"^[^\u0000-\u001f\u007f]*$"
_JSON_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)
_NOT_A_BRACKET = re.compile(r"[^\[\]{}]+")


class ApiError(Exception):
    """An answer other than success: `{"error": code, "message": message}` (+ `fields` for validation)."""

    def __init__(self, status: int, code: str, message: str, fields: dict[str, str] | None = None):
        super().__init__(message)
        self.status, self.code, self.message, self.fields = status, code, message, fields

    def body(self) -> dict:
        data = {"error": self.code, "message": self.message}
        if self.fields is not None:
            data["fields"] = self.fields
        return data


def field_error(field: str, message: str) -> ApiError:
    return ApiError(400, "validation", gettext("Kontrollera uppgifterna och försök igen."), {field: message})


# --- JSON parsing ---------------------------------------------------------------------------------------------

class JSONInputError(ValueError):
    """JSON that parses but that we refuse (too deep, a number out of range); the message is for the user."""


def json_depth(text: str) -> int:
    """How deeply arrays and objects nest in `text` (brackets inside strings do not count)."""
    brackets = _NOT_A_BRACKET.sub("", _JSON_STRING.sub("", text))
    return max(accumulate(1 if c in "[{" else -1 for c in brackets), default=0)


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise JSONInputError(gettext("Ett tal i JSON-datat är för stort."))
    return value


def _no_constant(name: str):
    raise JSONInputError(gettext("%(name)s är inget giltigt JSON-värde.", name=name))


class BoundedJSONProvider(DefaultJSONProvider):
    """The app's JSON: parsing refuses nesting deeper than MAX_JSON_DEPTH (Python's parser would recurse until it
    crashes on 100,000 `[`), NaN/Infinity and numbers that overflow to infinity (`1e999`)."""

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        text = s.decode("utf-8") if isinstance(s, bytes | bytearray) else s
        if json_depth(text) > MAX_JSON_DEPTH:
            raise JSONInputError(gettext("JSON-datat är för djupt nästlat (högst %(depth)d nivåer).",
                                         depth=MAX_JSON_DEPTH))
        kwargs.setdefault("parse_float", _finite_float)
        kwargs.setdefault("parse_constant", _no_constant)
        return super().loads(text, **kwargs)


def json_body() -> Any:
    """The request's JSON body, or ApiError 400 (413 when it is larger than MAX_JSON_BYTES)."""
    if not request.is_json:
        raise ApiError(400, "invalid_json", gettext("Skicka ett JSON-objekt (Content-Type: application/json)."))
    if (request.content_length or 0) > MAX_JSON_BYTES:
        raise ApiError(413, "too_large", gettext("JSON-datat är för stort (högst 1 MB)."))
    raw = request.get_data(cache=True)
    if len(raw) > MAX_JSON_BYTES:
        raise ApiError(413, "too_large", gettext("JSON-datat är för stort (högst 1 MB)."))
    try:
        return current_app.json.loads(raw)
    except JSONInputError as error:
        raise ApiError(400, "invalid_json", str(error)) from error
    except (ValueError, RecursionError) as error:
        raise ApiError(400, "invalid_json", gettext("Texten är ingen giltig JSON.")) from error


# --- schema types ---------------------------------------------------------------------------------------------

def _no_control_characters(value: str) -> str:
    if _CONTROL.search(value):
        raise ValueError("control_character")
    return value


def _no_control_characters_in_line(value: str) -> str:
    if _CONTROL_IN_LINE.search(value):
        raise ValueError("control_character")
    return value


def Text(max_length: int, *, min_length: int = 0):  # noqa: N802 — used like a type in annotations
    """Text that may span lines (tab, newline and carriage return allowed, no other control characters)."""
    return Annotated[str, StringConstraints(min_length=min_length, max_length=max_length),
                     AfterValidator(_no_control_characters), Field(json_schema_extra={"pattern": _TEXT_PATTERN})]


def Line(max_length: int, *, min_length: int = 0):  # noqa: N802
    """One line of text: no control characters at all."""
    return Annotated[str, StringConstraints(min_length=min_length, max_length=max_length),
                     AfterValidator(_no_control_characters_in_line), Field(json_schema_extra={"pattern": _LINE_PATTERN})]


PositiveInt32 = Annotated[int, Field(ge=1, le=_INT32_MAX)]


class StrictModel(BaseModel):
    """A JSON body: exact types (no `"false"` for false, no number for text) and no unknown fields."""

    model_config = ConfigDict(strict=True, extra="forbid")


class QueryModel(BaseModel):
    """Query parameters: they arrive as text, so numbers are parsed (within bounds); unknown ones are ignored."""

    model_config = ConfigDict(extra="ignore")


class ErrorOut(BaseModel):
    """Every error: a code for programs and a Swedish message for people."""

    error: str
    message: str


class ValidationErrorOut(ErrorOut):
    """A request the schema refused: `fields` names each field with what is wrong with it."""

    fields: dict[str, str]


# --- validation -----------------------------------------------------------------------------------------------

def _message_for(error: dict) -> str:
    kind, context = error["type"], error.get("ctx") or {}
    if kind == "missing":
        return gettext("Fältet måste fyllas i.")
    if kind == "extra_forbidden":
        return gettext("Okänt fält.")
    if kind == "string_unicode":
        return gettext("Texten innehåller ogiltiga Unicode-tecken.")
    if kind in ("string_type", "string_sub_type"):
        return gettext("Ange text.")
    if kind == "bool_type":
        return gettext("Ange true eller false.")
    if kind in ("int_type", "int_parsing", "int_from_float"):
        return gettext("Ange ett heltal.")
    if kind in ("list_type", "tuple_type"):
        return gettext("Ange en lista.")
    if kind in ("model_type", "model_attributes_type", "dict_type"):
        return gettext("Ange ett JSON-objekt.")
    if kind == "string_too_long":
        return gettext("Högst %(count)d tecken.", count=context.get("max_length", 0))
    if kind == "string_too_short":
        return gettext("Minst %(count)d tecken.", count=context.get("min_length", 0))
    if kind == "too_long":
        return gettext("Högst %(count)d värden.", count=context.get("max_length", 0))
    if kind in ("greater_than_equal", "less_than_equal", "greater_than", "less_than"):
        return gettext("Talet är utanför det tillåtna intervallet.")
    if kind == "literal_error":
        return gettext("Ogiltigt värde. Tillåtna värden: %(values)s.", values=context.get("expected", ""))
    if kind == "string_pattern_mismatch":
        return gettext("Värdet har fel format.")
    if kind == "value_error" and "control_character" in str(context.get("error", "")):
        return gettext("Texten innehåller otillåtna styrtecken.")
    if kind == "value_error" and "email" in error.get("msg", "").lower():
        return gettext("Ange en giltig e-postadress.")
    return gettext("Ogiltigt värde.")


def _field_name(location: tuple) -> str:
    return ".".join(str(part) for part in location) or "body"


def validation_failure(error: ValidationError) -> ApiError:
    fields: dict[str, str] = {}
    for item in error.errors(include_url=False, include_input=False):
        fields.setdefault(_field_name(item["loc"]), _message_for(item))
    return ApiError(400, "validation", gettext("Kontrollera uppgifterna och försök igen."), fields)


def parse_body(model: type[M]) -> M:
    """The JSON body validated by `model`, or ApiError 400 with field errors."""
    data = json_body()
    if not isinstance(data, dict):
        raise ApiError(400, "invalid_json", gettext("Skicka ett JSON-objekt (Content-Type: application/json)."))
    try:
        return model.model_validate(data)
    except ValidationError as error:
        raise validation_failure(error) from error


def parse_headers(model: type[M]) -> M:
    """The request headers a `model` names (by alias, e.g. `Idempotency-Key`), validated, or ApiError 400."""
    names = [info.alias or name for name, info in model.model_fields.items()]
    try:
        return model.model_validate({name: request.headers[name] for name in names if name in request.headers})
    except ValidationError as error:
        raise validation_failure(error) from error


def parse_query(model: type[M]) -> M:
    """The query string validated by `model` (blank parameters count as absent), or ApiError 400."""
    values = {name: value for name, value in request.args.items() if value.strip()}
    try:
        return model.model_validate(values)
    except ValidationError as error:
        raise validation_failure(error) from error
