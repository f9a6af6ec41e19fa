"""Announcement controls: status buttons, severity menu, commander claim and assignment,
confirming a suggested category, and the recurrence post's problem buttons.

The change is made before the ack (one fast compare-and-set write), so clicks apply in the
order people make them; Slack is brought up to date after it. A click that lost a race or
broke a rule is told why, privately, after the ack."""

import logging
import re
from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient

from bot.adapters.slack import blocks
from bot.adapters.slack.ids import Action, status_from_action_id
from bot.errors import ChatUnavailable, IncidentError
from bot.incidents import Change, IncidentService
from bot.permissions import Permission
from bot.similar import snapshot
from handlers import updates
from handlers.deps import Deps, draft_if_due, reclassified
from handlers.errors import REFUSAL, reported
from handlers.modals import open_modal
from models import Role, Status

log = logging.getLogger(__name__)

# (incident id, clicking user, the clicked action) -> the change it made
ChangeFn = Callable[[int, str, dict[str, Any]], Change]


def control(incidents: IncidentService, change: ChangeFn) -> Callable[..., None]:
    """The ack function of a control on a message in an incident channel: it makes the
    change before the ack; a refusal is kept for the work after it to tell."""

    def apply(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
        try:
            incident = incidents.find(None, (body.get("channel") or {}).get("id"))
            assert incident.id is not None
            change(incident.id, body["user"]["id"], body["actions"][0])
        except IncidentError as error:
            context[REFUSAL] = str(error)
        ack()

    return apply


def register(app: App, deps: Deps) -> None:
    incidents = deps.incidents

    @reported
    def show(body: dict[str, Any], respond: Respond, context: BoltContext) -> None:
        """After the ack: tell a refused click why, or show the change in Slack."""
        if refusal := context.get(REFUSAL):
            respond(response_type="ephemeral", replace_original=False, text=refusal)
            return
        incident = incidents.by_channel((body.get("channel") or {}).get("id", ""))
        if incident is None or incident.id is None:
            return
        action = body["actions"][0]
        chosen = (
            action.get("selected_user") if action["action_id"] == Action.ASSIGN_COMMANDER else None
        )
        if chosen and not deps.rooms.invite(incident.id, chosen):
            respond(
                response_type="ephemeral", replace_original=False, text=blocks.not_invited(chosen)
            )
        if action["action_id"] in (Action.CONFIRM_CATEGORY, Action.CHOOSE_CATEGORY):
            reclassified(deps, incident.id)
        if incident.status is Status.CLOSED:
            deps.postmortems.show_status(incident.id)  # says how it closed; refreshes too
        else:
            deps.rooms.refresh(incident.id)
        draft_if_due(deps, incident.id, body["user"]["id"])

    change_status = control(
        incidents,
        lambda iid, user, action: incidents.change_status(
            iid, status_from_action_id(action["action_id"]), user
        ),
    )

    def set_status(ack: Ack, body: dict[str, Any], context: BoltContext, client: WebClient) -> None:
        """A status button; Close with the checklist unfinished opens the checklist."""
        if status_from_action_id(body["actions"][0]["action_id"]) is Status.CLOSED:
            incident = incidents.by_channel((body.get("channel") or {}).get("id", ""))
            if incident is not None and incident.id is not None:
                checklist = deps.closing.checklist(incident.id)
                if incident.status is Status.RESOLVED and not checklist.complete:
                    try:
                        incidents.authorize(Permission.CLOSE, incident.id, body["user"]["id"])
                        form = blocks.close_modal(incident, checklist, deps.policy)
                        open_modal(client, body["trigger_id"], form)
                    except (ChatUnavailable, IncidentError) as error:
                        context[REFUSAL] = str(error)
                    ack()
                    return
        change_status(ack, body, context)

    change_severity = control(
        incidents,
        lambda iid, user, action: incidents.change_severity(
            iid, action["selected_option"]["value"], user
        ),
    )
    claim_commander = control(
        incidents,
        lambda iid, user, _: incidents.assign_role(
            iid, Role.COMMANDER, user, user, only_if_vacant=True
        ),
    )
    confirm_category = control(
        incidents,
        lambda iid, user, action: incidents.set_category(
            iid, action["value"], user, confirming=True
        ),
    )
    choose_category = control(
        incidents,
        lambda iid, user, action: incidents.set_category(
            iid, action["selected_option"]["value"], user
        ),
    )
    assign_commander = control(
        incidents,
        lambda iid, user, action: incidents.assign_role(
            iid, Role.COMMANDER, action["selected_user"], user
        ),
    )

    def snooze(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
        """A nudge's snooze button: reminders are held back before the ack."""
        try:
            incident = incidents.find(None, (body.get("channel") or {}).get("id"))
            assert incident.id is not None
            minutes = int(body["actions"][0]["value"])
            deps.schedule.snooze(incident.id, body["user"]["id"], minutes)
        except IncidentError as error:
            context[REFUSAL] = str(error)
        ack()

    @reported
    def show_snooze(body: dict[str, Any], respond: Respond, context: BoltContext) -> None:
        """After the ack: the nudge is replaced by who snoozed it, for how long."""
        if refusal := context.get(REFUSAL):
            respond(response_type="ephemeral", replace_original=False, text=refusal)
            return
        minutes = int(body["actions"][0]["value"])
        respond(replace_original=True, text=blocks.snoozed(body["user"]["id"], minutes))

    def open_update_form(
        ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext
    ) -> None:
        """A nudge's "Post update" button: the form opens before the ack (its trigger
        expires in 3 seconds); a draft replaces it after."""
        incident = incidents.by_channel((body.get("channel") or {}).get("id", ""))
        if incident is not None:
            try:
                context[updates.FORM] = updates.open_form(
                    client, body["trigger_id"], incident, deps
                )
            except IncidentError as error:
                context[REFUSAL] = str(error)
        ack()

    @reported
    def draft_update(
        body: dict[str, Any], respond: Respond, client: WebClient, context: BoltContext
    ) -> None:
        if refusal := context.get(REFUSAL):
            respond(response_type="ephemeral", replace_original=False, text=refusal)
            return
        updates.draft_into_form(deps, client, context.get(updates.FORM))

    def acknowledge(ack: Ack) -> None:
        ack()

    @reported
    def show_similar(body: dict[str, Any], respond: Respond) -> None:
        """After the ack: the past incidents like this one that the clicker may see, for
        their eyes only (the channel's thread shows public ones to everyone)."""
        channel = (body.get("channel") or {}).get("id")
        incident = incidents.by_channel(channel or "")
        if incident is None or incident.id is None:
            return
        found = deps.similar.find(incident.id, body["user"]["id"], channel)
        respond(
            response_type="ephemeral",
            replace_original=False,
            blocks=blocks.similar_reply(incident.ref, snapshot(found)),
            text=f"{len(found)} similar past incidents",
        )

    app.action(Action.SHOW_SIMILAR)(ack=acknowledge, lazy=[show_similar])

    def act_on_recurrence(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
        """A recurrence post's buttons: open a problem from the incident, or link it to the
        one the earlier incidents belong to. A second click is refused as 'already'."""
        action, user = body["actions"][0], body["user"]["id"]
        try:
            incident = incidents.find(None, (body.get("channel") or {}).get("id"))
            assert incident.id is not None
            if action["action_id"] == Action.LINK_PROBLEM:
                deps.problems.link(str(action.get("value", "")), incident.id, user)
            else:
                deps.problems.open("", user, incident.id)
        except IncidentError as error:
            context[REFUSAL] = str(error)
        ack()

    @reported
    def show_recurrence(body: dict[str, Any], respond: Respond, context: BoltContext) -> None:
        """After the ack: the post says what was done, instead of its buttons, and the
        channel shows the link; a refused click is told why, privately."""
        if refusal := context.get(REFUSAL):
            respond(response_type="ephemeral", replace_original=False, text=refusal)
            return
        incident = incidents.by_channel((body.get("channel") or {}).get("id", ""))
        problem = deps.problems.of_incident(incident) if incident else None
        if incident is None or incident.id is None or problem is None:
            return
        if message := body.get("message"):
            opened = body["actions"][0]["action_id"] == Action.OPEN_PROBLEM
            verb = "opened" if opened else "linked this incident to"
            done = f"<@{body['user']['id']}> {verb} *{problem.ref}*: {blocks.defang(problem.title)}"
            shown = blocks.recurrence_handled(message.get("blocks", []), f":jigsaw: {done}")
            respond(replace_original=True, text=message.get("text", done), blocks=shown)
        deps.rooms.refresh(incident.id)

    app.action(Action.OPEN_PROBLEM)(ack=act_on_recurrence, lazy=[show_recurrence])
    app.action(Action.LINK_PROBLEM)(ack=act_on_recurrence, lazy=[show_recurrence])
    app.action(re.compile(rf"^{re.escape(Action.SNOOZE)}\.\d+$"))(ack=snooze, lazy=[show_snooze])
    app.action(Action.POST_UPDATE)(ack=open_update_form, lazy=[draft_update])

    status_buttons = re.compile(rf"^{re.escape(Action.SET_STATUS)}\.[a-z]+$")
    app.action(status_buttons)(ack=set_status, lazy=[show])
    app.action(Action.CHANGE_SEVERITY)(ack=change_severity, lazy=[show])
    app.action(Action.CLAIM_COMMANDER)(ack=claim_commander, lazy=[show])
    app.action(Action.CONFIRM_CATEGORY)(ack=confirm_category, lazy=[show])
    app.action(Action.CHOOSE_CATEGORY)(ack=choose_category, lazy=[show])
    app.action(Action.ASSIGN_COMMANDER)(ack=assign_commander, lazy=[show])
