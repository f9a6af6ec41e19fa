"""Action items in Slack: the controls on listed items and reminders (complete and cancel
each ask in a form; reassign and move the due date), the "Create action item" message
shortcut, and accepting a post-mortem's proposals. Changes are made before the ack; the
incident channel (and the App Home, where the click came from) are brought up to date
after it."""

import json
import logging
from datetime import date
from typing import Any, cast

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.action_items import NewItem
from bot.adapters.slack import blocks
from bot.adapters.slack.blocks.action_items import PRIORITIES, with_proposals
from bot.adapters.slack.ids import Action, Callback, Field
from bot.config import Priority
from bot.errors import ChatUnavailable, DueDateInPast, IncidentError
from handlers.deps import Deps
from handlers.errors import REFUSAL, reported
from handlers.home import publish_home
from handlers.modals import input_values, open_modal

log = logging.getLogger(__name__)

_CHANGED = "sitrep_changed"


def register(app: App, deps: Deps) -> None:
    _register_controls(app, deps)
    _register_close_forms(app, deps)
    _register_shortcut(app, deps)
    _register_proposals(app, deps)


def _register_controls(app: App, deps: Deps) -> None:
    items = deps.action_items

    def ask(cancelling: bool) -> Any:
        def open_form(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
            """The form opens before the ack: its trigger expires in 3 seconds."""
            try:
                item = items.get(int(body["actions"][0]["value"]))
                form = blocks.close_item_modal(
                    item, cancelling=cancelling, from_home=_from_home(body)
                )
                open_modal(client, body["trigger_id"], form)
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
            context[REFUSAL] = str(error)
        except (KeyError, ValueError):
            context[REFUSAL] = "That action item control didn't make sense to me."
        ack()

    @reported
    def show(
        body: dict[str, Any], client: WebClient, respond: Respond, context: BoltContext
    ) -> None:
        """In the App Home the tab is redrawn (with the refusal, if any); elsewhere the
        person is answered privately."""
        user, refusal = body["user"]["id"], context.get(REFUSAL, "")
        home = _from_home(body)
        if home:
            publish_home(deps, client, user, notice=refusal)
        if refusal:
            _tell(respond, body, refusal)
            return
        item = items.get(int(body["actions"][0]["block_id"].rpartition(".")[2]))
        if not home:
            text = f"*{blocks.defang(item.title)}*: <@{item.owner}>, due {item.due_on}."
            _tell(respond, body, text)
        deps.rooms.refresh(item.incident_id)

    app.action(Action.REASSIGN_ITEM)(ack=change, lazy=[show])
    app.action(Action.RESCHEDULE_ITEM)(ack=change, lazy=[show])


def _register_close_forms(app: App, deps: Deps) -> None:
    """The forms Complete and Cancel open: evidence, or the reason."""
    items = deps.action_items

    def close(cancelling: bool) -> Any:
        field = Field.REASON if cancelling else Field.EVIDENCE

        def submit(
            ack: Ack, body: dict[str, Any], view: dict[str, Any], context: BoltContext
        ) -> None:
            text = blocks.escape((input_values(view).get(field, {}).get("value") or "").strip())
            user = body["user"]["id"]
            try:
                item_id = int(_metadata(view).get("item") or 0)
                if cancelling:
                    items.cancel(item_id, user, text)
                else:
                    items.complete(item_id, user, text)
            except IncidentError as error:
                # The form shows why; the work after the ack has nothing to show.
                context[REFUSAL] = str(error)
                ack(response_action="errors", errors={field: str(error)})
                return
            ack()

        return submit

    @reported
    def show_closed(
        body: dict[str, Any], view: dict[str, Any], client: WebClient, context: BoltContext
    ) -> None:
        if context.get(REFUSAL):
            return
        metadata = _metadata(view)
        if metadata.get("home"):
            publish_home(deps, client, body["user"]["id"])
        deps.rooms.refresh(items.get(int(metadata.get("item") or 0)).incident_id)

    app.view(Callback.COMPLETE_ITEM)(ack=close(cancelling=False), lazy=[show_closed])
    app.view(Callback.CANCEL_ITEM)(ack=close(cancelling=True), lazy=[show_closed])


def _register_shortcut(app: App, deps: Deps) -> None:
    def open_create_form(
        ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext
    ) -> None:
        """On a message in an incident channel: the form, pre-filled with the message's text
        and a link to it. Elsewhere: a private answer saying where it works."""
        channel, message = body["channel"]["id"], body.get("message") or {}
        incident = deps.incidents.by_channel(channel)
        if incident is None:
            context[REFUSAL] = (
                "*Create action item* works on messages in an incident channel. Elsewhere use "
                "`/incident action INC-… <text>`."
            )
        else:
            link = _permalink(client, body)
            text = blocks.editable(message.get("text", ""))
            try:
                open_modal(
                    client, body["trigger_id"], blocks.create_item_modal(incident, text, link)
                )
            except ChatUnavailable as error:
                context[REFUSAL] = str(error)
        ack()

    @reported
    def explain(body: dict[str, Any], respond: Respond, context: BoltContext) -> None:
        if refusal := context.get(REFUSAL):
            _tell(respond, body, refusal)

    # A message shortcut only: a global one of its ID (Slack sends none) has no message.
    app.shortcut({"type": "message_action", "callback_id": Callback.CREATE_ITEM})(
        ack=open_create_form, lazy=[explain]
    )

    def create(ack: Ack, body: dict[str, Any], view: dict[str, Any], context: BoltContext) -> None:
        """Stored before the ack; a double submit creates one item (keyed by the view)."""
        metadata, user, values = _metadata(view), body["user"]["id"], input_values(view)
        title = values.get(Field.ITEM_TITLE, {}).get("value") or ""
        title = blocks.from_form(" ".join(title.split()))
        priority = values.get(Field.ITEM_PRIORITY, {}).get("selected_option") or {}
        due = values.get(Field.ITEM_DUE, {}).get("selected_date")
        owner = values.get(Field.ITEM_OWNER, {}).get("selected_user")
        wanted = NewItem(
            title,
            owner=owner,
            due_on=date.fromisoformat(due) if due else None,
            priority=cast(Priority, priority["value"])
            if priority.get("value") in PRIORITIES
            else None,
            source_url=str(metadata.get("link") or "")[:300] or None,
            request_key=f"view:{view['id']}",
        )
        try:
            deps.action_items.create(int(metadata.get("incident") or 0), user, wanted)
        except IncidentError as error:
            field = Field.ITEM_DUE if isinstance(error, DueDateInPast) else Field.ITEM_TITLE
            context[REFUSAL] = str(error)  # shown on the form: nothing to show after the ack
            ack(response_action="errors", errors={field: str(error)})
            return
        ack()

    @reported
    def show_created(view: dict[str, Any], context: BoltContext) -> None:
        if context.get(REFUSAL):
            return
        deps.rooms.refresh(int(_metadata(view).get("incident") or 0))

    app.view(Callback.CREATE_ITEM)(ack=create, lazy=[show_created])


def _register_proposals(app: App, deps: Deps) -> None:
    def accept(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
        """Made before the ack, so two clicks make one item and the second is told so."""
        user, channel = body["user"]["id"], (body.get("channel") or {}).get("id")
        try:
            incident = deps.incidents.find(None, channel, user)
            assert incident.id is not None
            draft, _, index = body["actions"][0]["value"].partition(":")
            deps.action_items.accept_proposal(incident.id, user, draft, int(index))
            context[_CHANGED] = incident.id
        except IncidentError as error:
            context[REFUSAL] = str(error)
        except (KeyError, ValueError):
            context[REFUSAL] = "That proposal didn't make sense to me."
        ack()

    @reported
    def show_accepted(body: dict[str, Any], respond: Respond, context: BoltContext) -> None:
        if refusal := context.get(REFUSAL):
            respond(response_type="ephemeral", replace_original=False, text=refusal)
        incident_id = context.get(_CHANGED)
        if incident_id is None:
            return
        proposals = deps.action_items.proposals(incident_id)
        message = body.get("message") or {}
        if proposals is not None and message:
            respond(
                replace_original=True,
                blocks=with_proposals(message.get("blocks", []), proposals),
                text=message.get("text", ""),
            )
        deps.rooms.refresh(incident_id)

    app.action(Action.ACCEPT_PROPOSAL)(ack=accept, lazy=[show_accepted])


def _from_home(body: dict[str, Any]) -> bool:
    return (body.get("container") or {}).get("type") == "view" and (
        (body.get("view") or {}).get("type") == "home"
    )


def _tell(respond: Respond, body: dict[str, Any], text: str) -> None:
    """A private answer, where the interaction has somewhere to answer (the App Home has
    not: it shows refusals itself)."""
    if body.get("response_url"):
        respond(response_type="ephemeral", replace_original=False, text=text)


def _permalink(client: WebClient, body: dict[str, Any]) -> str:
    """The message's link, from Slack; built by hand if Slack won't say."""
    channel, ts = body["channel"]["id"], body["message_ts"]
    try:
        return str(client.chat_getPermalink(channel=channel, message_ts=ts)["permalink"])
    except SlackApiError as error:
        log.warning("no permalink for %s/%s: %s", channel, ts, error)
        domain = (body.get("team") or {}).get("domain") or "app"
        return f"https://{domain}.slack.com/archives/{channel}/p{ts.replace('.', '')}"


def _metadata(view: dict[str, Any]) -> dict[str, Any]:
    try:
        data = json.loads(view.get("private_metadata") or "{}")
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}
