"""The declare modal and the global shortcut that opens it (the update form is in
handlers/updates.py)."""

import logging
from datetime import UTC, datetime
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient
from slack_sdk.webhook import WebhookClient

from bot.adapters.slack import blocks
from bot.adapters.slack.ids import Callback, Field
from bot.commands import MAX_TITLE
from bot.errors import ChatUnavailable, IncidentError
from bot.incidents import Declaration
from handlers.deps import Deps, link_runbooks
from handlers.errors import reported
from handlers.modals import input_values, open_modal, view_metadata
from models import Detection, ImpactScope

log = logging.getLogger(__name__)


def register(app: App, deps: Deps) -> None:
    def open_declare_form(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        modal = blocks.declare_modal(deps.policy, title=None, severity=None, reply_to=None)
        try:
            open_modal(client, body["trigger_id"], modal)  # before the ack: see commands.py
        except ChatUnavailable as error:
            log.warning("declare form not opened for %s: %s", body["user"]["id"], error)
        ack()

    app.shortcut({"type": "shortcut", "callback_id": Callback.DECLARE})(open_declare_form)

    def declare_from_form(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        try:
            declaration = _declaration(view, body["user"]["id"], deps.clock())
        except _Invalid as invalid:
            ack(response_action="errors", errors=invalid.errors)
            return
        try:
            deps.incidents.declare(declaration)
        except IncidentError as error:
            ack(response_action="errors", errors={Field.SEVERITY: str(error)})
            return
        ack()

    @reported
    def open_room(body: dict[str, Any], view: dict[str, Any], client: WebClient) -> None:
        user = body["user"]["id"]
        incident = deps.incidents.by_request_key(_view_key(view))
        if incident is None or incident.id is None:
            return
        reply_to = view_metadata(view).get("response_url")
        link_runbooks(deps, incident.id)
        try:
            opened = deps.rooms.open_room(incident.id)
        except ChatUnavailable as error:
            text = str(error)
        else:
            if opened is None:
                return  # a repeated submission: the first one answers with the link
            text = blocks.declared_reply(opened)
        if reply_to:
            WebhookClient(reply_to).send(text=text, response_type="ephemeral")
        else:  # the shortcut has no channel to answer in: the app's DM
            client.chat_postMessage(channel=user, text=text)

    app.view(Callback.DECLARE)(ack=declare_from_form, lazy=[open_room])


class _Invalid(Exception):
    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(errors)
        self.errors = errors


def _view_key(view: dict[str, Any]) -> str:
    """Slack re-sends the same view ID when a person double-submits: one incident per view."""
    return f"view:{view['id']}"


def _declaration(view: dict[str, Any], user: str, now: datetime) -> Declaration:
    values = input_values(view)
    title = ((values.get(Field.TITLE) or {}).get("value") or "").strip()
    severity = ((values.get(Field.SEVERITY) or {}).get("selected_option") or {}).get("value")
    errors: dict[str, str] = {}
    if not title:
        errors[Field.TITLE] = "Give the incident a short title."
    elif len(title) > MAX_TITLE:
        errors[Field.TITLE] = f"Keep the title under {MAX_TITLE} characters."
    if not severity:
        errors[Field.SEVERITY] = "Choose a severity."
    started_epoch = (values.get(Field.IMPACT_STARTED) or {}).get("selected_date_time")
    started = datetime.fromtimestamp(started_epoch, tz=UTC) if started_epoch else None
    if started and started > now:
        errors[Field.IMPACT_STARTED] = "Impact can't start in the future."
    if errors:
        raise _Invalid(errors)
    services = [
        o["value"] for o in (values.get(Field.SERVICES) or {}).get("selected_options") or []
    ]
    private = bool((values.get(Field.PRIVATE) or {}).get("selected_options"))
    detection = ((values.get(Field.DETECTION) or {}).get("selected_option") or {}).get("value")
    scope = ((values.get(Field.IMPACT_SCOPE) or {}).get("selected_option") or {}).get("value")
    return Declaration(
        title=blocks.escape(title),
        severity=str(severity),
        reporter=user,
        # Modal input arrives as typed; Sitrep stores Slack markup, as commands carry it.
        description=blocks.escape(
            ((values.get(Field.DESCRIPTION) or {}).get("value") or "").strip()
        ),
        services=tuple(services),
        impact_started_at=started,
        private=private,
        commander=(values.get(Field.COMMANDER) or {}).get("selected_user"),
        detection=Detection(detection) if detection else None,
        impact_scope=ImpactScope(scope) if scope else None,
        request_key=_view_key(view),
    )
