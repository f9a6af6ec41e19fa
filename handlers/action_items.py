"""The controls on listed action items: complete and cancel (each asks why in a form),
reassign and move the due date. Changes are made before the ack; the incident channel
is brought up to date after it."""

import logging
from datetime import date
from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient

from bot.adapters.slack import blocks
from bot.adapters.slack.ids import Action, Callback, Field
from bot.errors import ChatUnavailable, IncidentError
from handlers.commands import open_modal
from handlers.deps import Deps
from handlers.errors import reported

log = logging.getLogger(__name__)

_REFUSAL = "sitrep_refusal"  # see handlers/actions.py: the ack's context reaches the lazy


def register(app: App, deps: Deps) -> None:
    items = deps.action_items

    def ask(cancelling: bool) -> Any:
        def open_form(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
            """The form opens before the ack: its trigger expires in 3 seconds."""
            try:
                item = items.get(int(body["actions"][0]["value"]))
                open_modal(
                    client, body["trigger_id"], blocks.close_item_modal(item, cancelling=cancelling)
                )
            except (IncidentError, ChatUnavailable, ValueError) as error:
                log.warning("action item form not opened: %s", error)
            ack()

        return open_form

    app.action(Action.COMPLETE_ITEM)(ask(cancelling=False))
    app.action(Action.CANCEL_ITEM)(ask(cancelling=True))

    def change(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
        action, user = body["actions"][0], body["user"]["id"]
        try:
            item_id = int(action["block_id"].rpartition(".")[2])
            if action["action_id"] == Action.REASSIGN_ITEM:
                items.reassign(item_id, user, action["selected_user"])
            else:
                items.reschedule(item_id, user, date.fromisoformat(action["selected_date"]))
        except IncidentError as error:
            context[_REFUSAL] = str(error)
        except (KeyError, ValueError):
            context[_REFUSAL] = "That action item control didn't make sense to me."
        ack()

    @reported
    def show(body: dict[str, Any], respond: Respond, context: BoltContext) -> None:
        if refusal := context.get(_REFUSAL):
            respond(response_type="ephemeral", replace_original=False, text=refusal)
            return
        item = items.get(int(body["actions"][0]["block_id"].rpartition(".")[2]))
        respond(
            response_type="ephemeral",
            replace_original=False,
            text=f"*{blocks.defang(item.title)}*: <@{item.owner}>, due {item.due_on}.",
        )
        deps.rooms.refresh(item.incident_id)

    app.action(Action.REASSIGN_ITEM)(ack=change, lazy=[show])
    app.action(Action.RESCHEDULE_ITEM)(ack=change, lazy=[show])

    def close(cancelling: bool) -> Any:
        field = Field.REASON if cancelling else Field.EVIDENCE

        def submit(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
            text = ((view["state"]["values"].get(field) or {}).get(field) or {}).get("value")
            text, user = blocks.escape((text or "").strip()), body["user"]["id"]
            try:
                item_id = int(view.get("private_metadata") or 0)
                if cancelling:
                    items.cancel(item_id, user, text)
                else:
                    items.complete(item_id, user, text)
            except IncidentError as error:
                ack(response_action="errors", errors={field: str(error)})
                return
            ack()

        return submit

    @reported
    def show_closed(view: dict[str, Any]) -> None:
        deps.rooms.refresh(items.get(int(view.get("private_metadata") or 0)).incident_id)

    app.view(Callback.COMPLETE_ITEM)(ack=close(cancelling=False), lazy=[show_closed])
    app.view(Callback.CANCEL_ITEM)(ack=close(cancelling=True), lazy=[show_closed])
