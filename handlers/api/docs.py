"""A readable page of the OpenAPI document: every operation, its parameters, bodies and
answers, with curl examples. Plain HTML, no scripts, nothing fetched from elsewhere."""

import json
from html import escape
from typing import Any

_STYLE = """
body{font:15px/1.5 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem}
code,pre{font:13px ui-monospace,monospace;background:#f4f4f4;border-radius:4px}
pre{padding:.6rem;overflow:auto}code{padding:0 .2rem}
h2{margin-top:2.2rem;border-top:1px solid #ddd;padding-top:1rem}
.m{display:inline-block;min-width:4.2rem;font-weight:700}
table{border-collapse:collapse}td,th{border:1px solid #ddd;padding:.2rem .5rem;text-align:left}
"""


def page(document: dict[str, Any]) -> str:
    info, schemas = document["info"], document["components"]["schemas"]
    parts = [
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>",
        f"<title>{escape(info['title'])}</title><style>{_STYLE}</style></head><body>",
        f"<h1>{escape(info['title'])} <small>{escape(info['version'])}</small></h1>",
        f"<p>{escape(info['description'])}</p>",
        "<p>The machine-readable document: <a href='openapi.json'>openapi.json</a>. Errors "
        'always have one shape: <code>{"error": {"code", "message", "details"}}</code>.'
        "</p>",
        "<pre>curl -H 'Authorization: Bearer $SITREP_TOKEN' -H 'Content-Type: application/json' "
        '-H \'Idempotency-Key: deploy-4711\' \\\n  -d \'{"title": "Checkout API returning 500s", '
        '"severity": "sev2"}\' https://sitrep.example.com/api/v1/incidents</pre>',
    ]
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            parts.append(_operation(path, method, operation, schemas))
    parts.append("<h2>Schemas</h2>")
    for name, schema in schemas.items():
        parts.append(f"<h3 id='{escape(name)}'>{escape(name)}</h3>")
        parts.append(f"<pre>{escape(json.dumps(schema, indent=2))}</pre>")
    parts.append("</body></html>")
    return "\n".join(parts)


def _operation(path: str, method: str, operation: dict[str, Any], schemas: dict[str, Any]) -> str:
    rows = "".join(
        f"<tr><td><code>{escape(p['name'])}</code></td><td>{escape(p['in'])}</td>"
        f"<td>{escape(p.get('description', ''))}</td></tr>"
        for p in operation["parameters"]
    )
    html = [
        f"<h2 id='{escape(operation['operationId'])}'><span class='m'>{method.upper()}</span>"
        f"<code>{escape(path)}</code></h2>",
        f"<p>{escape(operation['summary'])} · "
        f"scope <code>{escape(operation['x-scope'])}</code></p>",
    ]
    if rows:
        html.append(f"<table><tr><th>parameter</th><th>in</th><th></th></tr>{rows}</table>")
    if body := operation.get("requestBody"):
        name = _name(body["content"]["application/json"]["schema"]["$ref"])
        html.append(f"<p>Body: <a href='#{escape(name)}'>{escape(name)}</a></p>")
    answers = ", ".join(
        f"{escape(status)} {escape(reply['description'])}"
        for status, reply in operation["responses"].items()
    )
    html.append(f"<p>Answers: {answers}.</p>")
    return "\n".join(html)


def _name(ref: str) -> str:
    return ref.rsplit("/", 1)[-1]
