"""A fake Slack Web API on loopback, strict enough that code passing against it works on Slack.

    with FakeSlack() as slack:
        client = WebClient(token=BOT_TOKEN, base_url=slack.api_url)
        client.conversations_join(channel="C_INCIDENTS")
        ...
        assert slack.messages("C_INCIDENTS")[-1].text == "Declared SEV2"

Responses, error codes and argument names follow Slack's reference (see
/work/shared/reference/payloads/webapi_examples.json). State lives behind one re-entrant lock; every
change notifies `wait_for`, so tests wait on conditions instead of sleeping.

Layout: identities and records; Block Kit validation (one table); request decoding; the workspace
(state plus Slack's rules); one function per Web API method; the HTTP server and the test-facing
`FakeSlack`.
"""

from __future__ import annotations

import base64
import contextlib
import copy
import itertools
import json
import mimetypes
import re
import secrets
import string
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from enum import Enum
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import MappingProxyType, TracebackType
from typing import Any, Final, TypeVar
from urllib.parse import parse_qsl
from zoneinfo import ZoneInfo

from .socket_mode import FakeSocketMode

JSON = dict[str, Any]
T = TypeVar("T")

# ---------------------------------------------------------------------------------------------
# Identities
# ---------------------------------------------------------------------------------------------

TEAM_ID: Final = "T_TEST"
TEAM_NAME: Final = "Sitrep Test"
TEAM_DOMAIN: Final = "sitrep-test"
BOT_TOKEN: Final = "xoxb-test-token"
APP_TOKEN: Final = "xapp-test-token"
BOT_USER_ID: Final = "U_SITREP"
BOT_ID: Final = "B_SITREP"
APP_ID: Final = "A_SITREP"
SLACK_URL: Final = "https://fake.slack.test"

MAX_MESSAGE_CHARS: Final = 40_000
MAX_TOPIC_CHARS: Final = 250
MAX_CHANNEL_NAME: Final = 80
MAX_MODAL_STACK: Final = 3

BOT_PROFILE: Final[JSON] = {
    "id": BOT_ID,
    "deleted": False,
    "name": "Sitrep",
    "updated": 1_700_000_000,
    "app_id": APP_ID,
    "icons": {"image_36": f"{SLACK_URL}/bot_36.png", "image_48": f"{SLACK_URL}/bot_48.png"},
    "team_id": TEAM_ID,
}

# ---------------------------------------------------------------------------------------------
# Records: what the fake stores, and what tests read back
# ---------------------------------------------------------------------------------------------


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
    channels: list[str] = field(default_factory=list)

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
class Canvas:
    id: str
    title: str
    markdown: str
    channel_id: str | None


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


# ---------------------------------------------------------------------------------------------
# Block Kit validation: one table of Slack's documented limits, one walker
#
# Messages report `invalid_blocks` with `errors` + `response_metadata.messages`; views report
# `invalid_arguments` with `response_metadata.messages` only. Wording observed from Slack:
# "must be less than 3001 characters", "must be no longer than 150 characters" (header),
# "no more than 50 items allowed", "failed to match all allowed schemas" (a text field that may be
# plain_text or mrkdwn), "missing required field: x", "must be a valid enum value".
# ---------------------------------------------------------------------------------------------


class Kind(Enum):
    ELEMENT = "element"
    OPTION = "option"  # select menus and overflow: plain_text only
    RICH_OPTION = "rich_option"  # checkboxes and radio buttons: mrkdwn allowed
    OPTION_GROUP = "option_group"


@dataclass(frozen=True)
class TextObject:
    """A `{"type": "plain_text" | "mrkdwn", "text": ...}` field."""

    field: str
    max_chars: int
    plain_only: bool = False
    required: bool = False
    too_long: str = "must be less than {limit} characters"


@dataclass(frozen=True)
class Chars:
    """A plain string field."""

    field: str
    max_chars: int
    required: bool = False


@dataclass(frozen=True)
class AtMost:
    """An integer field."""

    field: str
    maximum: int
    required: bool = False


@dataclass(frozen=True)
class Child:
    """One nested element or option."""

    field: str
    kind: Kind
    required: bool = False


@dataclass(frozen=True)
class Items:
    """An array of nested elements, options or text objects."""

    field: str
    each: Kind | TextObject
    max_items: int
    min_items: int = 0
    required: bool = False


Rule = TextObject | Chars | AtMost | Child | Items

_PLACEHOLDER: Final = TextObject("placeholder", 150, plain_only=True)
_SELECT: Final = (
    _PLACEHOLDER,
    Items("options", Kind.OPTION, max_items=100),
    Items("option_groups", Kind.OPTION_GROUP, max_items=100),
    Child("initial_option", Kind.OPTION),
)
_MENU: Final = (_PLACEHOLDER,)  # users/conversations/channels selects, pickers, typed inputs
_CHOICES: Final = (Items("options", Kind.RICH_OPTION, max_items=10, min_items=1, required=True),)

BLOCK_RULES: Final[Mapping[str, tuple[Rule, ...]]] = MappingProxyType(
    {
        "actions": (Items("elements", Kind.ELEMENT, max_items=25, min_items=1, required=True),),
        "context": (Items("elements", Kind.ELEMENT, max_items=10, min_items=1, required=True),),
        "divider": (),
        "file": (Chars("external_id", 255, required=True),),
        "header": (
            TextObject(
                "text",
                150,
                plain_only=True,
                required=True,
                too_long="must be no longer than {maximum} characters",
            ),
        ),
        "image": (
            Chars("image_url", 3000),
            Chars("alt_text", 2000, required=True),
            TextObject("title", 2000, plain_only=True),
        ),
        "input": (
            TextObject("label", 2000, plain_only=True, required=True),
            Child("element", Kind.ELEMENT, required=True),
            TextObject("hint", 2000, plain_only=True),
        ),
        "markdown": (Chars("text", 12_000, required=True),),
        "rich_text": (),
        "section": (
            TextObject("text", 3000),
            Items("fields", TextObject("", 2000), max_items=10),
            Child("accessory", Kind.ELEMENT),
        ),
        "table": (),
        "video": (
            Chars("video_url", 3000, required=True),
            Chars("thumbnail_url", 3000, required=True),
            Chars("alt_text", 2000, required=True),
            TextObject("title", 200, plain_only=True, required=True),
        ),
    }
)

ELEMENT_RULES: Final[Mapping[str, tuple[Rule, ...]]] = MappingProxyType(
    {
        "button": (
            TextObject("text", 75, plain_only=True, required=True),
            Chars("value", 2000),
            Chars("url", 3000),
            Chars("accessibility_label", 75),
        ),
        "checkboxes": _CHOICES,
        "radio_buttons": _CHOICES,
        "overflow": (Items("options", Kind.OPTION, max_items=5, min_items=2, required=True),),
        "static_select": _SELECT,
        "multi_static_select": (*_SELECT[:3], Items("initial_options", Kind.OPTION, 100)),
        "external_select": (_PLACEHOLDER, Child("initial_option", Kind.OPTION)),
        "multi_external_select": _MENU,
        "users_select": _MENU,
        "multi_users_select": _MENU,
        "conversations_select": _MENU,
        "multi_conversations_select": _MENU,
        "channels_select": _MENU,
        "multi_channels_select": _MENU,
        "datepicker": _MENU,
        "timepicker": _MENU,
        "datetimepicker": (),
        "email_text_input": _MENU,
        "url_text_input": _MENU,
        "number_input": _MENU,
        "rich_text_input": _MENU,
        "file_input": (),
        "plain_text_input": (
            _PLACEHOLDER,
            AtMost("max_length", 3000),
            AtMost("min_length", 3000),
            Chars("initial_value", 3000),
        ),
        "image": (Chars("image_url", 3000), Chars("alt_text", 2000, required=True)),
        "workflow_button": (TextObject("text", 75, plain_only=True, required=True),),
        # Text objects stand as elements inside context blocks.
        "plain_text": (Chars("text", 3000, required=True),),
        "mrkdwn": (Chars("text", 3000, required=True),),
    }
)

NESTED_RULES: Final[Mapping[Kind, tuple[Rule, ...]]] = MappingProxyType(
    {
        Kind.OPTION: (
            TextObject("text", 75, plain_only=True, required=True),
            Chars("value", 150),
            TextObject("description", 75, plain_only=True),
        ),
        Kind.RICH_OPTION: (
            TextObject("text", 75, required=True),
            Chars("value", 150),
            TextObject("description", 75),
        ),
        Kind.OPTION_GROUP: (
            TextObject("label", 75, plain_only=True, required=True),
            Items("options", Kind.OPTION, max_items=100, min_items=1, required=True),
        ),
    }
)

# Surfaces: where the blocks array sits, how many blocks it may hold, the view's own fields.
MESSAGE_MAX_BLOCKS: Final = 50
VIEW_MAX_BLOCKS: Final = 100
VIEW_RULES: Final[Mapping[str, tuple[Rule, ...]]] = MappingProxyType(
    {
        "modal": (
            TextObject("title", 24, plain_only=True, required=True),
            TextObject("submit", 24, plain_only=True),
            TextObject("close", 24, plain_only=True),
            Chars("private_metadata", 3000),
            Chars("callback_id", 255),
            Chars("external_id", 255),
        ),
        "home": (
            Chars("private_metadata", 3000),
            Chars("callback_id", 255),
            Chars("external_id", 255),
        ),
    }
)
MAX_ID_CHARS: Final = 255  # block_id and action_id


class BlockKitValidator:
    """Walks a surface against the tables above; collects Slack-worded problems."""

    def __init__(self) -> None:
        self.problems: list[str] = []
        self._block_ids: set[str] = set()  # unique across the whole message or view

    def message(self, blocks: list[Any]) -> list[str]:
        self._blocks(blocks, "/blocks", MESSAGE_MAX_BLOCKS)
        return self.problems

    def view(self, view: JSON) -> list[str]:
        self._apply(VIEW_RULES.get(str(view.get("type")), ()), view, "/view", set())
        blocks = view.get("blocks")
        if not isinstance(blocks, list):
            self._problem("missing required field: blocks", "/view/blocks")
        else:
            self._blocks(blocks, "/view/blocks", VIEW_MAX_BLOCKS)
        return self.problems

    def _problem(self, message: str, pointer: str) -> None:
        self.problems.append(f"{message} [json-pointer:{pointer}]")

    def _blocks(self, blocks: list[Any], at: str, max_blocks: int) -> None:
        if len(blocks) > max_blocks:
            self._problem(f"no more than {max_blocks} items allowed", at)
        for index, block in enumerate(blocks):
            self._block(block, f"{at}/{index}")

    def _block(self, block: Any, at: str) -> None:
        rules = BLOCK_RULES.get(str(block.get("type"))) if isinstance(block, dict) else None
        if rules is None:
            self._unknown(block, at)
            return
        self._identifier(block, "block_id", at, self._block_ids)
        # Slack documents action_id as unique among the elements of its containing block.
        self._apply(rules, block, at, action_ids=set())

    def _element(self, element: Any, kind: Kind, at: str, action_ids: set[str]) -> None:
        if kind is not Kind.ELEMENT:
            rules = NESTED_RULES[kind]
        elif isinstance(element, dict) and element.get("type") in ELEMENT_RULES:
            rules = ELEMENT_RULES[element["type"]]
            self._identifier(element, "action_id", at, action_ids)
        else:
            self._unknown(element, at)
            return
        if not isinstance(element, dict):
            self._problem("must be an object", at)
            return
        self._apply(rules, element, at, action_ids)

    def _unknown(self, value: Any, at: str) -> None:
        self._problem("failed to match all allowed schemas", at)
        self._problem("must be a valid enum value", f"{at}/type")

    def _identifier(self, obj: JSON, key: str, at: str, seen: set[str]) -> None:
        if key not in obj:
            return
        value = str(obj[key])
        if len(value) > MAX_ID_CHARS:
            self._problem(f"must be less than {MAX_ID_CHARS + 1} characters", f"{at}/{key}")
        elif value in seen:
            self._problem(f"duplicate {key}: {value}", f"{at}/{key}")
        seen.add(value)

    def _apply(self, rules: tuple[Rule, ...], obj: JSON, at: str, action_ids: set[str]) -> None:
        for rule in rules:
            value = obj.get(rule.field)
            where = f"{at}/{rule.field}"
            if value is None:
                if rule.required:
                    self._problem(f"missing required field: {rule.field}", at)
                continue
            match rule:
                case TextObject():
                    self._text(rule, value, where)
                case Chars():
                    self._chars(str(value), rule.max_chars, where)
                case AtMost():
                    if not isinstance(value, int) or value > rule.maximum:
                        self._problem(f"must be less than or equal to {rule.maximum}", where)
                case Child():
                    self._element(value, rule.kind, where, action_ids)
                case Items():
                    self._items(rule, value, where, action_ids)

    def _items(self, rule: Items, value: Any, at: str, action_ids: set[str]) -> None:
        if not isinstance(value, list):
            self._problem("must be an array", at)
            return
        if len(value) > rule.max_items:
            self._problem(f"no more than {rule.max_items} items allowed", at)
        elif len(value) < rule.min_items:
            self._problem(f"must provide at least {rule.min_items} items", at)
        for index, item in enumerate(value):
            if isinstance(rule.each, TextObject):
                self._text(rule.each, item, f"{at}/{index}")
            else:
                self._element(item, rule.each, f"{at}/{index}", action_ids)

    def _text(self, rule: TextObject, value: Any, at: str) -> None:
        found: list[tuple[str, str]] = []
        allowed = ("plain_text",) if rule.plain_only else ("plain_text", "mrkdwn")
        kind = value.get("type") if isinstance(value, dict) else None
        text = value.get("text") if isinstance(value, dict) else None
        if kind not in allowed:
            found.append(("must be a valid enum value", f"{at}/type"))
        if not isinstance(text, str):
            found.append(("missing required field: text", at))
        elif not text:
            found.append(("must be more than 0 characters", f"{at}/text"))
        elif len(text) > rule.max_chars:
            message = rule.too_long.format(maximum=rule.max_chars, limit=rule.max_chars + 1)
            found.append((message, f"{at}/text"))
        if found and not rule.plain_only:
            # A field that takes either text type reports the failed anyOf first, as Slack does.
            found.insert(0, ("failed to match all allowed schemas", at))
        for message, pointer in found:
            self._problem(message, pointer)

    def _chars(self, value: str, max_chars: int, at: str) -> None:
        if len(value) > max_chars:
            self._problem(f"must be less than {max_chars + 1} characters", at)


# ---------------------------------------------------------------------------------------------
# Errors and arguments
# ---------------------------------------------------------------------------------------------


class SlackError(Exception):
    """A Slack error response: `{"ok": false, "error": ..., **extra}`."""

    def __init__(self, error: str, **extra: Any) -> None:
        super().__init__(error)
        self.error = error
        self.extra = extra

    @property
    def body(self) -> JSON:
        return {"ok": False, "error": self.error, **self.extra}


def invalid_arguments(*messages: str) -> SlackError:
    return SlackError(
        "invalid_arguments", response_metadata={"messages": [f"[ERROR] {m}" for m in messages]}
    )


# Parameters whose values are JSON, sent by slack_sdk as JSON strings inside form fields (and
# accepted by Slack as strings inside JSON bodies too).
_JSON_PARAMS: Final = frozenset(
    {"attachments", "blocks", "channel_ids", "document_content", "files", "metadata", "view"}
)


def decode_args(query: str, content_type: str, body: bytes) -> JSON:
    """Merge query string and body (form or JSON) into one dict, JSON-in-form values decoded."""
    args: JSON = dict(parse_qsl(query, keep_blank_values=True))
    if content_type.startswith("application/json"):
        try:
            decoded = json.loads(body or b"{}")
        except ValueError:
            raise SlackError("invalid_json") from None
        if not isinstance(decoded, dict):
            raise SlackError("invalid_json")
        args |= decoded
    elif body:
        args |= dict(parse_qsl(body.decode("utf-8"), keep_blank_values=True))
    for key in _JSON_PARAMS & args.keys():
        if isinstance(args[key], str):
            # Undecodable values stay strings; each method reports its own format error.
            with contextlib.suppress(ValueError):
                args[key] = json.loads(args[key])
    return args


class Args:
    """Typed access to a call's arguments, with Slack's coercions (form values are strings)."""

    def __init__(self, values: JSON) -> None:
        self.values = values

    def has(self, name: str) -> bool:
        return self.values.get(name) is not None

    def get(self, name: str) -> Any:
        return self.values.get(name)

    def text(self, name: str) -> str | None:
        value = self.values.get(name)
        return None if value is None else str(value)

    def required(self, name: str) -> str:
        value = self.text(name)
        if value is None:
            raise invalid_arguments(f"missing required field: {name}")
        return value

    def flag(self, name: str) -> bool:
        return _truthy(self.values.get(name))

    def number(self, name: str, default: int) -> int:
        value = self.values.get(name)
        if value in (None, ""):
            return default
        try:
            return int(value)
        except (TypeError, ValueError):
            raise invalid_arguments(f"must be an integer [json-pointer:/{name}]") from None


# ---------------------------------------------------------------------------------------------
# The workspace: state plus the rules every method shares
# ---------------------------------------------------------------------------------------------

_SEED_USERS: Final = (
    User("U_ALICE", "alice", "Alice Adams", "Europe/London", email="alice@example.com"),
    User("U_BOB", "bob", "Bob Brown", "America/New_York", email="bob@example.com"),
    User("U_CAROL", "carol", "Carol Chen", "Asia/Tokyo", email="carol@example.com"),
    User("U_DAVE", "dave", "Dave Davies", "UTC", email="dave@example.com"),
    User(BOT_USER_ID, "sitrep", "Sitrep", "America/Los_Angeles", is_bot=True),
)
_BLOCK_ID_ALPHABET: Final = string.ascii_letters + string.digits
_CHANNEL_NAME: Final = re.compile(r"[a-z0-9_-]+")


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
        self.views: dict[str, View] = {}
        self.modal_stacks: dict[str, list[str]] = {}  # user -> open modal view ids, root first
        self.home_views: dict[str, str] = {}  # user -> view id
        self.ephemerals: list[Ephemeral] = []
        self.response_urls: dict[str, _ResponseUrl] = {}
        self.responses: list[ResponsePost] = []
        self.files: dict[str, UploadedFile] = {}
        self.upload_tickets: dict[str, str] = {}  # ticket -> file id
        self.canvases: dict[str, Canvas] = {}
        self.triggers: dict[str, _Trigger] = {}
        self._serial = itertools.count(1)
        self._last_ts_us = 0
        humans = {u.id for u in _SEED_USERS if not u.is_bot}
        self.add_channel("C_GENERAL", "general", creator="U_ALICE", members=humans, general=True)
        self.add_channel("C_INCIDENTS", "incidents", creator="U_ALICE", members=humans)

    # -- identifiers and time -------------------------------------------------------------------

    def new_id(self, prefix: str) -> str:
        return f"{prefix}{next(self._serial):08X}"

    def next_ts(self) -> str:
        """A message timestamp: wall clock in microseconds, strictly increasing."""
        self._last_ts_us = max(int(self.clock() * 1_000_000), self._last_ts_us + 1)
        seconds, micros = divmod(self._last_ts_us, 1_000_000)
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


# ---------------------------------------------------------------------------------------------
# Web API methods: one function each, registered by name
# ---------------------------------------------------------------------------------------------

Handler = Callable[[Workspace, Args], JSON]


@dataclass(frozen=True)
class _Method:
    handler: Handler
    token: str  # the kind of token the method takes


METHODS: dict[str, _Method] = {}


def api(name: str, *, token: str = BOT_TOKEN) -> Callable[[Handler], Handler]:
    def register(handler: Handler) -> Handler:
        METHODS[name] = _Method(handler, token)
        return handler

    return register


def check_message_content(
    args: Args, *, require_content: bool = True
) -> tuple[str | None, list[JSON] | None]:
    """Shared rules for message text and blocks; returns (text, blocks) as given."""
    text, blocks = args.text("text"), args.get("blocks")
    markdown = args.text("markdown_text")
    if markdown is not None:
        if text is not None or blocks is not None:
            raise SlackError("markdown_text_conflict")
        text = markdown
    if blocks is not None:
        if not isinstance(blocks, list):
            raise SlackError("invalid_blocks_format")
        problems = BlockKitValidator().message(blocks)
        if problems:
            messages = [f"[ERROR] {p}" for p in problems]
            raise SlackError(
                "invalid_blocks", errors=problems, response_metadata={"messages": messages}
            )
    if require_content and not text and not blocks and not args.has("attachments"):
        raise SlackError("no_text")
    if text is not None and len(text) > MAX_MESSAGE_CHARS:
        raise SlackError("msg_too_long")
    return text, blocks


def check_metadata(args: Args) -> JSON | None:
    metadata = args.get("metadata")
    if metadata is None:
        return None
    # Slack's metadata schema requires both keys; the payload must be an object.
    if not isinstance(metadata, dict) or not isinstance(metadata.get("event_type"), str):
        raise SlackError("invalid_metadata_format")
    if not isinstance(metadata.get("event_payload"), dict):
        raise SlackError("invalid_metadata_format")
    return {"event_type": metadata["event_type"], "event_payload": metadata["event_payload"]}


def check_view(view: Any, expected_type: str) -> JSON:
    if not isinstance(view, dict):
        raise invalid_arguments("missing required field: view")
    if view.get("type") != expected_type:
        raise invalid_arguments("must be a valid enum value [json-pointer:/view/type]")
    problems = BlockKitValidator().view(view)
    if problems:
        raise invalid_arguments(*problems)
    return view


def ts_key(ts: str, error: str) -> tuple[int, int]:
    try:
        seconds, _, micros = ts.partition(".")
        return int(seconds), int(micros.ljust(6, "0")[:6] or 0)
    except ValueError:
        raise SlackError(error) from None


def page(
    items: list[T], key: Callable[[T], str], args: Args, prefix: str, limits: tuple[int, int]
) -> tuple[list[T], str]:
    """Slack's cursor pagination; cursors are base64 of `<prefix>:<key of the next item>`."""
    default_limit, max_limit = limits
    limit = min(args.number("limit", default_limit) or default_limit, max_limit)
    start = 0
    if cursor := args.text("cursor"):
        try:
            kind, _, value = base64.b64decode(cursor, validate=True).decode().partition(":")
            start = next(i for i, item in enumerate(items) if kind == prefix and key(item) == value)
        except (ValueError, StopIteration):
            raise SlackError("invalid_cursor") from None
    end = start + limit
    next_cursor = (
        base64.b64encode(f"{prefix}:{key(items[end])}".encode()).decode()
        if end < len(items)
        else ""
    )
    return items[start:end], next_cursor


def window(messages: list[Message], args: Args) -> list[Message]:
    """Filter by `oldest` / `latest` / `inclusive`, as history and replies do."""
    oldest = ts_key(args.text("oldest") or "0", "invalid_ts_oldest")
    latest = ts_key(args.text("latest") or "9999999999.999999", "invalid_ts_latest")
    inclusive = args.flag("inclusive")

    def inside(message: Message) -> bool:
        key = ts_key(message.ts, "invalid_ts_latest")
        if inclusive:
            return oldest <= key <= latest
        return oldest < key < latest

    return [m for m in messages if inside(m)]


# -- auth, users, apps ---------------------------------------------------------------------------


@api("auth.test")
def auth_test(ws: Workspace, args: Args) -> JSON:
    return {
        "url": f"{SLACK_URL}/",
        "team": TEAM_NAME,
        "user": ws.users[BOT_USER_ID].name,
        "team_id": TEAM_ID,
        "user_id": BOT_USER_ID,
        "bot_id": BOT_ID,
        "is_enterprise_install": False,
    }


@api("users.info")
def users_info(ws: Workspace, args: Args) -> JSON:
    return {"user": ws.user(args.text("user")).to_slack()}


@api("users.list")
def users_list(ws: Workspace, args: Args) -> JSON:
    members, cursor = page(list(ws.users.values()), lambda u: u.id, args, "user", (100, 1000))
    return {
        "members": [u.to_slack() for u in members],
        "cache_ts": ws.now(),
        "response_metadata": {"next_cursor": cursor},
    }


@api("users.lookupByEmail")
def users_lookup_by_email(ws: Workspace, args: Args) -> JSON:
    email = args.required("email")
    user = next((u for u in ws.users.values() if u.email == email), None)
    if user is None:
        raise SlackError("users_not_found")
    return {"user": user.to_slack()}


@api("apps.connections.open", token=APP_TOKEN)
def apps_connections_open(ws: Workspace, args: Args) -> JSON:
    return {"url": ws.socket_url()}


# -- conversations -------------------------------------------------------------------------------


@api("conversations.create")
def conversations_create(ws: Workspace, args: Args) -> JSON:
    name = args.text("name") or ""
    if not name:
        raise SlackError("invalid_name_required")
    if len(name) > MAX_CHANNEL_NAME:
        raise SlackError("invalid_name_maxlength")
    if not _CHANNEL_NAME.fullmatch(name):
        raise SlackError("invalid_name_specials")
    if not name.strip("-_"):
        raise SlackError("invalid_name_punctuation")
    if any(c.name == name for c in ws.channels.values()):  # archived names stay taken
        raise SlackError("name_taken")
    private = args.flag("is_private")
    channel = ws.add_channel(
        ws.new_id("G" if private else "C"), name, creator=BOT_USER_ID, private=private
    )
    ws.join(channel, BOT_USER_ID)
    return {"channel": channel.to_slack()}


@api("conversations.open")
def conversations_open(ws: Workspace, args: Args) -> JSON:
    """Only the one-person form: the bot's DM with a user (multi-person DMs are not modelled)."""
    users = [u for u in (args.text("users") or "").split(",") if u]
    if args.has("channel"):
        channel = ws.visible_channel(args.text("channel"))
        return {"no_op": True, "already_open": True, "channel": channel.to_slack()}
    if len(users) != 1:
        raise SlackError("users_list_not_supplied" if not users else "not_implemented")
    channel = ws.im_with(ws.user(users[0]).id)
    return {"channel": {"id": channel.id}}


@api("conversations.info")
def conversations_info(ws: Workspace, args: Args) -> JSON:
    channel = ws.visible_channel(args.text("channel"))
    return {"channel": channel.to_slack(num_members=args.flag("include_num_members"))}


@api("conversations.list")
def conversations_list(ws: Workspace, args: Args) -> JSON:
    types = set((args.text("types") or "public_channel").split(","))
    listed = [
        c
        for c in ws.channels.values()
        if _conversation_type(c) in types
        and (not c.is_private or BOT_USER_ID in c.members)
        and not (c.is_archived and args.flag("exclude_archived"))
    ]
    channels, cursor = page(listed, lambda c: c.id, args, "team", (100, 1000))
    return {
        "channels": [c.to_slack() for c in channels],
        "response_metadata": {"next_cursor": cursor},
    }


def _conversation_type(channel: Channel) -> str:
    if channel.is_im:
        return "im"
    return "private_channel" if channel.is_private else "public_channel"


@api("conversations.members")
def conversations_members(ws: Workspace, args: Args) -> JSON:
    channel = ws.visible_channel(args.text("channel"))
    members, cursor = page(sorted(channel.members), lambda u: u, args, "user", (100, 1000))
    return {"members": members, "response_metadata": {"next_cursor": cursor}}


@api("conversations.join")
def conversations_join(ws: Workspace, args: Args) -> JSON:
    channel = ws.channels.get(args.text("channel") or "")
    if channel is None:
        raise SlackError("channel_not_found")
    if channel.is_private:
        raise SlackError("method_not_supported_for_channel_type")
    if channel.is_archived:
        raise SlackError("is_archived")
    if BOT_USER_ID in channel.members:
        return {
            "channel": channel.to_slack(),
            "warning": "already_in_channel",
            "response_metadata": {"warnings": ["already_in_channel"]},
        }
    ws.join(channel, BOT_USER_ID)
    return {"channel": channel.to_slack()}


@api("conversations.invite")
def conversations_invite(ws: Workspace, args: Args) -> JSON:
    channel = ws.visible_channel(args.text("channel"))
    if channel.is_archived:
        raise SlackError("is_archived")
    if BOT_USER_ID not in channel.members:
        raise SlackError("not_in_channel")
    invitees = [u.strip() for u in (args.text("users") or "").split(",") if u.strip()]
    if not invitees:
        raise SlackError("no_user")
    # Slack checks every invitee, invites nobody if any fails, and reports each failure.
    failures = [(user, _invite_problem(ws, channel, user)) for user in invitees]
    errors = [
        {"user": user, "ok": False, "error": problem} for user, problem in failures if problem
    ]
    if errors:
        raise SlackError(str(errors[0]["error"]), errors=errors)
    for user in invitees:
        ws.join(channel, user, inviter=BOT_USER_ID)
    return {"channel": channel.to_slack()}


def _invite_problem(ws: Workspace, channel: Channel, user: str) -> str | None:
    if user == BOT_USER_ID:
        return "cant_invite_self"
    if user not in ws.users:
        return "user_not_found"
    if user in channel.members:
        return "already_in_channel"
    return None


def _set_channel_text(ws: Workspace, args: Args, attribute: str) -> Channel:
    channel = ws.visible_channel(args.text("channel"))
    value = args.required(attribute)
    if channel.is_archived:
        raise SlackError("is_archived")
    if BOT_USER_ID not in channel.members:
        raise SlackError("not_in_channel")
    if len(value) > MAX_TOPIC_CHARS:
        raise SlackError("too_long")
    setattr(channel, attribute, ChannelText(value, BOT_USER_ID, ws.now()))
    subtype, verb = {
        "topic": ("channel_topic", "topic"),
        "purpose": ("channel_purpose", "description"),
    }[attribute]
    notice = ws.system_message(channel, BOT_USER_ID, subtype, f"set the channel {verb}: {value}")
    notice.extra[attribute] = value
    return channel


@api("conversations.setTopic")
def conversations_set_topic(ws: Workspace, args: Args) -> JSON:
    return {"channel": _set_channel_text(ws, args, "topic").to_slack()}


@api("conversations.setPurpose")
def conversations_set_purpose(ws: Workspace, args: Args) -> JSON:
    _set_channel_text(ws, args, "purpose")
    return {}


@api("conversations.archive")
def conversations_archive(ws: Workspace, args: Args) -> JSON:
    channel = ws.visible_channel(args.text("channel"))
    if channel.is_general:
        raise SlackError("cant_archive_general")
    if channel.is_archived:
        raise SlackError("already_archived")
    if BOT_USER_ID not in channel.members:
        raise SlackError("not_in_channel")
    channel.is_archived = True
    return {}


@api("conversations.history")
def conversations_history(ws: Workspace, args: Args) -> JSON:
    channel = ws.joined_channel(args.text("channel"))
    top_level = [
        m
        for m in ws.messages[channel.id].values()
        if not m.is_reply or m.subtype == "thread_broadcast"
    ]
    newest_first = list(reversed(window(top_level, args)))
    messages, cursor = page(newest_first, lambda m: m.ts, args, "next_ts", (100, 999))
    include = args.flag("include_all_metadata")
    response: JSON = {
        "messages": [m.to_slack(include_metadata=include) for m in messages],
        "has_more": bool(cursor),
        "pin_count": len(ws.pins[channel.id]),
    }
    if cursor:
        response["response_metadata"] = {"next_cursor": cursor}
    return response


@api("conversations.replies")
def conversations_replies(ws: Workspace, args: Args) -> JSON:
    channel = ws.joined_channel(args.text("channel"))
    asked = ws.messages[channel.id].get(args.text("ts") or "")
    if asked is None:
        raise SlackError("thread_not_found")
    root = asked.thread_ts or asked.ts
    thread = [m for m in ws.messages[channel.id].values() if m.ts == root or m.thread_ts == root]
    messages, cursor = page(window(thread, args), lambda m: m.ts, args, "next_ts", (1000, 1000))
    include = args.flag("include_all_metadata")
    response: JSON = {
        "messages": [m.to_slack(include_metadata=include) for m in messages],
        "has_more": bool(cursor),
    }
    if cursor:
        response["response_metadata"] = {"next_cursor": cursor}
    return response


@api("conversations.canvases.create")
def conversations_canvases_create(ws: Workspace, args: Args) -> JSON:
    channel = ws.visible_channel(args.text("channel_id"))
    if any(c.channel_id == channel.id for c in ws.canvases.values()):
        raise SlackError("channel_canvas_already_exists")
    return {"canvas_id": _create_canvas(ws, args, channel.id).id}


@api("canvases.create")
def canvases_create(ws: Workspace, args: Args) -> JSON:
    channel_id = args.text("channel_id")
    if channel_id is not None:
        ws.visible_channel(channel_id)
    return {"canvas_id": _create_canvas(ws, args, channel_id).id}


def _create_canvas(ws: Workspace, args: Args, channel_id: str | None) -> Canvas:
    content = args.get("document_content")
    markdown = ""
    if content is not None:
        if not isinstance(content, dict) or content.get("type") != "markdown":
            raise SlackError("canvas_creation_failed", detail="document_content must be markdown")
        markdown = str(content.get("markdown", ""))
    canvas = Canvas(ws.new_id("F"), args.text("title") or "", markdown, channel_id)
    ws.canvases[canvas.id] = canvas
    return canvas


# -- chat ----------------------------------------------------------------------------------------


@api("chat.postMessage")
def chat_post_message(ws: Workspace, args: Args) -> JSON:
    channel = ws.destination(args.text("channel"))
    if channel.is_archived:
        raise SlackError("is_archived")
    text, blocks = check_message_content(args)
    message = ws.post_as_bot(
        channel.id,
        text or "",
        blocks,
        thread_ts=args.text("thread_ts"),
        metadata=check_metadata(args),
        broadcast=args.flag("reply_broadcast"),
    )
    return {"channel": channel.id, "ts": message.ts, "message": message.to_slack()}


@api("chat.update")
def chat_update(ws: Workspace, args: Args) -> JSON:
    channel = ws.visible_channel(args.text("channel"))
    message = ws.message(channel.id, args.text("ts"))
    if message.user != BOT_USER_ID:
        raise SlackError("cant_update_message")
    if channel.is_archived:
        raise SlackError("is_inactive")
    text, blocks = check_message_content(args)
    metadata = check_metadata(args)
    ws.edit(message, BOT_USER_ID, text, blocks)
    if metadata is not None:
        message.metadata = metadata
    return {
        "channel": channel.id,
        "ts": message.ts,
        "text": message.text,
        "message": message.to_slack(),
    }


@api("chat.delete")
def chat_delete(ws: Workspace, args: Args) -> JSON:
    channel = ws.visible_channel(args.text("channel"))
    message = ws.message(channel.id, args.text("ts"))
    if message.user != BOT_USER_ID:
        raise SlackError("cant_delete_message")
    ws.remove(message)
    return {"channel": channel.id, "ts": message.ts}


@api("chat.postEphemeral")
def chat_post_ephemeral(ws: Workspace, args: Args) -> JSON:
    channel = ws.joined_channel(args.text("channel"))
    if channel.is_archived:
        raise SlackError("is_archived")
    user = args.text("user")
    if user not in channel.members:
        raise SlackError("user_not_in_channel")
    text, blocks = check_message_content(args)
    ts = ws.next_ts()
    ws.ephemerals.append(
        Ephemeral(
            channel.id,
            user,
            text or "",
            blocks or [],
            args.text("thread_ts"),
            ts,
            "chat.postEphemeral",
        )
    )
    return {"message_ts": ts}


@api("chat.getPermalink")
def chat_get_permalink(ws: Workspace, args: Args) -> JSON:
    channel = ws.visible_channel(args.text("channel"))
    message = ws.message(channel.id, args.text("message_ts"))
    link = f"{SLACK_URL}/archives/{channel.id}/p{message.ts.replace('.', '')}"
    if message.is_reply:
        link += f"?thread_ts={message.thread_ts}&cid={channel.id}"
    return {"channel": channel.id, "permalink": link}


# -- pins ----------------------------------------------------------------------------------------


@api("pins.add")
def pins_add(ws: Workspace, args: Args) -> JSON:
    channel = ws.joined_channel(args.text("channel"))
    if not args.has("timestamp"):
        raise SlackError("no_item_specified")
    message = ws.message(channel.id, args.text("timestamp"))
    if message.ts in ws.pins[channel.id]:
        raise SlackError("already_pinned")
    ws.pins[channel.id][message.ts] = _Pin(ws.now(), BOT_USER_ID)
    ws.system_message(
        channel, BOT_USER_ID, "pinned_item", f"<@{BOT_USER_ID}> pinned a message to this channel."
    )
    return {}


@api("pins.list")
def pins_list(ws: Workspace, args: Args) -> JSON:
    channel = ws.visible_channel(args.text("channel"))
    items = [
        {
            "type": "message",
            "created": pin.created,
            "created_by": pin.created_by,
            "channel": channel.id,
            "message": ws.messages[channel.id][ts].to_slack(),
        }
        for ts, pin in reversed(ws.pins[channel.id].items())
    ]
    return {"items": items}


@api("pins.remove")
def pins_remove(ws: Workspace, args: Args) -> JSON:
    channel = ws.joined_channel(args.text("channel"))
    if not args.has("timestamp"):
        raise SlackError("no_item_specified")
    message = ws.message(channel.id, args.text("timestamp"))
    if ws.pins[channel.id].pop(message.ts, None) is None:
        raise SlackError("no_pin")
    return {}


# -- views ---------------------------------------------------------------------------------------


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


# -- files ---------------------------------------------------------------------------------------


@api("files.getUploadURLExternal")
def files_get_upload_url_external(ws: Workspace, args: Args) -> JSON:
    filename = args.required("filename")
    length = args.number("length", 0)
    if length <= 0:
        raise SlackError("missing_argument")
    alt_txt = args.text("alt_txt")
    if alt_txt is not None and len(alt_txt) > 1000:
        raise SlackError("alt_txt_too_large")
    upload = UploadedFile(
        ws.new_id("F"),
        filename,
        length,
        BOT_USER_ID,
        ws.now(),
        alt_txt=alt_txt,
        snippet_type=args.text("snippet_type"),
    )
    ticket = secrets.token_urlsafe(24)
    ws.files[upload.id] = upload
    ws.upload_tickets[ticket] = upload.id
    return {"upload_url": f"{ws.base_url}/upload/v1/{ticket}", "file_id": upload.id}


@api("files.completeUploadExternal")
def files_complete_upload_external(ws: Workspace, args: Args) -> JSON:
    entries = args.get("files")
    if not isinstance(entries, list) or not entries:
        raise invalid_arguments("missing required field: files")
    uploads = []
    for entry in entries:
        upload = ws.files.get(str(entry.get("id")) if isinstance(entry, dict) else "")
        if upload is None or upload.data is None or upload.completed:
            raise SlackError("file_not_found")
        uploads.append((upload, entry))
    targets = [args.text("channel_id")] if args.has("channel_id") else []
    targets += [c for c in (args.text("channels") or "").split(",") if c]
    channels = [ws.joined_channel(target) for target in targets]
    _, blocks = check_message_content(args, require_content=False)
    for upload, entry in uploads:
        upload.completed = True
        upload.title = str(entry.get("title") or upload.name)
    shared = [upload.to_slack() for upload, _ in uploads]
    for channel in channels:
        ws.post_as_bot(
            channel.id,
            args.text("initial_comment") or "",
            blocks,
            thread_ts=args.text("thread_ts"),
            files=shared,
        )
        for upload, _ in uploads:
            upload.channels.append(channel.id)
    return {"files": shared}


# ---------------------------------------------------------------------------------------------
# The HTTP server and the test-facing fake
# ---------------------------------------------------------------------------------------------


@dataclass
class _Reply:
    status: int
    body: bytes
    content_type: str = "application/json; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)

    @classmethod
    def json(cls, body: JSON, status: int = HTTPStatus.OK, **headers: str) -> _Reply:
        return cls(status, json.dumps(body).encode(), headers=headers)

    @classmethod
    def text(cls, body: str, status: int = HTTPStatus.OK) -> _Reply:
        return cls(status, body.encode(), content_type="text/plain; charset=utf-8")


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, fake: FakeSlack) -> None:
        super().__init__(("127.0.0.1", 0), _RequestHandler)
        self.fake = fake


class _RequestHandler(BaseHTTPRequestHandler):
    server: _Server

    def do_GET(self) -> None:
        self._serve()

    def do_POST(self) -> None:
        self._serve()

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        reply = self.server.fake._route(
            self.path,
            self.headers.get("Content-Type", ""),
            self.headers.get("Authorization", ""),
            body,
        )
        self.send_response(reply.status)
        self.send_header("Content-Type", reply.content_type)
        self.send_header("Content-Length", str(len(reply.body)))
        for name, value in reply.headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(reply.body)

    def log_message(self, format: str, *args: Any) -> None:
        pass  # keep test output quiet; `FakeSlack.calls` is the log


class FakeSlack:
    """Slack's Web API, Socket Mode and a workspace, on loopback. See the module docstring."""

    def __init__(
        self, *, trigger_ttl: float | None = None, clock: Callable[[], float] = time.time
    ) -> None:
        """`trigger_ttl`: seconds a trigger_id lives (Slack: 3); None disables the age check."""
        self._changed = threading.Condition(threading.RLock())
        self._ws = Workspace(clock, trigger_ttl)
        self._calls: list[Call] = []
        self._rate_limits: dict[str, list[int]] = {}  # method -> Retry-After per pending 429
        self._failures: dict[str, list[str]] = {}  # method -> errors for the next calls
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self.socket = FakeSocketMode(app_id=APP_ID)

    # -- lifecycle ------------------------------------------------------------------------------

    def start(self) -> FakeSlack:
        self._server = _Server(self)
        # A short poll interval keeps stop() quick; serve_forever only checks for shutdown then.
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.01,), name="fake-slack", daemon=True
        )
        self._thread.start()
        self.socket.start()
        with self._changed:
            self._ws.base_url = f"http://127.0.0.1:{self._server.server_address[1]}"
            self._ws.socket_url = self.socket.issue_url
        return self

    def stop(self) -> None:
        self.socket.stop()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> FakeSlack:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def api_url(self) -> str:
        """The `base_url` for `WebClient`."""
        return f"{self._ws.base_url}/api/"

    # -- test controls --------------------------------------------------------------------------

    def rate_limit(self, method: str, times: int = 1, retry_after: int = 1) -> None:
        """The next `times` calls to `method` get HTTP 429 with `Retry-After: retry_after`."""
        with self._changed:
            self._rate_limits.setdefault(method, []).extend([retry_after] * times)

    def fail_next(self, method: str, error: str, times: int = 1) -> None:
        """The next `times` calls to `method` get `{"ok": false, "error": error}`."""
        with self._changed:
            self._failures.setdefault(method, []).extend([error] * times)

    def wait_for(self, predicate: Callable[[], T], timeout: float = 20.0) -> T:
        """Re-evaluate `predicate` under the lock after every change until it is truthy."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while not (result := predicate()):
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError(f"condition still false after {timeout}s")
                self._changed.wait(remaining)
            return result

    # -- the call log ---------------------------------------------------------------------------

    @property
    def calls(self) -> list[Call]:
        with self._changed:
            return list(self._calls)

    def calls_to(self, method: str) -> list[Call]:
        with self._changed:
            return [c for c in self._calls if c.method == method]

    # -- reading the workspace (copies, safe to keep) -------------------------------------------

    def user(self, user_id: str) -> User:
        with self._changed:
            return copy.deepcopy(self._ws.users[user_id])

    def channel(self, channel_id: str) -> Channel:
        with self._changed:
            return copy.deepcopy(self._ws.channels[channel_id])

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

    def canvas(self, canvas_id: str) -> Canvas:
        with self._changed:
            return copy.deepcopy(self._ws.canvases[canvas_id])

    def channel_canvas(self, channel_id: str) -> Canvas | None:
        with self._changed:
            found = next(
                (c for c in self._ws.canvases.values() if c.channel_id == channel_id), None
            )
            return copy.deepcopy(found)

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
        self, channel_id: str, ts: str, action_id: str, user: str, value: str | None = None
    ) -> JSON:
        """A `block_actions` payload (`interactive`) for a person using an element in a message."""
        with self._changed:
            message = self._ws.messages[channel_id][ts]
            person = self._ws.user(user)
            block, element = _find_action(message.blocks, action_id)
            return {
                "type": "block_actions",
                "user": {
                    "id": person.id,
                    "username": person.name,
                    "name": person.name,
                    "team_id": TEAM_ID,
                },
                "api_app_id": APP_ID,
                "token": "verification_token",
                "container": {
                    "type": "message",
                    "message_ts": ts,
                    "channel_id": channel_id,
                    "is_ephemeral": False,
                },
                "trigger_id": self._ws.issue_trigger(person.id),
                "team": {"id": TEAM_ID, "domain": TEAM_DOMAIN},
                "enterprise": None,
                "is_enterprise_install": False,
                "channel": {"id": channel_id, "name": self._ws.channels[channel_id].name},
                "message": message.to_slack(),
                "state": {"values": {}},
                "response_url": self._ws.issue_response_url(
                    _ResponseUrl(channel_id, person.id, ts, message.thread_ts)
                ),
                "actions": [_action(block, element, value, self._ws.next_ts())],
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

    # -- HTTP routing (server threads) ----------------------------------------------------------

    def _route(self, target: str, content_type: str, authorization: str, body: bytes) -> _Reply:
        path, _, query = target.partition("?")
        with self._changed:
            try:
                if path.startswith("/api/"):
                    method = path.removeprefix("/api/")
                    return self._api_call(method, query, content_type, authorization, body)
                if path.startswith("/upload/v1/"):
                    return self._upload(path.removeprefix("/upload/v1/"), body)
                if path.startswith("/response/"):
                    return self._respond(
                        self._ws.base_url + path, path.removeprefix("/response/"), body
                    )
                return _Reply.text("not found\n", HTTPStatus.NOT_FOUND)
            finally:
                self._changed.notify_all()

    def _api_call(
        self, name: str, query: str, content_type: str, authorization: str, body: bytes
    ) -> _Reply:
        token = authorization.removeprefix("Bearer ").strip() or None
        try:
            args = decode_args(query, content_type, body)
        except SlackError as error:
            args, reply = {}, _Reply.json(error.body)
        else:
            token = args.pop("token", None) or token  # a `token` field wins over the header
            reply = self._answer(name, token, args)
        response = json.loads(reply.body)
        self._calls.append(Call(name, args, token, int(reply.status), response, time.time()))
        return reply

    def _answer(self, name: str, token: str | None, args: JSON) -> _Reply:
        try:
            method = METHODS.get(name)
            if method is None:
                raise SlackError("unknown_method")
            if token is None:
                raise SlackError("not_authed")
            if token not in (BOT_TOKEN, APP_TOKEN):
                raise SlackError("invalid_auth")
            if token != method.token:
                raise SlackError("not_allowed_token_type")
            if self._rate_limits.get(name):
                retry_after = str(self._rate_limits[name].pop(0))
                limited = SlackError("ratelimited").body
                return _Reply.json(
                    limited, HTTPStatus.TOO_MANY_REQUESTS, **{"Retry-After": retry_after}
                )
            if self._failures.get(name):
                raise SlackError(self._failures[name].pop(0))
            return _Reply.json({"ok": True, **method.handler(self._ws, Args(args))})
        except SlackError as error:
            return _Reply.json(error.body)

    def _upload(self, ticket: str, body: bytes) -> _Reply:
        file_id = self._ws.upload_tickets.pop(ticket, None)
        if file_id is None:
            return _Reply.text("invalid upload ticket\n", HTTPStatus.NOT_FOUND)
        self._ws.files[file_id].data = body
        return _Reply.text(f"OK - {len(body)}")

    def _respond(self, url: str, response_id: str, body: bytes) -> _Reply:
        context = self._ws.response_urls.get(response_id)
        if context is None:
            return _Reply.text("no_such_url\n", HTTPStatus.NOT_FOUND)
        try:
            payload = json.loads(body)
            if not isinstance(payload, dict):
                raise ValueError(payload)
        except ValueError:
            return _Reply.text("invalid_payload\n", HTTPStatus.BAD_REQUEST)
        blocks = payload.get("blocks")
        if blocks is not None and (
            not isinstance(blocks, list) or BlockKitValidator().message(blocks)
        ):
            return _Reply.text("invalid_blocks\n", HTTPStatus.BAD_REQUEST)
        post = ResponsePost(url, payload, time.time())
        self._ws.responses.append(post)
        self._apply_response(context, post)
        return _Reply.text("ok")

    def _apply_response(self, context: _ResponseUrl, post: ResponsePost) -> None:
        """Do what Slack does with a response_url post (no channel membership needed)."""
        if context.channel is None:
            return
        original = self._ws.messages[context.channel].get(context.message_ts or "")
        if post.delete_original and original is not None:
            self._ws.remove(original)
        elif post.replace_original and original is not None:
            self._ws.edit(original, BOT_USER_ID, post.text, post.blocks)
        elif post.response_type == "in_channel":
            thread_ts = post.body.get("thread_ts") or context.thread_ts
            self._ws.post_as_bot(context.channel, post.text, post.blocks, thread_ts=thread_ts)
        elif context.user is not None:
            self._ws.ephemerals.append(
                Ephemeral(
                    context.channel,
                    context.user,
                    post.text,
                    post.blocks,
                    context.thread_ts,
                    self._ws.next_ts(),
                    "response_url",
                )
            )


_SYSTEM_SUBTYPES: Final = frozenset(
    {"channel_join", "channel_topic", "channel_purpose", "pinned_item"}
)


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
    elif value is not None:
        action["value"] = value
    return action | {"type": kind, "action_ts": action_ts}
