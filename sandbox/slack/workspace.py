"""The workspace: state plus the rules every method shares."""

from __future__ import annotations

import copy
import itertools
import secrets
import string
import time
from collections.abc import Callable
from typing import Any, Final

from .decoding import SlackError
from .identities import BOT_ID, BOT_USER_ID, JSON
from .records import (
    Bookmark,
    Canvas,
    Channel,
    Ephemeral,
    Message,
    ResponsePost,
    Revision,
    UploadedFile,
    User,
    View,
    _Pin,
    _ResponseUrl,
    _Trigger,
)

_SEED_USERS: Final = (
    User("U_ALICE", "alice", "Alice Adams", "Europe/London", email="alice@example.com"),
    User("U_BOB", "bob", "Bob Brown", "America/New_York", email="bob@example.com"),
    User("U_CAROL", "carol", "Carol Chen", "Asia/Tokyo", email="carol@example.com"),
    User("U_DAVE", "dave", "Dave Davies", "UTC", email="dave@example.com"),
    User(BOT_USER_ID, "sitrep", "Sitrep", "America/Los_Angeles", is_bot=True),
)
_BLOCK_ID_ALPHABET: Final = string.ascii_letters + string.digits


class Workspace:
    """Everything Slack knows about the test workspace. Callers hold FakeSlack's lock."""

    def __init__(self, clock: Callable[[], float], trigger_ttl: float | None) -> None:
        self.clock = clock
        self.trigger_ttl = trigger_ttl
        self.base_url = ""  # set once the HTTP server is listening
        self.socket_url: Callable[[], str] = lambda: ""
        self.users: dict[str, User] = {u.id: copy.copy(u) for u in _SEED_USERS}
        self.channels: dict[str, Channel] = {}
        self.messages: dict[str, dict[str, Message]] = {}  # channel -> ts -> message, ts order
        self.pins: dict[str, dict[str, _Pin]] = {}
        self.bookmarks: dict[str, list[Bookmark]] = {}  # channel -> bookmarks, oldest first
        self.views: dict[str, View] = {}
        self.modal_stacks: dict[str, list[str]] = {}  # user -> open modal view ids, root first
        self.home_views: dict[str, str] = {}  # user -> view id
        self.ephemerals: list[Ephemeral] = []
        self.response_urls: dict[str, _ResponseUrl] = {}
        self.responses: list[ResponsePost] = []
        self.files: dict[str, UploadedFile] = {}
        self.slow_file_processing = False
        self.upload_tickets: dict[str, str] = {}  # ticket -> file id
        self.canvases: dict[str, Canvas] = {}  # creation order
        self.deleted_canvases: set[str] = set()
        self.triggers: dict[str, _Trigger] = {}
        self._serial = itertools.count(1)
        self._last_ts_us = 0
        # While a history is imported (FakeSlack.backdated): the timestamps issued, unique.
        self.backdating: set[int] | None = None
        humans = {u.id for u in _SEED_USERS if not u.is_bot}
        self.add_channel("C_GENERAL", "general", creator="U_ALICE", members=humans, general=True)
        self.add_channel("C_INCIDENTS", "incidents", creator="U_ALICE", members=humans)

    # -- identifiers and time -------------------------------------------------------------------

    def new_id(self, prefix: str) -> str:
        return f"{prefix}{next(self._serial):08X}"

    def next_ts(self) -> str:
        """A message timestamp: wall clock in microseconds, strictly increasing (while a
        history is imported, the clock's time: unique, in the past)."""
        now_us = int(self.clock() * 1_000_000)
        if self.backdating is not None:
            while now_us in self.backdating:
                now_us += 1
            self.backdating.add(now_us)
        else:
            self._last_ts_us = now_us = max(now_us, self._last_ts_us + 1)
        seconds, micros = divmod(now_us, 1_000_000)
        return f"{seconds}.{micros:06d}"

    def now(self) -> int:
        return int(self.clock())

    # -- lookups that raise Slack's errors ------------------------------------------------------

    def user(self, user_id: str | None) -> User:
        if user_id is None or user_id not in self.users:
            raise SlackError("user_not_found")
        return self.users[user_id]

    def visible_channel(self, channel_id: str | None) -> Channel:
        """A channel the bot can see: any public one, private ones it belongs to."""
        channel = self.channels.get(channel_id or "")
        if channel is None or (channel.is_private and BOT_USER_ID not in channel.members):
            raise SlackError("channel_not_found")
        return channel

    def joined_channel(self, channel_id: str | None) -> Channel:
        """A channel the bot is a member of; public non-members get `not_in_channel`."""
        channel = self.visible_channel(channel_id)
        if BOT_USER_ID not in channel.members:
            raise SlackError("not_in_channel")
        return channel

    def destination(self, channel_id: str | None) -> Channel:
        """Where chat.postMessage lands: a channel the bot is in, or, given a person's user ID,
        the bot's DM with them (its App Home Messages tab), opened on first use."""
        user = self.users.get(channel_id or "")
        if user is not None and not user.is_bot:
            return self.im_with(user.id)
        return self.joined_channel(channel_id)

    def im_with(self, user_id: str) -> Channel:
        found = next((c for c in self.channels.values() if c.is_im and user_id in c.members), None)
        if found is not None:
            return found
        members = {BOT_USER_ID, user_id}
        channel = self.add_channel(
            self.new_id("D"), "", creator=BOT_USER_ID, private=True, members=members
        )
        channel.is_im = True
        return channel

    def channel_canvas(self, channel_id: str) -> Canvas | None:
        """The channel's own canvas (conversations.canvases.create), not canvases tabbed in it."""
        return next(
            (
                c
                for c in self.canvases.values()
                if c.kind == "channel" and c.channel_id == channel_id
            ),
            None,
        )

    def message(self, channel_id: str, ts: str | None) -> Message:
        message = self.messages.get(channel_id, {}).get(ts or "")
        if message is None:
            raise SlackError("message_not_found")
        return message

    def redeem_trigger(self, trigger_id: str | None) -> _Trigger:
        trigger = self.triggers.get(trigger_id or "")
        if trigger is None:
            raise SlackError("invalid_trigger_id")
        too_old = (
            self.trigger_ttl is not None and time.monotonic() - trigger.issued_at > self.trigger_ttl
        )
        # Slack documents `exchanged_trigger_id` for reuse, but answers reused and stale triggers
        # alike with `expired_trigger_id` in practice; apps must handle that one.
        if trigger.used or too_old:
            trigger.used = True
            raise SlackError("expired_trigger_id")
        trigger.used = True
        return trigger

    # -- changes --------------------------------------------------------------------------------

    def add_channel(
        self,
        channel_id: str,
        name: str,
        *,
        creator: str,
        private: bool = False,
        members: set[str] | frozenset[str] = frozenset(),
        general: bool = False,
    ) -> Channel:
        channel = Channel(
            id=channel_id,
            name=name,
            is_private=private,
            creator=creator,
            created=self.now(),
            members=set(members),
            is_general=general,
        )
        self.channels[channel_id] = channel
        self.messages[channel_id] = {}
        self.pins[channel_id] = {}
        self.bookmarks[channel_id] = []
        return channel

    def post(self, message: Message) -> Message:
        """Store a new message; thread it under its parent, as Slack does."""
        parent = self.messages[message.channel].get(message.thread_ts or "")
        if parent is not None and parent.is_reply:
            message.thread_ts = parent.thread_ts  # a reply to a reply joins the same thread
            parent = self.messages[message.channel].get(message.thread_ts or "")
        if parent is not None and message.is_reply:
            parent.thread_ts = parent.ts
            message.parent_user_id = parent.user
        self.messages[message.channel][message.ts] = message
        if message.is_reply:
            self.recount_thread(message.channel, message.thread_ts)
        return message

    def post_as_bot(
        self,
        channel_id: str,
        text: str,
        blocks: list[JSON] | None = None,
        *,
        thread_ts: str | None = None,
        metadata: JSON | None = None,
        files: list[JSON] | None = None,
        broadcast: bool = False,
    ) -> Message:
        message = Message(
            channel=channel_id,
            ts=self.next_ts(),
            text=text,
            user=BOT_USER_ID,
            bot_id=BOT_ID,
            blocks=with_block_ids(blocks or []),
            thread_ts=thread_ts,
            metadata=metadata,
            files=files or [],
            subtype="thread_broadcast" if broadcast and thread_ts else None,
        )
        return self.post(message)

    def system_message(self, channel: Channel, user: str, subtype: str, text: str) -> Message:
        """The channel_join / channel_topic / pinned_item notices Slack writes into history."""
        message = Message(channel.id, self.next_ts(), text, user, subtype=subtype)
        return self.post(message)

    def join(self, channel: Channel, user: str, inviter: str | None = None) -> Message:
        channel.members.add(user)
        notice = self.system_message(
            channel, user, "channel_join", f"<@{user}> has joined the channel"
        )
        if inviter:
            notice.extra["inviter"] = inviter
        return notice

    def remove(self, message: Message) -> None:
        """Delete a message; a thread parent with replies leaves a tombstone, as in Slack."""
        if message.reply_count:
            tombstone = Message(
                message.channel, message.ts, "This message was deleted.", "USLACKBOT"
            )
            tombstone.subtype, tombstone.extra = "tombstone", {"hidden": True}
            tombstone.thread_ts, tombstone.reply_count = message.thread_ts, message.reply_count
            tombstone.reply_users, tombstone.latest_reply = (
                message.reply_users,
                message.latest_reply,
            )
            self.messages[message.channel][message.ts] = tombstone
            return
        del self.messages[message.channel][message.ts]
        self.pins[message.channel].pop(message.ts, None)
        if message.is_reply:
            self.recount_thread(message.channel, message.thread_ts)

    def recount_thread(self, channel_id: str, thread_ts: str | None) -> None:
        """Derive the parent's reply_count / reply_users / latest_reply from its replies."""
        parent = self.messages[channel_id].get(thread_ts or "")
        if parent is None:
            return
        replies = [
            m for m in self.messages[channel_id].values() if m.is_reply and m.thread_ts == parent.ts
        ]
        parent.reply_count = len(replies)
        parent.reply_users = list(dict.fromkeys(m.user for m in replies if m.user))
        parent.latest_reply = replies[-1].ts if replies else None

    def edit(
        self, message: Message, editor: str, text: str | None, blocks: list[JSON] | None
    ) -> None:
        message.history.append(
            Revision(message.text, copy.deepcopy(message.blocks), message.edited)
        )
        if text is not None:
            message.text = text
        if blocks is not None:
            message.blocks = with_block_ids(blocks)
        message.edited = {"user": editor, "ts": self.next_ts()}

    def new_view(
        self,
        user: str,
        payload: JSON,
        *,
        trigger_id: str | None = None,
        root_view_id: str | None = None,
        previous_view_id: str | None = None,
    ) -> View:
        view_id = self.new_id("V")
        view = View(
            id=view_id,
            user=user,
            payload=payload | {"blocks": with_block_ids(payload.get("blocks", []))},
            hash=self.new_hash(),
            root_view_id=root_view_id or view_id,
            previous_view_id=previous_view_id,
            trigger_id=trigger_id,
        )
        self.views[view_id] = view
        return view

    def new_hash(self) -> str:
        return f"{self.now()}.{secrets.token_hex(4)}"

    def issue_trigger(self, user: str, age: float = 0.0) -> str:
        trigger_id = f"{next(self._serial)}.{secrets.randbelow(10**10)}.{secrets.token_hex(16)}"
        self.triggers[trigger_id] = _Trigger(trigger_id, user, time.monotonic() - age)
        return trigger_id

    def issue_response_url(self, context: _ResponseUrl) -> str:
        response_id = secrets.token_urlsafe(12)
        self.response_urls[response_id] = context
        return f"{self.base_url}/response/{response_id}"


def with_block_ids(blocks: list[JSON]) -> list[JSON]:
    """A copy of `blocks` where every block has a block_id: Slack invents short ones."""
    blocks = copy.deepcopy(blocks)
    taken = {b.get("block_id") for b in blocks if isinstance(b, dict)}
    for block in blocks:
        if isinstance(block, dict) and "block_id" not in block:
            block["block_id"] = _fresh_block_id(taken)
            taken.add(block["block_id"])
    return blocks


def _fresh_block_id(taken: set[Any]) -> str:
    while True:
        candidate = "".join(secrets.choice(_BLOCK_ID_ALPHABET) for _ in range(4))
        if candidate not in taken:
            return candidate


def rich_text(text: str) -> list[JSON]:
    """The blocks Slack's clients attach to a typed message."""
    section = {"type": "rich_text_section", "elements": [{"type": "text", "text": text}]}
    return with_block_ids([{"type": "rich_text", "elements": [section]}])
