"""Web API methods: views."""

from __future__ import annotations

from ..decoding import Args, SlackError, invalid_arguments
from ..identities import JSON, MAX_MODAL_STACK
from ..workspace import Workspace, with_block_ids
from .registry import api, check_view


@api("views.open")
def views_open(ws: Workspace, args: Args) -> JSON:
    # The view is checked before the trigger is spent, so a fixed view can reuse the trigger.
    payload = _unique_external_id(ws, check_view(args.get("view"), "modal"))
    trigger = ws.redeem_trigger(args.text("trigger_id"))
    view = ws.new_view(trigger.user, payload, trigger_id=trigger.id)
    ws.modal_stacks[trigger.user] = [view.id]  # a new modal replaces whatever the user had open
    return {"view": view.to_slack()}


@api("views.push")
def views_push(ws: Workspace, args: Args) -> JSON:
    payload = _unique_external_id(ws, check_view(args.get("view"), "modal"))
    trigger = ws.redeem_trigger(args.text("trigger_id"))
    stack = ws.modal_stacks.get(trigger.user, [])
    if not stack:
        raise invalid_arguments("no modal is open to push onto [json-pointer:/trigger_id]")
    if len(stack) >= MAX_MODAL_STACK:
        raise SlackError("push_limit_reached")
    view = ws.new_view(
        trigger.user,
        payload,
        trigger_id=trigger.id,
        root_view_id=stack[0],
        previous_view_id=stack[-1],
    )
    stack.append(view.id)
    return {"view": view.to_slack()}


@api("views.update")
def views_update(ws: Workspace, args: Args) -> JSON:
    view_id, external_id = args.text("view_id"), args.text("external_id")
    if not view_id and not external_id:
        raise invalid_arguments("missing required field: view_id")
    view = ws.views.get(view_id or "") or next(
        (v for v in ws.views.values() if external_id and v.external_id == external_id), None
    )
    if view is None:
        raise SlackError("not_found")
    if args.has("hash") and args.text("hash") != view.hash:
        raise SlackError("hash_conflict")
    payload = check_view(args.get("view"), view.type)
    view.payload = payload | {"blocks": with_block_ids(payload.get("blocks", []))}
    view.hash = ws.new_hash()
    return {"view": view.to_slack()}


@api("views.publish")
def views_publish(ws: Workspace, args: Args) -> JSON:
    user = args.text("user_id")
    if user not in ws.users:
        raise invalid_arguments("invalid `user_id`")
    payload = check_view(args.get("view"), "home")
    view = ws.views.get(ws.home_views.get(user, ""))
    if view is None:
        view = ws.new_view(user, payload)
        ws.home_views[user] = view.id
        return {"view": view.to_slack()}
    if args.has("hash") and args.text("hash") != view.hash:
        raise SlackError("hash_conflict")
    view.payload = payload | {"blocks": with_block_ids(payload.get("blocks", []))}
    view.hash = ws.new_hash()
    return {"view": view.to_slack()}


def _unique_external_id(ws: Workspace, payload: JSON) -> JSON:
    external_id = payload.get("external_id")
    if external_id and any(v.external_id == external_id for v in ws.views.values()):
        raise SlackError("duplicate_external_id")
    return payload
