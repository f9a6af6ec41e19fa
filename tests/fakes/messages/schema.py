"""Examples from JSON Schema: `example_for` builds the data a `Reply()` answers with when the test
gives none, valid for the request's output schema or forced tool's input schema."""

from __future__ import annotations

import math
from typing import Any

from .outcomes import Json

_MAX_EXAMPLE_DEPTH = 8  # deeper than this, examples leave out optional parts (recursion)
_STRING_FORMATS = {
    "date-time": "2024-01-01T00:00:00Z", "date": "2024-01-01", "time": "00:00:00Z",
    "duration": "PT1M", "email": "someone@example.com", "hostname": "example.com",
    "uri": "https://example.com/", "ipv4": "127.0.0.1", "ipv6": "::1",
    "uuid": "00000000-0000-4000-8000-000000000000", "ipvanyaddress": "127.0.0.1",  # pydantic's
    "uuid4": "00000000-0000-4000-8000-000000000000",
}  # fmt: skip


def example_for(schema: Json) -> Any:
    """A small instance valid for the JSON `schema`: unions take their first option, objects
    every property. Follows `$ref` into `$defs`/`definitions`; ignores `pattern` and `not`."""
    return _example(schema, schema, 0)


def _example(schema: Json, root: Json, depth: int) -> Any:
    deep = depth > _MAX_EXAMPLE_DEPTH

    def again(sub: Json) -> Any:
        return _example(sub, root, depth + 1)

    if "$ref" in schema:
        return again(_resolve(root, schema["$ref"]))
    if "const" in schema:
        return schema["const"]
    if schema.get("enum"):
        return schema["enum"][0]
    if options := schema.get("anyOf") or schema.get("oneOf"):
        # Deep in a recursive schema, take the null option so that the example ends.
        nulls = [o for o in options if o.get("type") == "null"]
        return again(nulls[0] if deep and nulls else options[0])
    if parts := schema.get("allOf"):
        values = [again(part) for part in parts]
        if not all(isinstance(v, dict) for v in values):
            return values[0]
        return {k: v for value in values for k, v in value.items()}
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "null")
    if kind == "object" or (kind is None and "properties" in schema):
        required = set(schema.get("required", []))
        properties: Json = schema.get("properties", {})
        return {k: again(v) for k, v in properties.items() if not deep or k in required}
    if kind == "array":
        if prefix := schema.get("prefixItems"):
            return [again(item) for item in prefix]
        items = schema.get("items")
        count = max(schema.get("minItems", 0), 0 if deep else 1)
        return [again(items if isinstance(items, dict) else {}) for _ in range(count)]
    if kind == "string":
        if schema.get("format") in _STRING_FORMATS:
            return _STRING_FORMATS[schema["format"]]
        text = "example".ljust(schema.get("minLength", 0), "x")
        return text[: max(schema.get("maxLength", len(text)), schema.get("minLength", 0))]
    if kind in ("integer", "number"):
        return _number_example(schema, integer=kind == "integer")
    return True if kind == "boolean" else None  # None: "null", or {} which accepts anything


def _resolve(root: Json, ref: str) -> Json:
    node: Any = root
    for part in ref.removeprefix("#/").split("/"):
        node = node[part.replace("~1", "/").replace("~0", "~")]
    return node  # type: ignore[no-any-return]


def _number_example(schema: Json, *, integer: bool) -> int | float:
    # 1, not 0, when unconstrained: the SDK's transform_schema moves `minimum` (pydantic's ge=1)
    # into the description, and a positive count is the common constraint it hides.
    value = 1
    if "minimum" in schema:
        value = schema["minimum"]
    elif "exclusiveMinimum" in schema:
        value = schema["exclusiveMinimum"] + 1
    elif "maximum" in schema or "exclusiveMaximum" in schema:
        value = min(1, schema.get("maximum", schema.get("exclusiveMaximum", 2) - 1))
    return math.ceil(value) if integer else value
