"""People acting in the workspace, and the payloads Slack delivers to the app: the part of
`FakeSlack` that stands for the workspace's people."""

from __future__ import annotations

import copy
import secrets
import threading
import uuid
from typing import Any

from .decoding import SlackError
from .identities import APP_ID, BOT_USER_ID, JSON, TEAM_DOMAIN, TEAM_ID
from .methods.registry import check_view
from .records import Ephemeral, Message, _ResponseUrl
from .workspace import Workspace, rich_text, with_block_ids


class PeopleActing:
    """People acting and what Slack sends the app; `FakeSlack` sets the lock and the workspace."""

    _changed: threading.Condition
    _ws: Workspace

    # -- people acting: each stores the change and returns the inner Events API event ----------

    def user_posts(
        self,
        channel_id: str,
        user_id: str,
        text: str,
        thread_ts: str | None = None,
        files: list[JSON] | None = None,
    ) -> JSON:
        """A person posts (or replies in a thread); returns the `message` event."""
        with self._changed:
            channel = self._ws.channels[channel_id]
            if user_id not in channel.members:
                raise ValueError(f"{user_id} is not in #{channel.name}; call user_joins first")
            message = Message(
                channel_id,
                self._ws.next_ts(),
                text,
                user_id,
                blocks=rich_text(text),
                thread_ts=thread_ts,
                files=copy.deepcopy(files or []),
                subtype="file_share" if files else None,
                client_msg_id=str(uuid.uuid4()),
            )
            self._ws.post(message)
            self._changed.notify_all()
            return message.to_slack() | {
                "channel": channel_id,
                "event_ts": message.ts,
                "channel_type": channel.channel_type,
            }

    def user_edits(self, channel_id: str, ts: str, user: str, new_text: str) -> JSON:
        """A person edits their message; returns the `message_changed` event."""
        with self._changed:
            message = self._ws.messages[channel_id][ts]
            previous = message.to_slack()
            self._ws.edit(message, user, new_text, rich_text(new_text))
            self._changed.notify_all()
            return self._hidden_event(
                channel_id, "message_changed", message=message.to_slack(), previous_message=previous
            )

    def user_deletes(self, channel_id: str, ts: str) -> JSON:
        """A message disappears; returns the `message_deleted` event."""
        with self._changed:
            message = self._ws.messages[channel_id][ts]
            previous = message.to_slack()
            self._ws.remove(message)
            self._changed.notify_all()
            return self._hidden_event(
                channel_id, "message_deleted", previous_message=previous, deleted_ts=ts
            )

    def user_reacts(self, channel_id: str, ts: str, user: str, reaction: str) -> JSON:
        """A person adds an emoji reaction; returns the `reaction_added` event."""
        with self._changed:
            message = self._ws.messages[channel_id][ts]
            entry = next((r for r in message.reactions if r["name"] == reaction), None)
            if entry is None:
                entry = {"name": reaction, "users": [], "count": 0}
                message.reactions.append(entry)
            if user not in entry["users"]:
                entry["users"].append(user)
                entry["count"] += 1
            self._changed.notify_all()
            return {
                "type": "reaction_added",
                "user": user,
                "item": {"type": "message", "channel": channel_id, "ts": ts},
                "reaction": reaction,
                "item_user": message.user,
                "event_ts": self._ws.next_ts(),
            }

    def user_joins(self, channel_id: str, user: str, inviter: str | None = None) -> JSON:
        """A person joins (or is added to) a channel; returns `member_joined_channel`."""
        with self._changed:
            channel = self._ws.channels[channel_id]
            self._ws.user(user)
            self._ws.join(channel, user, inviter)
            self._changed.notify_all()
            event: JSON = {
                "type": "member_joined_channel",
                "user": user,
                "channel": channel_id,
                "channel_type": "G" if channel.is_private else "C",
                "team": TEAM_ID,
            }
            if inviter:
                event["inviter"] = inviter
            return event

    def user_archives(self, channel_id: str, user: str, *, archived: bool = True) -> JSON:
        """A person archives (or unarchives) a channel; returns the `channel_archive` event
        (`group_archive` for a private channel, `…_unarchive` for the reverse)."""
        with self._changed:
            channel = self._ws.channels[channel_id]
            if channel.is_archived == archived:
                raise ValueError(f"#{channel.name} is already {'' if archived else 'un'}archived")
            channel.is_archived = archived
            self._changed.notify_all()
            kind = "group" if channel.is_private else "channel"
            verb = "archive" if archived else "unarchive"
            return {"type": f"{kind}_{verb}", "channel": channel_id, "user": user}

    def event_for_bot_message(self, channel_id: str, ts: str) -> JSON:
        """The `message` event Slack sends for a message the bot itself posted."""
        with self._changed:
            message = self._ws.messages[channel_id][ts]
            channel = self._ws.channels[channel_id]
            return message.to_slack() | {
                "channel": channel_id,
                "event_ts": message.ts,
                "channel_type": channel.channel_type,
            }

    def app_mention_for(self, channel_id: str, ts: str) -> JSON:
        """The `app_mention` event for a stored message that mentions the bot."""
        with self._changed:
            message = self._ws.messages[channel_id][ts]
            event: JSON = {
                "type": "app_mention",
                "text": message.text,
                "user": message.user,
                "ts": message.ts,
                "blocks": copy.deepcopy(message.blocks),
                "team": TEAM_ID,
                "channel": channel_id,
                "event_ts": message.ts,
            }
            if message.thread_ts:
                event["thread_ts"] = message.thread_ts
            return event

    def _hidden_event(self, channel_id: str, subtype: str, **fields: Any) -> JSON:
        ts = self._ws.next_ts()
        return {
            "type": "message",
            "subtype": subtype,
            **fields,
            "channel": channel_id,
            "hidden": True,
            "ts": ts,
            "event_ts": ts,
            "channel_type": self._ws.channels[channel_id].channel_type,
        }

    # -- what Slack delivers to the app (send these through `fake.socket.send_envelope`) ---------

    def event_callback(self, event: JSON) -> JSON:
        """Wrap an inner event in the Events API envelope (`events_api` payload)."""
        event_time = self._ws.now()
        return {
            "token": "verification_token",
            "team_id": TEAM_ID,
            "api_app_id": APP_ID,
            "event": event,
            "type": "event_callback",
            "event_id": f"Ev{secrets.token_hex(5).upper()}",
            "event_time": event_time,
            "authorizations": [
                {
                    "enterprise_id": None,
                    "team_id": TEAM_ID,
                    "user_id": BOT_USER_ID,
                    "is_bot": True,
                    "is_enterprise_install": False,
                }
            ],
            "is_ext_shared_channel": False,
            "event_context": f"4-{secrets.token_urlsafe(12)}",
        }

    def slash_command(self, command: str, text: str = "", *, user: str, channel: str) -> JSON:
        """A slash command payload (`slash_commands`), with a live trigger_id and response_url."""
        with self._changed:
            person, place = self._ws.user(user), self._ws.channels[channel]
            return {
                "token": "verification_token",
                "team_id": TEAM_ID,
                "team_domain": TEAM_DOMAIN,
                "channel_id": place.id,
                "channel_name": place.name,
                "user_id": person.id,
                "user_name": person.name,
                "command": command,
                "text": text,
                "api_app_id": APP_ID,
                "is_enterprise_install": "false",
                "response_url": self._ws.issue_response_url(
                    _ResponseUrl(place.id, person.id, None, None)
                ),
                "trigger_id": self._ws.issue_trigger(person.id),
            }

    def click(
        self,
        channel_id: str,
        ts: str,
        action_id: str,
        user: str,
        value: str | None = None,
        block_id: str | None = None,
    ) -> JSON:
        """A `block_actions` payload (`interactive`) for a person using an element in a message
        (in the block `block_id`, where several blocks have an element with `action_id`)."""
        with self._changed:
            message = self._ws.messages[channel_id][ts]
            container = {"type": "message", "message_ts": ts, "channel_id": channel_id,
                         "is_ephemeral": False}  # fmt: skip
            return self._block_actions(
                user, message.blocks, action_id, value, block_id, container,
                channel={"id": channel_id, "name": self._ws.channels[channel_id].name},
                message=message.to_slack(),
                state={"values": {}},
                response_url=self._ws.issue_response_url(
                    _ResponseUrl(channel_id, user, ts, message.thread_ts)
                ),
            )  # fmt: skip

    def click_ephemeral(
        self,
        channel_id: str,
        blocks: list[JSON],
        action_id: str,
        user: str,
        value: str | None = None,
        block_id: str | None = None,
    ) -> JSON:
        """A `block_actions` payload for an element in an ephemeral reply (a command's private
        answer): Slack sends the container and a response_url, but no `message`."""
        with self._changed:
            ts = self._ws.next_ts()
            container = {"type": "message", "message_ts": ts, "channel_id": channel_id,
                         "is_ephemeral": True}  # fmt: skip
            return self._block_actions(
                user, blocks, action_id, value, block_id, container,
                channel={"id": channel_id, "name": self._ws.channels[channel_id].name},
                response_url=self._ws.issue_response_url(
                    _ResponseUrl(channel_id, user, ts, None)
                ),
            )  # fmt: skip

    def click_in_view(
        self,
        view_id: str,
        action_id: str,
        user: str,
        value: str | None = None,
        block_id: str | None = None,
    ) -> JSON:
        """A `block_actions` payload for an element in a view (the App Home tab or a modal):
        Slack sends the view, and no response_url."""
        with self._changed:
            view = self._ws.views[view_id].to_slack()
            container = {"type": "view", "view_id": view_id}
            return self._block_actions(
                user, view.get("blocks", []), action_id, value, block_id, container, view=view
            )

    def _block_actions(
        self,
        user: str,
        blocks: list[JSON],
        action_id: str,
        value: str | None,
        block_id: str | None,
        container: JSON,
        **where: Any,
    ) -> JSON:
        """The payload Slack sends when a person uses the element `action_id` (in the block
        `block_id`, if given) among `blocks`; `where` adds what the surface adds."""
        person = self._ws.user(user)
        wanted = [b for b in blocks if block_id in (None, b.get("block_id"))]
        block, element = _find_action(wanted, action_id)
        return {
            "type": "block_actions",
            "user": {"id": person.id, "username": person.name, "name": person.name,
                     "team_id": TEAM_ID},
            "api_app_id": APP_ID,
            "token": "verification_token",
            "container": container,
            "trigger_id": self._ws.issue_trigger(person.id),
            "team": {"id": TEAM_ID, "domain": TEAM_DOMAIN},
            "enterprise": None,
            "is_enterprise_install": False,
            **where,
            "actions": [_action(block, element, value, self._ws.next_ts())],
        }  # fmt: skip

    def message_shortcut(self, channel_id: str, ts: str, callback_id: str, user: str) -> JSON:
        """A `message_action` payload: a person picks a message shortcut on a message."""
        with self._changed:
            person, channel = self._ws.user(user), self._ws.channels[channel_id]
            message = self._ws.messages[channel_id][ts]
            return {
                "type": "message_action",
                "token": "verification_token",
                "action_ts": self._ws.next_ts(),
                "team": {"id": TEAM_ID, "domain": TEAM_DOMAIN},
                "user": {"id": person.id, "name": person.name},
                "channel": {"id": channel.id, "name": channel.name},
                "is_enterprise_install": False,
                "enterprise": None,
                "callback_id": callback_id,
                "trigger_id": self._ws.issue_trigger(person.id),
                "message_ts": ts,
                "message": message.to_slack(),
                "response_url": self._ws.issue_response_url(
                    _ResponseUrl(channel.id, person.id, None, None)
                ),
            }

    def submit_view(self, view_id: str, user: str, values: JSON | None = None) -> JSON:
        """A `view_submission` payload (`interactive`); `values` is `view.state.values`."""
        with self._changed:
            view = self._ws.views[view_id]
            person = self._ws.user(user)
            view.state = {"values": copy.deepcopy(values or {})}
            return {
                "type": "view_submission",
                "team": {"id": TEAM_ID, "domain": TEAM_DOMAIN},
                "user": {
                    "id": person.id,
                    "username": person.name,
                    "name": person.name,
                    "team_id": TEAM_ID,
                },
                "api_app_id": APP_ID,
                "token": "verification_token",
                "trigger_id": self._ws.issue_trigger(person.id),
                "view": view.to_slack(),
                "response_urls": [],
                "is_enterprise_install": False,
                "enterprise": None,
            }

    # -- what Slack does with the app's answers (the sandbox's browser client) -----------------

    def show_ack(self, channel_id: str, user: str, body: JSON) -> None:
        """What Slack does with an acknowledgement that carries a message (a slash command's
        answer): posts it in the channel for `response_type: in_channel`, else shows it to the
        person alone."""
        text, blocks = str(body.get("text", "")), list(body.get("blocks") or [])
        if not text and not blocks:
            return
        with self._changed:
            if body.get("response_type") == "in_channel":
                self._ws.post_as_bot(channel_id, text, blocks)
            else:
                ts = self._ws.next_ts()
                self._ws.ephemerals.append(
                    Ephemeral(channel_id, user, text, with_block_ids(blocks), None, ts, "ack")
                )
            self._changed.notify_all()

    def answer_submission(self, view_id: str, user: str, body: JSON | None) -> JSON:
        """What Slack does with the app's answer to a view submission: `errors` keeps the
        modal open and returns them; `update` and `push` change the stack; `clear` closes
        every modal; anything else closes the submitted one."""
        body = body or {}
        action = body.get("response_action")
        with self._changed:
            stack = self._ws.modal_stacks.get(user, [])
            try:
                if action == "errors":
                    return dict(body.get("errors") or {})
                if action == "clear":
                    self._ws.modal_stacks.pop(user, None)
                elif action == "update":
                    view = self._ws.views[view_id]
                    payload = check_view(body.get("view"), "modal")
                    view.payload = payload | {"blocks": with_block_ids(payload.get("blocks", []))}
                    view.hash = self._ws.new_hash()
                elif action == "push":
                    payload = check_view(body.get("view"), "modal")
                    new = self._ws.new_view(
                        user, payload, root_view_id=stack[0] if stack else view_id,
                        previous_view_id=view_id,
                    )  # fmt: skip
                    stack.append(new.id)
                elif view_id in stack:
                    del stack[stack.index(view_id) :]
                return {}
            except SlackError as error:  # Slack shows the modal's generic trouble notice
                return {"": f"Slack refused the app's answer: {error.body.get('error')}"}
            finally:
                self._changed.notify_all()


def _find_action(blocks: list[JSON], action_id: str) -> tuple[JSON, JSON]:
    for block in blocks:
        candidates = [*block.get("elements", []), block.get("accessory"), block.get("element")]
        for element in candidates:
            if isinstance(element, dict) and element.get("action_id") == action_id:
                return block, element
    raise KeyError(f"no element with action_id {action_id!r} in the message")


def _action(block: JSON, element: JSON, value: str | None, action_ts: str) -> JSON:
    action: JSON = {"action_id": element["action_id"], "block_id": block["block_id"]}
    kind = element.get("type")
    if kind == "button":
        action["text"] = copy.deepcopy(element.get("text"))
        if "value" in element:
            action["value"] = element["value"]
    elif kind in ("static_select", "overflow", "radio_buttons"):
        options = element.get("options") or [
            o for g in element.get("option_groups", []) for o in g["options"]
        ]
        selected = next((o for o in options if o.get("value") == value), None)
        if selected is None:
            raise KeyError(f"no option with value {value!r} in {element['action_id']!r}")
        action["selected_option"] = copy.deepcopy(selected)
    elif kind == "users_select" and value is not None:
        action["selected_user"] = value
    elif kind == "datepicker" and value is not None:
        action["selected_date"] = value
    elif value is not None:
        action["value"] = value
    return action | {"type": kind, "action_ts": action_ts}
