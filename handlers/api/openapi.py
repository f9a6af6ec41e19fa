"""The OpenAPI 3.1 document of `/api/v1`, built from the route table and the pydantic
models, so the document cannot drift from what the API does."""

from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from handlers.api.routes import MAX_ID, PREFIX, Route
from handlers.api.schemas import ErrorReply
from models import TokenScope

_REASONS = {
    400: "Malformed request (body, query or cursor)",
    401: "No token, or a bad or revoked one",
    403: "The token may only read",
    404: "No such incident or item (or a private one the token may not see)",
    409: "The change conflicts with the incident's state (e.g. an illegal transition)",
    413: "The body is too large",
    415: "The body is not JSON",
    422: "The request is well-formed but invalid",
    503: "The database is unavailable; retry",
}
_PARAMETERS = {
    "ref": {"type": "string", "pattern": "^[Ii][Nn][Cc]-[0-9]{4}-[0-9]{4,}$"},
    "item_id": {"type": "integer", "minimum": 1, "maximum": MAX_ID},
}


def document(
    routes: Sequence[Route], version: str, severities: Sequence[str], services: Sequence[str]
) -> dict[str, Any]:
    """The document for this deployment: severities (and services, with a catalogue) are
    the policy's, so a generated client knows the values the API accepts."""
    models: dict[type[BaseModel], str] = {ErrorReply: "serialization"}
    for route in routes:
        models[route.reply] = "serialization"
        if route.body is not None:
            models[route.body] = "validation"
    keys, definitions = models_json_schema(
        [(model, mode) for model, mode in models.items()],  # type: ignore[misc]
        ref_template="#/components/schemas/{model}",
    )
    refs = {model: keys[(model, mode)]["$ref"] for model, mode in models.items()}  # type: ignore[index]
    paths: dict[str, dict[str, Any]] = {}
    for route in routes:
        paths.setdefault(PREFIX + route.path, {})[route.method.lower()] = _operation(route, refs)
    allowed = {"severity": list(severities)}
    if services:
        allowed["services"] = allowed["service"] = list(services)
    _constrain(definitions.get("$defs", {}), allowed)
    _constrain(paths, allowed)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Sitrep API",
            "version": version,
            "description": (
                "Declare, update and follow Sitrep incidents from other systems. "
                "Authenticate with `Authorization: Bearer <token>`; an admin creates tokens "
                "in Slack with `/incident admin token create <name> [read|write] [private]`."
            ),
        },
        "servers": [{"url": "/"}],
        "paths": paths,
        "components": {
            "schemas": definitions.get("$defs", {}),
            "securitySchemes": {"token": {"type": "http", "scheme": "bearer"}},
        },
        "security": [{"token": []}],
    }


def _operation(route: Route, refs: dict[type[BaseModel], str]) -> dict[str, Any]:
    parameters: list[dict[str, Any]] = [
        {"name": name, "in": "path", "required": True, "schema": schema}
        for name, schema in _PARAMETERS.items()
        if "{" + name + "}" in route.path
    ]
    if route.query is not None:
        schema = route.query.model_json_schema()
        for name, field in schema.get("properties", {}).items():
            field = {k: v for k, v in field.items() if k != "title"}
            parameter: dict[str, Any] = {"name": name, "in": "query", "schema": field}
            if "description" in field:
                parameter["description"] = field.pop("description")
            if field.get("type") == "array":
                parameter.update(style="form", explode=True)
            parameters.append(parameter)
    parameters += [
        {
            "name": header,
            "in": "header",
            "required": False,
            "schema": {"type": "string", "maxLength": 200},
        }
        for header in route.headers
    ]
    errors = sorted({401, *route.errors, *((403,) if route.scope is TokenScope.WRITE else ()), 503})
    responses: dict[str, Any] = {
        str(route.status): {
            "description": "OK" if route.status == 200 else "Created",
            "content": {"application/json": {"schema": {"$ref": refs[route.reply]}}},
        }
    }
    if route.status == 201:  # a replayed Idempotency-Key answers the first result
        responses["200"] = dict(responses["201"], description="Already done (same key or link)")
    for status in errors:
        responses[str(status)] = {
            "description": _REASONS[status],
            "content": {"application/json": {"schema": {"$ref": refs[ErrorReply]}}},
        }
    operation: dict[str, Any] = {
        "operationId": route.operation,
        "summary": route.summary,
        "parameters": parameters,
        "responses": responses,
        "x-scope": route.scope.value,
    }
    if route.body is not None:
        operation["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": {"$ref": refs[route.body]}}},
        }
    return operation


def _constrain(node: Any, allowed: dict[str, list[str]]) -> None:
    """Gives every string property (or parameter, or array item) named in `allowed` the
    policy's values as its enum."""
    if isinstance(node, list):
        for item in node:
            _constrain(item, allowed)
        return
    if not isinstance(node, dict):
        return
    if node.get("in") in ("query", "path") and node.get("name") in allowed:
        _enum(node["schema"], allowed[node["name"]])
    for name, schema in (node.get("properties") or {}).items():
        if name in allowed:
            _enum(schema, allowed[name])
    for value in node.values():
        _constrain(value, allowed)


def _enum(schema: dict[str, Any], values: list[str]) -> None:
    if schema.get("type") == "string":
        schema["enum"] = values
    for key in ("anyOf", "oneOf"):
        for option in schema.get(key, []):
            _enum(option, values)
    if isinstance(schema.get("items"), dict):
        _enum(schema["items"], values)
