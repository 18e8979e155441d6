"""The OpenAPI 3.1 document of /api/v1, built from the routes and the pydantic models their views validate with.

Each API view carries its description (`@documented(...)`: summary, path, query and body models, the success
model); `build_document(app)` walks the app's routes, so a route without a description fails loudly instead of
going unpublished, and adds the errors every operation can give and the two ways to sign in.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from flask import Blueprint, Flask, current_app, jsonify
from pydantic import BaseModel, ConfigDict
from pydantic.json_schema import models_json_schema

from support.jsonapi import ErrorOut, ValidationErrorOut

bp = Blueprint("openapi", __name__, url_prefix="/api/v1")


def init_app(app: Flask) -> None:
    """Serve the document of every area's documented routes."""
    app.register_blueprint(bp)

API_PREFIX = "/api/v1/"
_REF = "#/components/schemas/{model}"
_IGNORED_METHODS = {"HEAD", "OPTIONS"}
_ARGUMENT = re.compile(r"<(?:[^:<>]+:)?([^<>]+)>")


@dataclass(frozen=True)
class Operation:
    summary: str
    success: type[BaseModel]
    status: int = 200
    path: type[BaseModel] | None = None
    headers: type[BaseModel] | None = None
    query: type[BaseModel] | None = None
    body: type[BaseModel] | None = None
    anonymous: bool = False  # also answers without credentials (with what an anonymous visitor may see)
    rate_limited: bool = False
    errors: tuple[int, ...] = ()  # beyond 400, 401 and the ones path/body imply
    description: str = ""
    tags: tuple[str, ...] = field(default_factory=tuple)


def documented(operation: Operation) -> Callable:
    """Attach `operation` to a view function; `build_document` publishes it."""

    def attach(view: Callable) -> Callable:
        view.openapi_operation = operation
        return view

    return attach


_ERROR_TEXT = {
    400: "Bad input: `validation` (with `fields`), `invalid_json`, `invalid`, `invalid_parameter`, `csrf`, …",
    401: "Not signed in, or an unknown or revoked token.",
    403: "Signed in, but the policy does not allow this.",
    404: "No such ticket, or one the caller may not see.",
    413: "The body is too large.",
    429: "Too many requests; wait a moment.",
}


def _error_response(status: int) -> dict:
    schema = ({"anyOf": [{"$ref": _REF.format(model="ValidationErrorOut")}, {"$ref": _REF.format(model="ErrorOut")}]}
              if status == 400 else {"$ref": _REF.format(model="ErrorOut")})
    return {"description": _ERROR_TEXT[status], "content": {"application/json": {"schema": schema}}}


def _parameters(model: type[BaseModel] | None, location: str, defs: dict) -> list[dict]:
    if model is None:
        return []
    schema = model.model_json_schema(ref_template=_REF, mode="validation")
    defs.update(schema.pop("$defs", {}))
    required = set(schema.get("required", ()))
    parameters = []
    for name, prop in schema.get("properties", {}).items():
        description = prop.pop("description", "")
        prop.pop("title", None)
        parameter = {"name": name, "in": location, "required": location == "path" or name in required,
                     "schema": prop}
        if description:
            parameter["description"] = description
        parameters.append(parameter)
    return parameters


def _openapi_path(rule) -> str:
    """`/api/v1/tickets/<int(min=1):number>` → `/api/v1/tickets/{number}`."""
    return _ARGUMENT.sub(r"{\1}", rule.rule)


def build_document(app: Flask) -> dict:
    """The OpenAPI 3.1 document of every /api/v1 route registered on `app`."""
    operations = []
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if not rule.rule.startswith(API_PREFIX):
            continue
        operation = getattr(app.view_functions[rule.endpoint], "openapi_operation", None)
        if operation is None:
            raise LookupError(f"{rule.rule} has no OpenAPI description (@documented)")
        documented_path = set(operation.path.model_fields) if operation.path else set()
        if documented_path != set(rule.arguments):
            raise LookupError(f"{rule.rule}: path parameters {sorted(rule.arguments)} are not documented")
        for method in sorted(rule.methods - _IGNORED_METHODS):
            operations.append((rule, method, operation))

    inputs = {operation.body for _rule, _method, operation in operations if operation.body}
    outputs = {ErrorOut, ValidationErrorOut} | {operation.success for _rule, _method, operation in operations}
    keyed = sorted([(model, "validation") for model in inputs] + [(model, "serialization") for model in outputs],
                   key=lambda pair: (pair[0].__name__, pair[1]))
    refs, definitions = models_json_schema(keyed, ref_template=_REF)
    schemas = dict(definitions.get("$defs", {}))

    paths: dict[str, dict] = {}
    for rule, method, operation in operations:
        parameters = (_parameters(operation.path, "path", schemas)
                      + _parameters(operation.headers, "header", schemas)
                      + _parameters(operation.query, "query", schemas))
        statuses = {400, *operation.errors}
        if not operation.anonymous:
            statuses.add(401)
        if operation.path is not None:
            statuses.add(404)
        if operation.body is not None:
            statuses.add(413)
        if operation.rate_limited:
            statuses.add(429)
        responses = {str(operation.status): {
            "description": operation.success.__doc__.strip().splitlines()[0] if operation.success.__doc__ else "OK",
            "content": {"application/json": {"schema": refs[(operation.success, "serialization")]}},
        }}
        responses.update({str(status): _error_response(status) for status in sorted(statuses)})
        entry = {
            "operationId": f"{method.lower()}_{rule.endpoint.replace('.', '_')}",
            "summary": operation.summary,
            "tags": list(operation.tags),
            "security": ([{}] if operation.anonymous else []) + [{"bearerToken": []}, {"sessionCookie": []}],
            "responses": responses,
        }
        if operation.description:
            entry["description"] = operation.description
        if parameters:
            entry["parameters"] = parameters
        if operation.body is not None:
            entry["requestBody"] = {"required": True, "content": {"application/json": {
                "schema": refs[(operation.body, "validation")]}}}
        paths.setdefault(_openapi_path(rule), {})[method.lower()] = entry

    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Skolsupport API",
            "version": "1",
            "description": "Tickets and the knowledge base of Skolsupport. Sign in with a personal API token "
                           "(`Authorization: Bearer …`, from the profile page) or the session cookie; cookie "
                           "requests that change something also send the CSRF token in `X-CSRFToken`. Errors are "
                           "JSON: `{\"error\": code, \"message\": Swedish text}`, plus `fields` when the input "
                           "did not match the schema.",
        },
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {
                "bearerToken": {"type": "http", "scheme": "bearer",
                                "description": "A personal API token (`sk_…`)."},
                "sessionCookie": {"type": "apiKey", "in": "cookie", "name": app.config["SESSION_COOKIE_NAME"],
                                  "description": "The web session; changes need the `X-CSRFToken` header."},
            },
        },
    }



class OpenApiDocument(BaseModel):
    """This document (OpenAPI 3.1)."""

    model_config = ConfigDict(extra="allow")

    openapi: str
    info: dict
    paths: dict


@bp.get("/openapi.json")
@documented(Operation(summary="This API's OpenAPI 3.1 document", success=OpenApiDocument, anonymous=True,
                      tags=("meta",)))
def openapi_document():
    """Public, like any API's documentation; built once per app from the routes and their schemas."""
    if "openapi_document" not in current_app.extensions:
        current_app.extensions["openapi_document"] = build_document(current_app)
    return jsonify(current_app.extensions["openapi_document"])
