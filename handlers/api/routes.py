"""`/api/v1`: the incident domain for other systems. Each operation authenticates the
token, validates the request with pydantic, calls the same services Slack's listeners
call, and answers JSON; Slack work (the channel, posts) runs after the answer, as it does
for a slash command. One table of routes drives dispatch and the OpenAPI document."""

import hashlib
import json
import logging
import re
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, unquote

from pydantic import BaseModel, ValidationError
from sqlalchemy.exc import SQLAlchemyError

from bot.adapters.slack import blocks
from bot.api_tokens import TokenService, actor_of
from bot.audit import Surface, via
from bot.errors import (
    ChecklistIncomplete,
    IncidentClosed,
    IncidentError,
    IncidentNotFound,
    InvalidTransition,
    NothingChanged,
)
from bot.incidents import Declaration
from bot.lifecycle import event_towards, legal_targets
from bot.ports import IncidentQuery
from handlers.api import schemas as s
from handlers.deps import Deps, draft_if_due, link_runbooks, reclassified
from handlers.http import StartResponse, json_reply
from models import ActionStatus, ApiToken, Incident, Role, Status, TokenScope

log = logging.getLogger(__name__)

PREFIX = "/api/v1"
MAX_BODY = 64 * 1024
MAX_ID = 2**31 - 1  # PostgreSQL's integer; SQLite would overflow past 2**63


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str, **details: Any) -> None:
        super().__init__(message)
        self.status, self.code, self.details = status, code, details


@dataclass(frozen=True)
class Call:
    token: ApiToken
    params: dict[str, str]
    query: Any  # the route's query model, validated
    body: Any  # the route's body model, validated
    idempotency_key: str | None


@dataclass(frozen=True)
class Reply:
    body: BaseModel
    status: int = 200
    headers: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Route:
    method: str
    path: str  # below PREFIX, with {name} parameters
    operation: str
    summary: str
    scope: TokenScope
    run: Callable[[Call], Reply]
    reply: type[BaseModel]
    status: int = 200
    body: type[BaseModel] | None = None
    query: type[BaseModel] | None = None
    errors: tuple[int, ...] = ()
    headers: tuple[str, ...] = ()  # request headers it reads, for the document
    pattern: re.Pattern[str] = field(init=False)

    def __post_init__(self) -> None:
        regex = re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", self.path)
        object.__setattr__(self, "pattern", re.compile(f"^{regex}$"))


class Api:
    """The WSGI app for paths below `/api/v1`."""

    def __init__(self, deps: Deps, tokens: TokenService) -> None:
        self._deps, self._tokens = deps, tokens
        self.routes = _routes(self)

    def __call__(
        self, environ: dict[str, Any], start_response: StartResponse, rest: str
    ) -> Iterable[bytes]:
        method = environ.get("REQUEST_METHOD", "GET")
        try:
            reply = self._answer(environ, method, "/" + rest.strip("/"))
        except ApiError as error:
            body = {"error": {"code": error.code, "message": str(error), "details": error.details}}
            extra = [("WWW-Authenticate", "Bearer")] if error.status == 401 else []
            return json_reply(start_response, error.status, body, extra)
        payload = reply.body.model_dump(mode="json")
        return json_reply(start_response, reply.status, payload, list(reply.headers))

    def _answer(self, environ: dict[str, Any], method: str, path: str) -> Reply:
        route, params = self._route(method, path)
        token = self._authenticate(environ)
        if route.scope is TokenScope.WRITE and token.scope is not TokenScope.WRITE:
            raise ApiError(403, "forbidden", f"The token `{token.name}` may only read.")
        try:
            call = Call(
                token,
                params,
                _validated(route.query, _query(environ)) if route.query else None,
                _validated(route.body, _json_body(environ)) if route.body else None,
                environ.get("HTTP_IDEMPOTENCY_KEY") or None,
            )
            with via(Surface.API):
                return route.run(call)
        except ApiError:
            raise
        except InvalidTransition as error:
            details = {"current": error.current, "target": error.target, "legal": error.legal}
            message = blocks.plain(str(error))
            raise ApiError(409, "illegal_transition", message, **details) from None
        except (ChecklistIncomplete, IncidentClosed) as error:
            raise ApiError(409, "conflict", blocks.plain(str(error))) from None
        except IncidentNotFound as error:
            raise ApiError(404, "not_found", blocks.plain(str(error))) from None
        except IncidentError as error:
            raise ApiError(422, "rejected", blocks.plain(str(error))) from None
        except SQLAlchemyError:
            log.exception("API %s %s: the database failed", method, path)
            raise ApiError(503, "unavailable", "The database is unavailable; retry.") from None
        except Exception:
            error_id = uuid.uuid4().hex[:8]
            log.exception("API %s %s failed (error %s)", method, path, error_id)
            raise ApiError(500, "internal", f"Something went wrong (error {error_id}).") from None

    def _route(self, method: str, path: str) -> tuple[Route, dict[str, str]]:
        allowed = []
        for route in self.routes:
            if found := route.pattern.match(path):
                if route.method == method:
                    return route, {k: unquote(v) for k, v in found.groupdict().items()}
                allowed.append(route.method)
        if allowed:
            raise ApiError(405, "method_not_allowed", f"Use {' or '.join(allowed)}.")
        raise ApiError(404, "not_found", f"There is no {PREFIX}{path[:100]}.")

    def _authenticate(self, environ: dict[str, Any]) -> ApiToken:
        given = environ.get("HTTP_AUTHORIZATION", "")
        secret = given[7:].strip() if given[:7].lower() == "bearer " else ""
        token = self._tokens.authenticate(secret) if secret else None
        if token is None:
            message = "Send a valid API token: `Authorization: Bearer sitrep_…`."
            raise ApiError(401, "unauthorized", message)
        return token

    # Incidents

    def list_incidents(self, call: Call) -> Reply:
        wanted: s.IncidentFilter = call.query
        incidents = self._deps.incidents.query(
            IncidentQuery(
                statuses=tuple(wanted.status),
                severity=wanted.severity,
                service=wanted.service,
                declared_from=_aware(wanted.declared_after, "declared_after"),
                declared_until=_aware(wanted.declared_before, "declared_before"),
                include_private=call.token.private,
                before_id=_cursor(wanted.cursor),
                limit=wanted.limit,
            )
        )
        last = incidents[-1].id if len(incidents) == wanted.limit else None
        return Reply(
            s.IncidentPage(
                incidents=[self._out(i) for i in incidents],
                next_cursor=_encode_cursor(last) if last is not None else None,
            )
        )

    def get_incident(self, call: Call) -> Reply:
        return Reply(self._out(self._incident(call)))

    def create_incident(self, call: Call) -> Reply:
        body: s.IncidentCreate = call.body
        deps = self._deps
        if deps.policy.severity(body.severity) is None:
            keys = ", ".join(deps.policy.severity_keys)
            raise ApiError(422, "rejected", f"Severity is one of: {keys}.", field="severity")
        started = _aware(body.impact_started_at, "impact_started_at")
        if started is not None and started > deps.clock():
            raise ApiError(422, "rejected", "Impact can't start in the future.")
        self._known_services(body.services)
        key = call.idempotency_key
        request_key = None
        if key is not None:
            digest = hashlib.sha256(key.encode()).hexdigest()[:48]
            request_key = f"api:{call.token.id}:{digest}"
            if (seen := deps.incidents.by_request_key(request_key)) is not None:
                return Reply(self._out(seen), 200, (("Idempotent-Replayed", "true"),))
        incident = deps.incidents.declare(
            Declaration(
                title=blocks.escape(body.title),
                severity=body.severity,
                reporter=body.reporter or "",
                description=blocks.escape(body.description),
                services=tuple(body.services),
                impact_started_at=started,
                private=body.private,
                commander=body.commander,
                request_key=request_key,
                actor=actor_of(call.token),
            )
        )
        assert incident.id is not None
        incident_id = incident.id

        def open_room() -> None:
            link_runbooks(deps, incident_id)
            deps.rooms.open_room(incident_id)

        deps.after_ack.run(open_room, f"opening the room of {incident.ref} (API)")
        location = (("Location", f"{PREFIX}/incidents/{incident.ref}"),)
        return Reply(self._out(incident), 201, location)

    def update_incident(self, call: Call) -> Reply:
        body: s.IncidentUpdate = call.body
        deps, actor = self._deps, actor_of(call.token)
        incident = self._incident(call)
        assert incident.id is not None
        incident_id = incident.id
        # Everything is checked before anything changes, so a refusal changes nothing.
        target = body.status
        if target not in (None, incident.status) and event_towards(incident.status, target) is None:
            legal = [t.value for t in legal_targets(incident.status)]
            raise InvalidTransition(incident.ref, incident.status.value, target.value, legal)
        if body.severity is not None and deps.policy.severity(body.severity) is None:
            keys = ", ".join(deps.policy.severity_keys)
            raise ApiError(422, "rejected", f"Severity is one of: {keys}.", field="severity")
        if body.services is not None:
            self._known_services(body.services)
        incidents, changed = deps.incidents, set()
        steps: list[tuple[str, Callable[[], object]]] = []
        if target is not None:
            moved: Status = target
            steps.append(
                ("status", lambda: incidents.change_status(incident_id, moved, actor, body.note))
            )
        if body.severity is not None:
            severity = body.severity
            steps.append(
                (
                    "severity",
                    lambda: incidents.change_severity(incident_id, severity, actor, body.note),
                )
            )
        if body.title is not None:
            title = blocks.escape(body.title)
            steps.append(("title", lambda: incidents.rename(incident_id, title, actor)))
        if body.services is not None:
            services = tuple(body.services)
            steps.append(
                ("services", lambda: incidents.change_services(incident_id, services, actor))
            )
        if body.commander is not None:
            commander = body.commander
            steps.append(
                (
                    "commander",
                    lambda: incidents.assign_role(incident_id, Role.COMMANDER, commander, actor),
                )
            )
        for name, step in steps:
            try:
                step()
                changed.add(name)
            except NothingChanged:
                pass
        if changed:
            self._after_change(incident_id, changed, body)
        return Reply(self._out(incidents.get(incident_id)))

    def _after_change(self, incident_id: int, changed: set[str], body: s.IncidentUpdate) -> None:
        deps = self._deps

        def show() -> None:
            if "commander" in changed and body.commander:
                deps.rooms.invite(incident_id, body.commander)
            if "services" in changed:
                reclassified(deps, incident_id)
                deps.paging.page_incident(incident_id)
            if body.status is Status.CLOSED:
                deps.postmortems.show_status(incident_id)  # refreshes the room too
            else:
                deps.rooms.refresh(incident_id)
            draft_if_due(deps, incident_id, "")

        deps.after_ack.run(show, f"showing an API change to incident {incident_id}")

    # Timeline and links

    def timeline(self, call: Call) -> Reply:
        incident = self._incident(call)
        assert incident.id is not None
        entries = self._deps.incidents.timeline(incident.id)
        return Reply(s.Timeline(entries=[s.EntryOut.of(e) for e in entries]))

    def add_entry(self, call: Call) -> Reply:
        body: s.EntryCreate = call.body
        incident = self._incident(call)
        assert incident.id is not None
        change = self._deps.incidents.add_note(
            incident.id, actor_of(call.token), blocks.escape(body.text)
        )
        self._refresh(incident.id)
        return Reply(s.EntryOut.of(change.entries[0]), 201)

    def links(self, call: Call) -> Reply:
        incident = self._incident(call)
        assert incident.id is not None
        return Reply(
            s.Links(links=[s.LinkOut.of(k) for k in self._deps.incidents.links(incident.id)])
        )

    def add_link(self, call: Call) -> Reply:
        body: s.LinkCreate = call.body
        incident = self._incident(call)
        assert incident.id is not None
        status = 201
        try:
            self._deps.incidents.add_link(
                incident.id, actor_of(call.token), body.url, body.kind, blocks.escape(body.title)
            )
            self._refresh(incident.id)
        except NothingChanged:
            status = 200  # the incident has that link already
        links = self._deps.incidents.links(incident.id)
        return Reply(s.Links(links=[s.LinkOut.of(k) for k in links]), status)

    # Action items and post-mortems

    def action_items(self, call: Call) -> Reply:
        incident = self._incident(call)
        assert incident.id is not None
        items = self._deps.action_items.list(
            "", "all", incident_id=incident.id, channel_id=incident.channel_id, limit=500
        )
        return Reply(s.ActionItems(action_items=[s.ActionItemOut.of(i) for i in items]))

    def action_item(self, call: Call) -> Reply:
        return Reply(s.ActionItemOut.of(self._item(call)))

    def update_action_item(self, call: Call) -> Reply:
        body: s.ActionItemUpdate = call.body
        item = self._item(call)
        assert item.id is not None
        if item.status is not ActionStatus.OPEN:
            raise ApiError(409, "conflict", f"The action item is {item.status.value} already.")
        items, actor, note = self._deps.action_items, actor_of(call.token), blocks.escape(body.note)
        if body.status == "done":
            item = items.complete(item.id, actor, note)
        else:
            item = items.cancel(item.id, actor, note)
        self._refresh(item.incident_id)
        return Reply(s.ActionItemOut.of(item))

    def postmortem(self, call: Call) -> Reply:
        incident = self._incident(call)
        assert incident.id is not None
        record = self._deps.postmortems.record(incident.id)
        if record is None:
            raise ApiError(404, "not_found", f"{incident.ref} has no post-mortem yet.")
        return Reply(s.PostmortemOut.of(record))

    # Metrics

    def metrics(self, call: Call) -> Reply:
        wanted: s.MetricsFilter = call.query
        insights = self._deps.insights
        stats = insights.stats(
            "",
            insights.period(wanted.range),
            wanted.service,
            wanted.severity,
            public=not call.token.private,
            everything=call.token.private,
        )
        return Reply(
            s.MetricsOut(
                scope=stats.scope,
                current=s.PeriodMetrics.of(stats.current),
                previous=s.PeriodMetrics.of(stats.previous),
            )
        )

    # Helpers

    def _incident(self, call: Call) -> Incident:
        """The incident the path names, if the token may see it (else it does not exist)."""
        incident = self._deps.incidents.named(call.params["ref"])
        if incident.private and not call.token.private:
            raise IncidentNotFound(call.params["ref"][:40])
        return incident

    def _item(self, call: Call) -> Any:
        text = call.params["item_id"]
        item_id = int(text) if text.isdigit() and len(text) < 12 else 0
        if not 0 < item_id <= MAX_ID:
            raise ApiError(404, "not_found", f"There is no action item {text[:20]}.")
        try:
            item = self._deps.action_items.get(item_id)
        except IncidentError:
            raise ApiError(404, "not_found", f"There is no action item {item_id}.") from None
        incident = self._deps.incidents.get(item.incident_id)
        if incident.private and not call.token.private:
            raise ApiError(404, "not_found", f"There is no action item {item_id}.")
        return item

    def _out(self, incident: Incident) -> s.IncidentOut:
        assert incident.id is not None
        return s.IncidentOut.of(incident, self._deps.incidents.roles(incident.id))

    def _known_services(self, services: list[str]) -> None:
        known = {service.name for service in self._deps.policy.services}
        unknown = [name for name in services if known and name not in known]
        if unknown:
            message = f"Not in the service catalogue: {', '.join(unknown)}."
            raise ApiError(422, "rejected", message, known=sorted(known))

    def _refresh(self, incident_id: int) -> None:
        deps = self._deps
        deps.after_ack.run(
            lambda: deps.rooms.refresh(incident_id), f"showing incident {incident_id} (API)"
        )


def _routes(api: Api) -> tuple[Route, ...]:
    read, write = TokenScope.READ, TokenScope.WRITE
    incident = "/incidents/{ref}"
    return (
        Route("GET", "/incidents", "listIncidents", "List incidents, newest first", read,
              api.list_incidents, s.IncidentPage, query=s.IncidentFilter, errors=(400, 422)),
        Route("POST", "/incidents", "createIncident",
              "Declare an incident: its channel and announcement follow in Slack", write,
              api.create_incident, s.IncidentOut, 201, s.IncidentCreate, errors=(400, 422),
              headers=("Idempotency-Key",)),
        Route("GET", incident, "getIncident", "Get an incident", read, api.get_incident,
              s.IncidentOut, errors=(404,)),
        Route("PATCH", incident, "updateIncident",
              "Change title, severity, status (through the lifecycle), commander or services",
              write, api.update_incident, s.IncidentOut, body=s.IncidentUpdate,
              errors=(400, 404, 409, 422)),
        Route("GET", incident + "/timeline", "listTimeline", "The incident's timeline", read,
              api.timeline, s.Timeline, errors=(404,)),
        Route("POST", incident + "/timeline", "addTimelineEntry",
              "Add a key event, shown in the incident channel under the token's name", write,
              api.add_entry, s.EntryOut, 201, s.EntryCreate, errors=(400, 404, 409, 422)),
        Route("GET", incident + "/links", "listLinks", "The incident's links", read, api.links,
              s.Links, errors=(404,)),
        Route("POST", incident + "/links", "addLink",
              "Attach an alert, deploy, trace, dashboard or ticket link", write, api.add_link,
              s.Links, 201, s.LinkCreate, errors=(400, 404, 409, 422)),
        Route("GET", incident + "/action-items", "listActionItems",
              "The incident's action items", read, api.action_items, s.ActionItems,
              errors=(404,)),
        Route("GET", "/action-items/{item_id}", "getActionItem", "Get an action item", read,
              api.action_item, s.ActionItemOut, errors=(404,)),
        Route("PATCH", "/action-items/{item_id}", "updateActionItem",
              "Complete or cancel an action item", write, api.update_action_item,
              s.ActionItemOut, body=s.ActionItemUpdate, errors=(400, 404, 409, 422)),
        Route("GET", incident + "/postmortem", "getPostmortem", "The incident's post-mortem",
              read, api.postmortem, s.PostmortemOut, errors=(404,)),
        Route("GET", "/metrics", "getMetrics",
              "The numbers of `/incident stats`: MTTx, volume, severity, services", read,
              api.metrics, s.MetricsOut, query=s.MetricsFilter, errors=(400, 422)),
    )  # fmt: skip


def _json_body(environ: dict[str, Any]) -> Any:
    media = environ.get("CONTENT_TYPE", "").split(";")[0].strip().lower()
    if media != "application/json":
        raise ApiError(415, "unsupported_media_type", "Send application/json.")
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = -1
    if length < 0 or length > MAX_BODY:
        raise ApiError(413, "payload_too_large", f"The limit is {MAX_BODY} bytes.")
    raw = environ["wsgi.input"].read(length) if length else b""
    try:
        data = json.loads(raw)
        # JSON may escape a lone surrogate, which no database can store as text.
        json.dumps(data, ensure_ascii=False).encode()
        return data
    except (ValueError, UnicodeError):
        raise ApiError(400, "malformed_body", "The body is not valid JSON in UTF-8.") from None


def _query(environ: dict[str, Any]) -> dict[str, Any]:
    try:
        found = parse_qs(environ.get("QUERY_STRING", ""), strict_parsing=False, errors="strict")
    except (ValueError, UnicodeDecodeError):
        raise ApiError(400, "malformed_query", "The query string is not valid.") from None
    # Repeated names are lists (`status=open&status=mitigated`); the rest single values.
    return {name: values if name == "status" else values[-1] for name, values in found.items()}


def _validated(model: type[BaseModel], data: Any) -> Any:
    try:
        return model.model_validate(data)
    except ValidationError as error:
        problems = [
            {"field": ".".join(str(p) for p in e["loc"]), "problem": e["msg"]}
            for e in error.errors(include_url=False, include_input=False)
        ]
        first = problems[0] if problems else {"field": "", "problem": "invalid"}
        where = f"{first['field']}: " if first["field"] else ""
        message = f"{where}{first['problem']}"
        raise ApiError(422, "invalid_request", message, errors=problems) from None


def _aware(moment: datetime | None, name: str) -> datetime | None:
    if moment is None:
        return None
    if moment.tzinfo is None:
        raise ApiError(422, "invalid_request", f"{name}: give a time zone offset, e.g. `Z`.")
    return moment.astimezone(UTC)


def _encode_cursor(last_id: int) -> str:
    return f"i{last_id}"


def _cursor(text: str | None) -> int | None:
    # The pattern checked it; beyond any id there is, it means the first page.
    return None if text is None else min(int(text[1:]), MAX_ID)
