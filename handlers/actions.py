"""Announcement controls: status buttons, severity select, commander claim and assignment.

The change is written before the ack (one fast compare-and-set write); Slack is brought up
to date after it. A click that lost a race is told so privately."""

import logging
import re
from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, App, Respond

from bot.adapters.slack.ids import Action, status_from_action_id
from bot.errors import IncidentError
from bot.incidents import Change
from handlers.deps import Deps
from models import Incident, Role

log = logging.getLogger(__name__)

ChangeFn = Callable[[int, str, dict[str, Any]], Change]


def register(app: App, deps: Deps) -> None:
    incidents = deps.incidents

    def incident_of(body: dict[str, Any]) -> Incident:
        return incidents.find(None, (body.get("channel") or {}).get("id"))

    def apply(ack: Ack, body: dict[str, Any], respond: Respond, change: ChangeFn) -> None:
        try:
            incident = incident_of(body)
            assert incident.id is not None
            change(incident.id, body["user"]["id"], body["actions"][0])
        except IncidentError as error:
            ack()
            respond(response_type="ephemeral", replace_original=False, text=str(error))
            return
        ack()

    def refresh(body: dict[str, Any]) -> None:
        incident = incidents.by_channel((body.get("channel") or {}).get("id", ""))
        if incident is not None and incident.id is not None:
            deps.publisher.refresh(incident.id)

    def set_status(ack: Ack, body: dict[str, Any], respond: Respond) -> None:
        apply(
            ack,
            body,
            respond,
            lambda iid, user, action: incidents.change_status(
                iid, status_from_action_id(action["action_id"]), user
            ),
        )

    def change_severity(ack: Ack, body: dict[str, Any], respond: Respond) -> None:
        apply(
            ack,
            body,
            respond,
            lambda iid, user, action: incidents.change_severity(
                iid, action["selected_option"]["value"], user
            ),
        )

    def claim_commander(ack: Ack, body: dict[str, Any], respond: Respond) -> None:
        apply(
            ack,
            body,
            respond,
            lambda iid, user, _: incidents.assign_role(
                iid, Role.COMMANDER, user, user, only_if_vacant=True
            ),
        )

    def assign_commander(ack: Ack, body: dict[str, Any], respond: Respond) -> None:
        apply(
            ack,
            body,
            respond,
            lambda iid, user, action: incidents.assign_role(
                iid, Role.COMMANDER, action["selected_user"], user
            ),
        )

    def invite_and_refresh(body: dict[str, Any]) -> None:
        incident = incidents.by_channel((body.get("channel") or {}).get("id", ""))
        if incident is not None and incident.id is not None:
            deps.publisher.invite(incident.id, body["actions"][0]["selected_user"])
            deps.publisher.refresh(incident.id)

    status_buttons = re.compile(rf"^{re.escape(Action.SET_STATUS)}\.[a-z]+$")
    app.action(status_buttons)(ack=set_status, lazy=[refresh])
    app.action(Action.CHANGE_SEVERITY)(ack=change_severity, lazy=[refresh])
    app.action(Action.CLAIM_COMMANDER)(ack=claim_commander, lazy=[refresh])
    app.action(Action.ASSIGN_COMMANDER)(ack=assign_commander, lazy=[invite_and_refresh])
