"""Announcement controls: status buttons, severity menu, commander claim and assignment.

A click is acknowledged at once (its answer is the updated announcement, not the ack); the
change is then made through one compare-and-set service call, and a click that lost a race
or broke a rule is told why, privately."""

import re
from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, App, Respond

from bot.adapters.slack import blocks
from bot.adapters.slack.ids import Action, status_from_action_id
from bot.errors import IncidentError
from bot.incidents import Change
from handlers.deps import Deps
from handlers.errors import reported
from models import Role

# (incident id, clicking user, the clicked action) -> the change it made
ChangeFn = Callable[[int, str, dict[str, Any]], Change]


def register(app: App, deps: Deps) -> None:
    incidents = deps.incidents

    def acknowledge(ack: Ack) -> None:
        ack()

    def control(change: ChangeFn, *, invite_chosen: bool = False) -> Callable[..., None]:
        """The listener that applies one announcement control after the ack."""

        @reported
        def apply(body: dict[str, Any], respond: Respond) -> None:
            action, user = body["actions"][0], body["user"]["id"]
            try:
                incident = incidents.find(None, (body.get("channel") or {}).get("id"))
                assert incident.id is not None
                change(incident.id, user, action)
            except IncidentError as error:
                respond(response_type="ephemeral", replace_original=False, text=str(error))
                return
            if invite_chosen and not deps.rooms.invite(incident.id, action["selected_user"]):
                respond(
                    response_type="ephemeral",
                    replace_original=False,
                    text=blocks.not_invited(action["selected_user"]),
                )
            deps.rooms.refresh(incident.id)

        return apply

    set_status = control(
        lambda iid, user, action: incidents.change_status(
            iid, status_from_action_id(action["action_id"]), user
        )
    )
    change_severity = control(
        lambda iid, user, action: incidents.change_severity(
            iid, action["selected_option"]["value"], user
        )
    )
    claim_commander = control(
        lambda iid, user, _: incidents.assign_role(
            iid, Role.COMMANDER, user, user, only_if_vacant=True
        )
    )
    assign_commander = control(
        lambda iid, user, action: incidents.assign_role(
            iid, Role.COMMANDER, action["selected_user"], user
        ),
        invite_chosen=True,
    )

    status_buttons = re.compile(rf"^{re.escape(Action.SET_STATUS)}\.[a-z]+$")
    app.action(status_buttons)(ack=acknowledge, lazy=[set_status])
    app.action(Action.CHANGE_SEVERITY)(ack=acknowledge, lazy=[change_severity])
    app.action(Action.CLAIM_COMMANDER)(ack=acknowledge, lazy=[claim_commander])
    app.action(Action.ASSIGN_COMMANDER)(ack=acknowledge, lazy=[assign_commander])
