"""What tests read from the workspace (copies, safe to keep) and how they arrange it: the part
of `FakeSlack` that stands for the workspace's contents."""

from __future__ import annotations

import copy
import threading
from typing import Final

from .records import (
    Bookmark,
    Canvas,
    Channel,
    Ephemeral,
    Message,
    ResponsePost,
    UploadedFile,
    User,
    View,
    _ResponseUrl,
)
from .workspace import Workspace


class WorkspaceAccess:
    """Reading and arranging the workspace; `FakeSlack` sets the lock and the workspace."""

    _changed: threading.Condition
    _ws: Workspace

    # -- reading the workspace (copies, safe to keep) -------------------------------------------

    def user(self, user_id: str) -> User:
        with self._changed:
            return copy.deepcopy(self._ws.users[user_id])

    def channel(self, channel_id: str) -> Channel:
        with self._changed:
            return copy.deepcopy(self._ws.channels[channel_id])

    def channels(self) -> list[Channel]:
        """Every conversation, direct messages included, in creation order."""
        with self._changed:
            return [copy.deepcopy(c) for c in self._ws.channels.values()]

    def channel_by_name(self, name: str) -> Channel | None:
        with self._changed:
            found = next(
                (c for c in self._ws.channels.values() if c.name == name.lstrip("#")), None
            )
            return copy.deepcopy(found)

    def members(self, channel_id: str) -> set[str]:
        return self.channel(channel_id).members

    def topic(self, channel_id: str) -> str:
        return self.channel(channel_id).topic.value

    def purpose(self, channel_id: str) -> str:
        return self.channel(channel_id).purpose.value

    def messages(
        self, channel_id: str, include_threads: bool = True, include_system: bool = False
    ) -> list[Message]:
        """Messages oldest first. System notices (joins, topic changes, pins) only on request."""
        with self._changed:
            return [
                copy.deepcopy(m)
                for m in self._ws.messages[channel_id].values()
                if (include_threads or not m.is_reply or m.subtype == "thread_broadcast")
                and (include_system or m.subtype not in _SYSTEM_SUBTYPES)
            ]

    def direct_messages(self, user: str) -> list[Message]:
        """What the bot sent a person in their DM (App Home Messages tab), oldest first."""
        with self._changed:
            found = next(
                (c for c in self._ws.channels.values() if c.is_im and user in c.members), None
            )
            return self.messages(found.id) if found is not None else []

    def im_channel(self, user: str) -> str:
        """The ID of the bot's direct conversation with a person, opened on first use."""
        with self._changed:
            return self._ws.im_with(user).id

    def message(self, channel_id: str, ts: str) -> Message:
        with self._changed:
            return copy.deepcopy(self._ws.messages[channel_id][ts])

    def replies(self, channel_id: str, thread_ts: str) -> list[Message]:
        return [m for m in self.messages(channel_id) if m.is_reply and m.thread_ts == thread_ts]

    def pins(self, channel_id: str) -> list[Message]:
        """Pinned messages, in the order they were pinned."""
        with self._changed:
            return [
                copy.deepcopy(self._ws.messages[channel_id][ts]) for ts in self._ws.pins[channel_id]
            ]

    def bookmarks(self, channel_id: str) -> list[Bookmark]:
        """The channel's bookmarks, in the order they were added."""
        with self._changed:
            return copy.deepcopy(self._ws.bookmarks[channel_id])

    def ephemerals(self, channel: str | None = None, user: str | None = None) -> list[Ephemeral]:
        with self._changed:
            return [
                copy.deepcopy(e)
                for e in self._ws.ephemerals
                if channel in (None, e.channel) and user in (None, e.user)
            ]

    def view(self, view_id: str) -> View:
        with self._changed:
            return copy.deepcopy(self._ws.views[view_id])

    def home_view(self, user: str) -> View | None:
        with self._changed:
            view_id = self._ws.home_views.get(user)
            return copy.deepcopy(self._ws.views[view_id]) if view_id else None

    def open_views(self, user: str | None = None) -> list[View]:
        """Modals currently open, root first per user."""
        with self._changed:
            return [
                copy.deepcopy(self._ws.views[view_id])
                for owner, stack in self._ws.modal_stacks.items()
                if user in (None, owner)
                for view_id in stack
            ]

    def close_views(self, user: str) -> None:
        """The user dismisses their modals (or the app answered `response_action: clear`)."""
        with self._changed:
            self._ws.modal_stacks.pop(user, None)
            self._changed.notify_all()

    def files(self) -> list[UploadedFile]:
        with self._changed:
            return [copy.deepcopy(f) for f in self._ws.files.values()]

    def file(self, file_id: str) -> UploadedFile:
        with self._changed:
            return copy.deepcopy(self._ws.files[file_id])

    def files_in(self, channel_id: str) -> list[UploadedFile]:
        """Files shared to the channel, in upload order; `UploadedFile.text` reads the bytes."""
        with self._changed:
            return [copy.deepcopy(f) for f in self._ws.files.values() if channel_id in f.channels]

    def canvas(self, canvas_id: str) -> Canvas:
        with self._changed:
            return copy.deepcopy(self._ws.canvases[canvas_id])

    def channel_canvas(self, channel_id: str) -> Canvas | None:
        """The channel's own canvas (conversations.canvases.create), if it has one."""
        with self._changed:
            return copy.deepcopy(self._ws.channel_canvas(channel_id))

    def canvases_in(self, channel_id: str) -> list[Canvas]:
        """The channel canvas and the canvases tabbed in the channel, in creation order."""
        with self._changed:
            return [
                copy.deepcopy(c) for c in self._ws.canvases.values() if c.channel_id == channel_id
            ]

    def responses(self, url: str | None = None) -> list[ResponsePost]:
        with self._changed:
            return [copy.deepcopy(r) for r in self._ws.responses if url in (None, r.url)]

    # -- arranging the workspace ----------------------------------------------------------------

    def add_user(
        self, user_id: str, name: str, real_name: str = "", tz: str = "UTC", is_bot: bool = False
    ) -> User:
        with self._changed:
            user = User(user_id, name, real_name or name.title(), tz, is_bot, f"{name}@example.com")
            self._ws.users[user_id] = user
            return copy.deepcopy(user)

    def add_channel(
        self,
        name: str,
        *,
        private: bool = False,
        members: tuple[str, ...] = (),
        creator: str = "U_ALICE",
    ) -> Channel:
        """A channel made by a person; the bot is in it only if listed in `members`."""
        with self._changed:
            channel_id = self._ws.new_id("G" if private else "C")
            channel = self._ws.add_channel(
                channel_id, name, creator=creator, private=private, members=set(members)
            )
            self._changed.notify_all()
            return copy.deepcopy(channel)

    def issue_trigger_id(self, user: str = "U_ALICE", *, issued_seconds_ago: float = 0.0) -> str:
        """A trigger_id as an interaction would carry it; backdate it to test expiry."""
        with self._changed:
            self._ws.user(user)
            return self._ws.issue_trigger(user, issued_seconds_ago)

    def response_url(
        self,
        channel: str | None = None,
        user: str | None = None,
        message_ts: str | None = None,
        thread_ts: str | None = None,
    ) -> str:
        """A fresh response_url; posts are recorded, and with a channel they act as Slack's do."""
        with self._changed:
            return self._ws.issue_response_url(_ResponseUrl(channel, user, message_ts, thread_ts))


_SYSTEM_SUBTYPES: Final = frozenset(
    {"channel_join", "channel_topic", "channel_purpose", "pinned_item"}
)
