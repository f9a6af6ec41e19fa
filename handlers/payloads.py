"""The shape of what Slack sends, checked once before Bolt sees a request (Bolt's own
middleware reads the body before any listener): a payload with a field of the wrong type,
or without one Slack always sends, is answered 400 and changes nothing.

Listeners may then read `body["user"]["id"]` or `action["selected_option"]["value"]` as
Slack's documentation promises, instead of guarding each read."""

import re
from typing import Any

from bot.adapters.slack.ids import Action

# Fields that, where present, are strings (IDs, timestamps, text, values).
_STRINGS = (
    "action_id", "block_id", "value", "selected_user", "selected_date", "selected_time",
    "selected_channel", "selected_conversation", "callback_id", "trigger_id", "response_url",
    "message_ts", "private_metadata", "hash", "id", "type", "user", "channel", "ts",
    "subtype", "thread_ts", "event_ts", "deleted_ts", "reaction", "tab", "inviter", "team",
)  # fmt: skip
# Fields that, where present, are objects, or lists of objects.
_OBJECTS = (
    "user", "channel", "team", "container", "message", "previous_message", "view", "state",
    "item", "edited", "selected_option", "event",
)  # fmt: skip
_LISTS = ("actions", "files", "selected_options", "blocks")
# Slack's object IDs (users, channels, views, teams) are a dozen characters; allow margin.
_ID_MAX = 32
_IDS = ("selected_user", "selected_channel", "selected_conversation", "inviter")
# A trigger ID keys the incident a command or form declares: `command:<trigger_id>` must
# fit the 64 characters of a request key (Slack's are about 45).
_TRIGGER_MAX = 56


# Slack's message timestamps: seconds, a dot, microseconds ("1712345678.123456").
_TS = re.compile(r"\d{1,12}(\.\d{1,9})?")
_TIMESTAMPS = ("ts", "thread_ts", "event_ts", "deleted_ts", "message_ts")


# Sitrep's buttons whose listeners read the value they carry.
_VALUED = frozenset({
    Action.COMPLETE_ITEM, Action.CANCEL_ITEM, Action.ACCEPT_PROPOSAL, Action.CONFIRM_CATEGORY,
    Action.DECLARE_FROM_ALERT, Action.DISMISS_ALERT, Action.ACK_PAGE, Action.ESCALATE_PAGE,
    Action.MORE_RESULTS,
})  # fmt: skip


# Those whose value is a number: an item's, a triage's or a page's ID, or minutes.
_NUMBERED = frozenset({
    Action.COMPLETE_ITEM, Action.CANCEL_ITEM, Action.DECLARE_FROM_ALERT, Action.DISMISS_ALERT,
    Action.ACK_PAGE, Action.ESCALATE_PAGE,
})  # fmt: skip
_NUMBER = re.compile(r"\d{1,18}")


class Malformed(ValueError):
    """Where a payload departs from Slack's shape."""


def check(body: dict[str, Any]) -> None:
    """Raises Malformed unless `body` has the shape of a request Slack sends."""
    kind = body.get("type")
    for key in ("view", "event"):  # Bolt itself reads these, even to ignore a request
        if key in body and not isinstance(body[key], dict):
            raise Malformed(key)
    if "command" in body:  # a slash command: form fields, all strings
        _require(body, ("command", "user_id", "channel_id", "trigger_id"), "")
        _short(body, ("user_id", "channel_id", "team_id"), _ID_MAX, "")
        _short(body, ("trigger_id",), _TRIGGER_MAX, "")
        return
    if kind == "event_callback":
        event = body.get("event")
        if not isinstance(event, dict) or not isinstance(event.get("type"), str):
            raise Malformed("event")
        _fields(event, "event", depth=0)
        if event["type"] in ("app_home_opened", "member_joined_channel"):
            _require(event, ("user",), "event.")
        if event["type"] == "member_joined_channel":
            _require(event, ("channel",), "event.")
        for message in (event, event.get("message"), event.get("previous_message")):
            if isinstance(message, dict):
                # A null ts is no timestamp: looked up, it would match Sitrep's own entries.
                _strings(message, ("user", "channel", "text", "ts"), "event.")
                _short(message, ("user",), _ID_MAX, "event.")  # stored as the author
        return
    if kind in ("block_actions", "block_suggestion", "view_submission", "view_closed",
                "shortcut", "message_action"):  # fmt: skip
        user = body.get("user")
        if not isinstance(user, dict) or not isinstance(user.get("id"), str):
            raise Malformed("user.id")
        _short(user, ("id",), _ID_MAX, "user.")
        _short(body, ("trigger_id",), _TRIGGER_MAX, "")
        _fields(body, "", depth=0, skip=("user",))
        if not isinstance(body.get("channel") or {}, dict):
            raise Malformed("channel")
        if isinstance(body.get("message"), dict):
            _strings(body["message"], ("text",), "message.")
        if kind == "block_actions":
            if not body.get("actions"):
                raise Malformed("actions")
            for n, action in enumerate(body["actions"]):
                _require(action, ("action_id",), f"actions[{n}].")
                _control(action, f"actions[{n}].")
            if (body.get("container") or {}).get("type") == "message" or body.get("message"):
                _require(body, ("response_url",), "")  # Slack gives one for every message
        if kind in ("block_actions", "view_submission", "shortcut", "message_action"):
            _require(body, ("trigger_id",), "")
        if kind in ("view_submission", "view_closed"):
            view = body.get("view")
            if not isinstance(view, dict):
                raise Malformed("view")
            _require(view, ("id", "callback_id", "type"), "view.")
            _short(view, ("id",), _ID_MAX, "view.")
            _state(view.get("state"))
            blocks = view.get("blocks") or []
            if not all(
                isinstance(b.get("block_id"), str) for b in blocks if b.get("type") == "input"
            ):
                raise Malformed("view.blocks.block_id")  # Slack gives every input block one
        if kind in ("shortcut", "message_action"):
            _require(body, ("callback_id",), "")
        if kind == "message_action":
            _require(body, ("message_ts",), "")
            if not isinstance(body.get("channel"), dict):
                raise Malformed("channel")
            _require(body["channel"], ("id",), "channel.")
        if kind == "block_suggestion":
            _require(body, ("action_id",), "")


def _require(body: dict[str, Any], keys: tuple[str, ...], where: str) -> None:
    for key in keys:
        if not isinstance(body.get(key), str):
            raise Malformed(where + key)


def _control(action: dict[str, Any], where: str) -> None:
    """What a used element always carries, by its type; and the value of Sitrep's buttons
    that carry one (a click on a button without one is not from Sitrep's message)."""
    kind, action_id = action.get("type"), action["action_id"]
    if kind in ("static_select", "radio_buttons", "overflow"):
        option = action.get("selected_option")
        if not isinstance(option, dict):
            raise Malformed(where + "selected_option")
        _require(option, ("value",), where + "selected_option.")
    elif kind == "users_select":
        _require(action, ("selected_user",), where)
    elif kind == "datepicker":
        _require(action, ("selected_date",), where)
    elif "value" in action or action_id in _VALUED or action_id.startswith(f"{Action.SNOOZE}."):
        _require(action, ("value",), where)
        numbered = action_id in _NUMBERED or action_id.startswith(f"{Action.SNOOZE}.")
        if numbered and not _NUMBER.fullmatch(action["value"]):
            raise Malformed(where + "value")


def _short(node: dict[str, Any], keys: tuple[str, ...], most: int, where: str) -> None:
    for key in keys:
        if len(str(node.get(key) or "")) > most:
            raise Malformed(where + key)


def _strings(node: dict[str, Any], keys: tuple[str, ...], where: str) -> None:
    """Where present, these are strings."""
    for key in keys:
        if key in node and not isinstance(node[key], str):
            raise Malformed(where + key)


def _fields(node: dict[str, Any], where: str, *, depth: int, skip: tuple[str, ...] = ()) -> None:
    """The typed fields of `node` and of the objects it holds, a few levels down."""
    for key, value in node.items():
        if key in skip or value is None or depth > 4:
            continue
        at = f"{where}.{key}" if where else key
        if key in _OBJECTS and isinstance(value, dict):
            _fields(value, at, depth=depth + 1)
        elif (
            (key in _OBJECTS and key not in _STRINGS)
            or (key in _STRINGS and not isinstance(value, str))
            or (key in _TIMESTAMPS and not _TS.fullmatch(value))
            or (key in _IDS and len(value) > _ID_MAX)
        ):
            raise Malformed(at)
        elif key == "response_url" and not value.startswith(("https://", "http://")):
            raise Malformed(at)  # Slack's are https://hooks.slack.com/…
        elif key in _LISTS:
            if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
                raise Malformed(at)
            if key != "blocks":
                for n, item in enumerate(value):
                    _fields(item, f"{at}[{n}]", depth=depth + 1)


def _state(state: Any) -> None:
    """view.state.values: block ID -> action ID -> the element's state."""
    values = state.get("values") if isinstance(state, dict) else None
    if not isinstance(values, dict):
        raise Malformed("view.state.values")
    for block_id, block in values.items():
        if not isinstance(block, dict):
            raise Malformed(f"view.state.values.{block_id}")
        for action_id, element in block.items():
            if not isinstance(element, dict):
                raise Malformed(f"view.state.values.{block_id}.{action_id}")
            _fields(element, f"view.state.values.{block_id}.{action_id}", depth=0)
