"""The REST API under `/api/v1`: its operations (routes.py), its OpenAPI document
(`/api/v1/openapi.json`) and a readable page of it (`/api/v1/docs`)."""

from collections.abc import Iterable
from typing import Any

from bot.api_tokens import TokenService
from handlers.api.docs import page
from handlers.api.openapi import document
from handlers.api.routes import Api
from handlers.deps import Deps
from handlers.http import StartResponse, json_reply


class RestApi:
    def __init__(self, deps: Deps, tokens: TokenService, version: str) -> None:
        self._api = Api(deps, tokens)
        policy = deps.policy
        services = [service.name for service in policy.services]
        self.document = document(self._api.routes, version, policy.severity_keys, services)
        self._page = page(self.document).encode()

    def __call__(
        self, environ: dict[str, Any], start_response: StartResponse, rest: str
    ) -> Iterable[bytes]:
        if environ.get("REQUEST_METHOD") == "GET" and rest.strip("/") == "openapi.json":
            return json_reply(start_response, 200, self.document)
        if environ.get("REQUEST_METHOD") == "GET" and rest.strip("/") == "docs":
            start_response(
                "200 OK",
                [
                    ("Content-Type", "text/html; charset=utf-8"),
                    ("Content-Length", str(len(self._page))),
                ],
            )
            return [self._page]
        return self._api(environ, start_response, rest)
