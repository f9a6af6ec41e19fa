"""Status updates and who hears them: `/incident update` (and a nudge's "Post update"
button) opens the update form, which a draft from Claude replaces after the ack; the form's
submission; `/incident subscribe`/`unsubscribe` and `publish`/`unpublish`, and the
announcement's Subscribe and Publish buttons."""

import json
import logging
from datetime import timedelta
from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.adapters.slack import blocks
from bot.adapters.slack.client import in_plain_words
from bot.adapters.slack.ids import Action, Callback, Field
from bot.config import parse_duration
from bot.errors import ChatUnavailable, IncidentClosed, IncidentError
from bot.requests import OpenUpdate, Publish, Subscribe, UpdateRequest
from bot.update_entries import MAX_UPDATE_FIELD, Update
from handlers.deps import Deps
from handlers.errors import REFUSAL, reported
from models import Incident, Status

log = logging.getLogger(__name__)

# Bolt hands the ack function's context, copied, to the work after the ack: the opened
# form (its view ID and hash) and a refusal travel there this way.
FORM = "sitrep_update_form"


def open_form(client: WebClient, trigger_id: str, incident: Incident, deps: Deps) -> dict[str, Any]:
    """Opens the update form at once (before the ack: the trigger lives 3 seconds), started
    from the previous update; returns what the draft needs to replace it after the ack."""
    assert incident.id is not None
    if incident.status is Status.CLOSED:
        raise IncidentClosed(incident.ref)
    latest = deps.updates.latest(incident.id)
    previous = deps.updates.previous(incident.id)
    modal = blocks.update_modal(incident, previous, drafting=deps.updates.drafts)
    try:
        opened = client.views_open(trigger_id=trigger_id, view=modal)
    except SlackApiError as error:
        raise ChatUnavailable(f"I couldn't open the form: {in_plain_words(error)}") from error
    view = opened["view"]
    return {
        "view": view["id"],
        "hash": view.get("hash"),
        "incident": incident.id,
        "latest": latest.id if latest else None,
    }


def draft_into_form(deps: Deps, client: WebClient, form: dict[str, Any] | None) -> None:
    """After the ack: the form shows Claude's draft instead, unless the person posted an
    update meanwhile or the form changed (its hash); a failed draft just leaves the form
    as it was, without the "drafting" note. Claude may take seconds: the drafting threads
    wait for it, not the ones acknowledged work needs."""
    if not form or not deps.updates.drafts:
        return
    deps.background.run(
        lambda: _show_draft(deps, client, form), f"drafting an update of {form['incident']}"
    )


def _show_draft(deps: Deps, client: WebClient, form: dict[str, Any]) -> None:
    incident = deps.incidents.get(int(form["incident"]))
    assert incident.id is not None
    draft = deps.updates.draft(incident.id)
    latest = deps.updates.latest(incident.id)
    if (latest.id if latest else None) != form["latest"]:
        return  # an update was posted since the form opened: it was this one, or it's moot
    if draft is not None:
        view = blocks.update_modal(incident, draft, drafted=True)
    else:  # the same block IDs: whatever the person typed stays
        view = blocks.update_modal(incident, deps.updates.previous(incident.id))
    try:
        client.views_update(view_id=form["view"], hash=form["hash"], view=view)
    except SlackApiError as error:
        # Submitted or closed (not_found), or changed since (hash_conflict): theirs wins.
        log.info("update draft not shown: %s", in_plain_words(error))


def answer(
    request: UpdateRequest,
    command: dict[str, Any],
    deps: Deps,
    client: WebClient,
    context: BoltContext,
) -> dict[str, Any]:
    """The fast part of a command, before the ack; returns the ack's content."""
    user, channel = command["user_id"], command.get("channel_id")
    incident = deps.incidents.find(request.ref, channel, user)
    assert incident.id is not None
    match request:
        case OpenUpdate():
            context[FORM] = open_form(client, command["trigger_id"], incident, deps)
            return {}
        case Subscribe(follow=True):
            deps.updates.subscribe(incident.id, user)
            return _private(
                f"You'll get each update on {incident.ref} by direct message. "
                f"`/incident unsubscribe {incident.ref}` stops them."
            )
        case Subscribe():
            deps.updates.unsubscribe(incident.id, user)
            return _private(f"You won't get updates on {incident.ref} any more.")
        case Publish(publish=True):
            deps.updates.publish(incident.id, user)
            if incident.channel_id == channel:
                return {}  # the channel sees it posted
            return _private(f"{incident.ref} is on the status page now, with its public updates.")
        case Publish():
            deps.updates.unpublish(incident.id, user)
            if incident.channel_id == channel:
                return {}
            return _private(f"{incident.ref} is off the status page.")
    raise AssertionError(f"unhandled request {request!r}")


def follow_up(
    request: UpdateRequest, command: dict[str, Any], deps: Deps, client: WebClient, form: Any
) -> None:
    """After the ack: the draft into the form, or the announcement's Publish button."""
    if isinstance(request, OpenUpdate):
        draft_into_form(deps, client, form)
    elif isinstance(request, Publish):
        try:
            incident = deps.incidents.find(
                request.ref, command.get("channel_id"), command["user_id"]
            )
        except IncidentError:
            return
        assert incident.id is not None
        deps.rooms.refresh(incident.id)


def register(app: App, deps: Deps) -> None:
    def post_update(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        """The update form: stored before the ack; what is wrong is shown on the form."""
        values = _values(view)
        incident_id = int(_metadata(view).get("incident") or 0)
        try:
            update = _update(values)
            deps.updates.post(incident_id, body["user"]["id"], update)
        except _Invalid as invalid:
            ack(response_action="errors", errors=invalid.errors)
            return
        except IncidentError as error:
            ack(response_action="errors", errors={_block(values, Field.HAPPENING): str(error)})
            return
        ack()

    @reported
    def show_update(view: dict[str, Any]) -> None:
        """After the ack: the channel shows the update, and stakeholder channels and
        subscribers get it now rather than at the next tick."""
        incident_id = _metadata(view).get("incident")
        if incident_id:
            deps.rooms.refresh(int(incident_id))
            deps.schedule.tick()

    app.view(Callback.UPDATE)(ack=post_update, lazy=[show_update])

    def control(change: Any) -> Any:
        def apply(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
            try:
                incident = deps.incidents.find(None, (body.get("channel") or {}).get("id"))
                assert incident.id is not None
                context[REFUSAL] = change(incident.id, body["user"]["id"])
            except IncidentError as error:
                context[REFUSAL] = str(error)
            ack()

        return apply

    @reported
    def tell(body: dict[str, Any], respond: Respond, context: BoltContext) -> None:
        """After the ack: the clicker is told what happened (or why not), privately, and
        the announcement shows the change."""
        if said := context.get(REFUSAL):
            respond(response_type="ephemeral", replace_original=False, text=said)
        incident = deps.incidents.by_channel((body.get("channel") or {}).get("id", ""))
        if incident is not None and incident.id is not None:
            deps.rooms.refresh(incident.id)

    def subscribe(incident_id: int, user: str) -> str:
        incident = deps.updates.subscribe(incident_id, user)
        return (
            f"You'll get each update on {incident.ref} by direct message. "
            f"`/incident unsubscribe {incident.ref}` stops them."
        )

    def publish(incident_id: int, user: str) -> str:
        deps.updates.publish(incident_id, user)
        return ""

    def unpublish(incident_id: int, user: str) -> str:
        deps.updates.unpublish(incident_id, user)
        return ""

    app.action(Action.SUBSCRIBE)(ack=control(subscribe), lazy=[tell])
    app.action(Action.PUBLISH)(ack=control(publish), lazy=[tell])
    app.action(Action.UNPUBLISH)(ack=control(unpublish), lazy=[tell])


class _Invalid(Exception):
    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(errors)
        self.errors = errors


def _metadata(view: dict[str, Any]) -> dict[str, Any]:
    try:
        found = json.loads(view.get("private_metadata") or "{}")
    except ValueError:
        return {}
    return found if isinstance(found, dict) else {}


def _values(view: dict[str, Any]) -> dict[str, tuple[str, dict[str, Any]]]:
    """Each input's (block ID, state) by its action ID: a drafted form's block IDs differ."""
    return {
        action: (block, state)
        for block, actions in view["state"]["values"].items()
        for action, state in actions.items()
    }


def _block(values: dict[str, tuple[str, dict[str, Any]]], field: Field) -> str:
    """The block ID `field` has on this form (a drafted form's differ)."""
    return values.get(field, (str(field), {}))[0]


def _update(values: dict[str, tuple[str, dict[str, Any]]]) -> Update:
    def text(field: Field) -> str:
        return ((values.get(field, ("", {}))[1]).get("value") or "").strip()

    errors: dict[str, str] = {}
    if not text(Field.HAPPENING):
        errors[_block(values, Field.HAPPENING)] = "Say what is happening."
    for field in (Field.HAPPENING, Field.IMPACT, Field.NEXT_STEPS):
        if len(text(field)) > MAX_UPDATE_FIELD:
            errors[_block(values, field)] = f"Keep it under {MAX_UPDATE_FIELD} characters."
    next_update: timedelta | None = None
    choice = ((values.get(Field.NEXT_UPDATE, ("", {}))[1]).get("selected_option") or {}).get(
        "value"
    )
    if choice and choice != "none":
        try:
            next_update = parse_duration(str(choice))
        except ValueError:
            errors[Field.NEXT_UPDATE] = "Choose when the next update comes."
    if errors:
        raise _Invalid(errors)
    public = bool((values.get(Field.PUBLIC, ("", {}))[1]).get("selected_options"))
    return Update(
        happening=blocks.from_form(text(Field.HAPPENING)),
        impact=blocks.from_form(text(Field.IMPACT)),
        next_steps=blocks.from_form(text(Field.NEXT_STEPS)),
        public=public,
        next_update_in=next_update,
    )


def _private(text: str) -> dict[str, Any]:
    return {"response_type": "ephemeral", "text": text}
