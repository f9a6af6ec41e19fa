"""Block Kit validation: one table of Slack's documented limits, one walker.

Messages report `invalid_blocks` with `errors` + `response_metadata.messages`; views report
`invalid_arguments` with `response_metadata.messages` only. Wording observed from Slack:
"must be less than 3001 characters", "must be no longer than 150 characters" (header),
"no more than 50 items allowed", "failed to match all allowed schemas" (a text field that may be
plain_text or mrkdwn), "missing required field: x", "must be a valid enum value".
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum
from types import MappingProxyType
from typing import Any, Final

from .identities import JSON


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
        if block.get("type") == "image":
            self._image_source(block, at)

    def _image_source(self, image: JSON, at: str) -> None:
        """An image is either a public URL or an uploaded Slack file (by ID or URL), never
        both; which files exist is checked where the workspace is known (`slack_files`)."""
        if ("image_url" in image) == ("slack_file" in image):
            self._problem("must provide either image_url or slack_file", at)
            return
        source = image.get("slack_file")
        if source is not None and (
            not isinstance(source, dict) or ("id" in source) == ("url" in source)
        ):
            self._problem("slack_file must have either id or url", f"{at}/slack_file")

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


def slack_files(blocks: Any) -> list[str]:
    """The IDs of the Slack files image blocks show."""
    if not isinstance(blocks, list):
        return []
    return [
        str(b["slack_file"]["id"])
        for b in blocks
        if isinstance(b, dict)
        and b.get("type") == "image"
        and isinstance(b.get("slack_file"), dict)
        and "id" in b["slack_file"]
    ]
