"""Records: what the fake stores, and what tests read back."""

from __future__ import annotations

import copy
import mimetypes
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal
from zoneinfo import ZoneInfo

from .identities import APP_ID, BOT_ID, BOT_PROFILE, BOT_USER_ID, JSON, SLACK_URL, TEAM_ID


@dataclass
class User:
    id: str
    name: str
    real_name: str
    tz: str = "UTC"
    is_bot: bool = False
    email: str | None = None
    tz_offset: int = field(init=False)

    def __post_init__(self) -> None:
        offset = ZoneInfo(self.tz).utcoffset(datetime.now(UTC).replace(tzinfo=None))
        self.tz_offset = int(offset.total_seconds()) if offset is not None else 0

    def to_slack(self) -> JSON:
        profile: JSON = {
            "real_name": self.real_name,
            "display_name": self.name,
            "real_name_normalized": self.real_name,
            "display_name_normalized": self.name,
            "team": TEAM_ID,
        }
        if self.email is not None:
            profile["email"] = self.email
        if self.is_bot:
            profile |= {"bot_id": BOT_ID, "api_app_id": APP_ID}
        return {
            "id": self.id,
            "team_id": TEAM_ID,
            "name": self.name,
            "deleted": False,
            "real_name": self.real_name,
            "tz": self.tz,
            "tz_offset": self.tz_offset,
            "profile": profile,
            "is_admin": False,
            "is_owner": False,
            "is_primary_owner": False,
            "is_restricted": False,
            "is_ultra_restricted": False,
            "is_bot": self.is_bot,
            "is_app_user": False,
            "updated": 1_700_000_000,
        }


@dataclass
class ChannelText:
    """A channel's topic or purpose, with who set it and when."""

    value: str = ""
    creator: str = ""
    last_set: int = 0


@dataclass
class Channel:
    id: str
    name: str
    is_private: bool
    creator: str
    created: int
    members: set[str] = field(default_factory=set)
    topic: ChannelText = field(default_factory=ChannelText)
    purpose: ChannelText = field(default_factory=ChannelText)
    is_archived: bool = False
    is_general: bool = False
    is_im: bool = False  # the bot's direct-message channel with one person

    @property
    def channel_type(self) -> str:
        """The `channel_type` of message events in this channel."""
        if self.is_im:
            return "im"
        return "group" if self.is_private else "channel"

    def to_slack(self, *, num_members: bool = False) -> JSON:
        if self.is_im:
            person = next(iter(self.members - {BOT_USER_ID}))
            return {
                "id": self.id,
                "created": self.created,
                "is_im": True,
                "is_org_shared": False,
                "user": person,
                "is_user_deleted": False,
                "priority": 0,
            }
        legacy_group = self.id.startswith("G")  # pre-2021 private channels report is_group
        channel: JSON = {
            "id": self.id,
            "name": self.name,
            "is_channel": not legacy_group,
            "is_group": legacy_group,
            "is_im": False,
            "is_mpim": False,
            "is_private": self.is_private,
            "created": self.created,
            "is_archived": self.is_archived,
            "is_general": self.is_general,
            "unlinked": 0,
            "name_normalized": self.name,
            "is_shared": False,
            "is_org_shared": False,
            "is_ext_shared": False,
            "is_pending_ext_shared": False,
            "pending_shared": [],
            "context_team_id": TEAM_ID,
            "parent_conversation": None,
            "creator": self.creator,
            "shared_team_ids": [TEAM_ID],
            "pending_connected_team_ids": [],
            "is_member": BOT_USER_ID in self.members,
            "topic": asdict(self.topic),
            "purpose": asdict(self.purpose),
            "previous_names": [],
        }
        if num_members:
            channel["num_members"] = len(self.members)
        return channel


@dataclass
class Revision:
    """A message as it was before an edit."""

    text: str
    blocks: list[JSON]
    edited: JSON | None


@dataclass
class Message:
    channel: str
    ts: str
    text: str
    user: str | None
    bot_id: str | None = None
    blocks: list[JSON] = field(default_factory=list)
    thread_ts: str | None = None
    parent_user_id: str | None = None
    reply_count: int = 0
    reply_users: list[str] = field(default_factory=list)
    latest_reply: str | None = None
    metadata: JSON | None = None
    subtype: str | None = None
    files: list[JSON] = field(default_factory=list)
    reactions: list[JSON] = field(default_factory=list)
    edited: JSON | None = None
    history: list[Revision] = field(default_factory=list)
    client_msg_id: str | None = None
    extra: JSON = field(default_factory=dict)  # subtype-specific fields, e.g. `topic`

    @property
    def is_reply(self) -> bool:
        return self.thread_ts is not None and self.thread_ts != self.ts

    @property
    def is_from_bot(self) -> bool:
        return self.bot_id == BOT_ID

    @property
    def all_text(self) -> str:
        """`text` plus every string inside the blocks: what a reader sees, for assertions."""
        return "\n".join([self.text, *_strings_in(self.blocks)])

    def to_slack(self, *, include_metadata: bool = True) -> JSON:
        message: JSON = {"type": "message"}
        if self.subtype:
            message["subtype"] = self.subtype
        message["text"] = self.text
        if self.user:
            message["user"] = self.user
        message["ts"] = self.ts
        if self.bot_id:
            message |= {"bot_id": self.bot_id, "app_id": APP_ID}
        if self.client_msg_id:
            message["client_msg_id"] = self.client_msg_id
        if self.blocks:
            message["blocks"] = copy.deepcopy(self.blocks)
        message["team"] = TEAM_ID
        if self.bot_id:
            message["bot_profile"] = copy.deepcopy(BOT_PROFILE)
        if self.thread_ts:
            message["thread_ts"] = self.thread_ts
        if self.is_reply and self.parent_user_id:
            message["parent_user_id"] = self.parent_user_id
        if self.reply_count:
            message |= {
                "reply_count": self.reply_count,
                "reply_users_count": len(self.reply_users),
                "latest_reply": self.latest_reply,
                "reply_users": list(self.reply_users),
                "is_locked": False,
                "subscribed": False,
            }
        if self.edited:
            message["edited"] = dict(self.edited)
        if self.files:
            message |= {"files": copy.deepcopy(self.files), "upload": False}
        if self.reactions:
            message["reactions"] = copy.deepcopy(self.reactions)
        if self.metadata and include_metadata:
            message["metadata"] = copy.deepcopy(self.metadata)
        return message | copy.deepcopy(self.extra)


@dataclass
class View:
    id: str
    user: str
    payload: JSON  # the view as the app sent it, block_ids filled in
    hash: str
    root_view_id: str
    previous_view_id: str | None = None
    trigger_id: str | None = None
    state: JSON = field(default_factory=lambda: {"values": {}})

    @property
    def type(self) -> str:
        return str(self.payload.get("type", ""))

    @property
    def blocks(self) -> list[JSON]:
        return list(self.payload.get("blocks", []))

    @property
    def title(self) -> str:
        return str(self.payload.get("title", {}).get("text", ""))

    @property
    def callback_id(self) -> str:
        return str(self.payload.get("callback_id", ""))

    @property
    def external_id(self) -> str:
        return str(self.payload.get("external_id", ""))

    @property
    def private_metadata(self) -> str:
        return str(self.payload.get("private_metadata", ""))

    def to_slack(self) -> JSON:
        view: JSON = {
            "id": self.id,
            "team_id": TEAM_ID,
            "type": self.type,
            "blocks": [],
            "private_metadata": "",
            "callback_id": "",
            "state": copy.deepcopy(self.state),
            "hash": self.hash,
            "clear_on_close": False,
            "notify_on_close": False,
            "close": None,
            "submit": None,
            "previous_view_id": self.previous_view_id,
            "root_view_id": self.root_view_id,
            "app_id": APP_ID,
            "external_id": "",
            "app_installed_team_id": TEAM_ID,
            "bot_id": BOT_ID,
        }
        fields = {k: v for k, v in self.payload.items() if k != "type"}
        return view | copy.deepcopy(fields)


@dataclass
class Ephemeral:
    channel: str
    user: str
    text: str
    blocks: list[JSON]
    thread_ts: str | None
    message_ts: str
    via: str  # "chat.postEphemeral" or "response_url"


@dataclass
class ResponsePost:
    """One POST to a response_url, as the app sent it."""

    url: str
    body: JSON
    time: float

    @property
    def text(self) -> str:
        return str(self.body.get("text", ""))

    @property
    def blocks(self) -> list[JSON]:
        return list(self.body.get("blocks", []))

    @property
    def response_type(self) -> str:
        return str(self.body.get("response_type", "ephemeral"))

    @property
    def replace_original(self) -> bool:
        return _truthy(self.body.get("replace_original"))

    @property
    def delete_original(self) -> bool:
        return _truthy(self.body.get("delete_original"))


@dataclass
class UploadedFile:
    id: str
    name: str
    length: int
    user: str
    created: int
    title: str = ""
    alt_txt: str | None = None
    snippet_type: str | None = None
    data: bytes | None = None  # None until the raw POST to upload_url
    completed: bool = False
    processed: bool = True  # an image can be shown in messages (see process_files_slowly)
    channels: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        """The uploaded bytes as UTF-8 text ("" before the upload POST)."""
        return (self.data or b"").decode("utf-8", errors="replace")

    @property
    def mimetype(self) -> str:
        return mimetypes.guess_type(self.name)[0] or "application/octet-stream"

    def to_slack(self) -> JSON:
        # Shares come back empty: Slack shares asynchronously after completeUploadExternal returns.
        private = f"{SLACK_URL}/files-pri/{TEAM_ID}-{self.id}"
        return {
            "id": self.id,
            "created": self.created,
            "timestamp": self.created,
            "name": self.name,
            "title": self.title or self.name,
            "mimetype": self.mimetype,
            "filetype": self.name.rsplit(".", 1)[-1] if "." in self.name else "binary",
            "user": self.user,
            "user_team": TEAM_ID,
            "editable": False,
            "size": len(self.data or b""),
            "mode": "hosted",
            "is_external": False,
            "is_public": False,
            "url_private": f"{private}/{self.name}",
            "url_private_download": f"{private}/download/{self.name}",
            "permalink": f"{SLACK_URL}/files/{self.user}/{self.id}/{self.name}",
            "shares": {},
            "channels": [],
            "groups": [],
            "ims": [],
            "file_access": "visible",
        }


@dataclass
class Section:
    """One section of a canvas: a heading and what follows it, or what precedes all headings."""

    id: str  # "temp:C:" and 28 letters and digits, as Slack's look
    markdown: str


CanvasKind = Literal["channel", "standalone"]


@dataclass
class Canvas:
    """A canvas. `kind` "channel" is a channel's own canvas (conversations.canvases.create);
    "standalone" comes from canvases.create, tabbed in `channel_id`'s channel when one is given."""

    id: str
    title: str
    channel_id: str | None
    kind: CanvasKind
    created: int
    quip_thread_id: str  # reported in the channel's `properties.canvas`
    sections: list[Section] = field(default_factory=list)
    edits: int = 0  # successful canvases.edit calls
    access: dict[str, str] = field(default_factory=dict)  # channel or user id -> access level

    @property
    def markdown(self) -> str:
        """The whole document: the sections joined by newlines."""
        return "\n".join(section.markdown for section in self.sections)

    @property
    def is_empty(self) -> bool:
        return not self.markdown.strip()

    @property
    def tabbed(self) -> bool:
        """A standalone canvas shown as a tab of a channel."""
        return self.kind == "standalone" and self.channel_id is not None


@dataclass
class Bookmark:
    """A channel bookmark (bookmarks.add): a link in the channel's header."""

    id: str
    channel_id: str
    title: str
    link: str
    created: int
    emoji: str | None = None
    type: str = "link"
    rank: str = "a"
    created_by: str = BOT_USER_ID

    def to_slack(self) -> JSON:
        return {
            "id": self.id,
            "channel_id": self.channel_id,
            "title": self.title,
            "link": self.link,
            "emoji": self.emoji,
            "icon_url": None,
            "type": self.type,
            "entity_id": None,
            "date_created": self.created,
            "date_updated": 0,
            "rank": self.rank,
            "last_updated_by_user_id": self.created_by,
            "last_updated_by_team_id": TEAM_ID,
            "shortcut_id": None,
            "app_id": APP_ID,
        }


@dataclass(frozen=True)
class Call:
    """One Web API call as the fake saw it."""

    method: str
    args: JSON  # decoded: JSON-in-form fields parsed, token removed
    token: str | None
    status: int
    response: JSON
    time: float

    @property
    def ok(self) -> bool:
        return bool(self.response.get("ok"))

    @property
    def error(self) -> str | None:
        error = self.response.get("error")
        return str(error) if error is not None else None


@dataclass
class _Trigger:
    id: str
    user: str
    issued_at: float  # time.monotonic()
    used: bool = False


@dataclass
class _ResponseUrl:
    """Where a response_url's posts land: the interaction it was issued for."""

    channel: str | None
    user: str | None
    message_ts: str | None
    thread_ts: str | None


@dataclass
class _Pin:
    created: int
    created_by: str


def _strings_in(value: Any) -> Iterator[str]:
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "text" and isinstance(item, str):
                yield item
            else:
                yield from _strings_in(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings_in(item)


def _truthy(value: Any) -> bool:
    return value in (True, 1, "1", "true", "True")
