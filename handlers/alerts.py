"""The triage channel's buttons: declare the incident an alert asks for, or dismiss it."""

import logging
from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.adapters.slack import blocks
from bot.adapters.slack.blocks.alerts import triage_decided, triage_text
from bot.adapters.slack.ids import Action
from bot.alerts.service import AlertService
from bot.errors import IncidentError
from handlers.deps import Deps
from handlers.errors import REFUSAL, reported
from models import AlertTriage, Incident

log = logging.getLogger(__name__)

_DECIDED = "sitrep_triage"


def register(app: App, deps: Deps, alerts: AlertService) -> None:
    def declare(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
        try:
            intake = alerts.declare_from_triage(_triage_id(body), body["user"]["id"])
            assert intake.incident is not None
            context[_DECIDED] = intake.incident.id
        except (IncidentError, ValueError) as error:
            context[REFUSAL] = str(error)
        ack()

    def dismiss(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
        try:
            alerts.dismiss(_triage_id(body), body["user"]["id"])
        except (IncidentError, ValueError) as error:
            context[REFUSAL] = str(error)
        ack()

    @reported
    def show(
        body: dict[str, Any], respond: Respond, context: BoltContext, client: WebClient
    ) -> None:
        """After the ack: open the declared incident's room, and mark the post decided."""
        if refusal := context.get(REFUSAL):
            respond(response_type="ephemeral", replace_original=False, text=refusal)
            return
        incident_id = context.get(_DECIDED)
        if incident_id is not None and deps.rooms.open_room(incident_id) is None:
            deps.rooms.refresh(incident_id)  # joined an open incident: show its new alerts
        incident = deps.incidents.get(incident_id) if incident_id is not None else None
        show_decision(client, alerts, alerts.triage(_triage_id(body)), incident)
        if incident is not None:
            respond(
                response_type="ephemeral",
                replace_original=False,
                text=blocks.declared_reply(incident),
            )

    app.action(Action.DECLARE_FROM_ALERT)(ack=declare, lazy=[show])
    app.action(Action.DISMISS_ALERT)(ack=dismiss, lazy=[show])


def show_decision(
    client: WebClient, alerts: AlertService, triage: AlertTriage, incident: Incident | None
) -> None:
    """Redraws a triage post once decided (or resolved at its source), without buttons."""
    assert triage.id is not None
    posted = alerts.triage_post(triage.id)
    if posted is None:
        return  # never posted: the outbox sends nothing for a triage no longer pending
    channel, ts = posted
    try:
        client.chat_update(
            channel=channel,
            ts=ts,
            blocks=triage_decided(triage, incident),
            text=triage_text(triage),
        )
    except SlackApiError as error:
        log.warning("triage post not updated: %s", error.response.get("error"))


def _triage_id(body: dict[str, Any]) -> int:
    """Raises ValueError for a button Sitrep did not make."""
    return int(body["actions"][0]["value"])
