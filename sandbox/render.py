"""Block Kit and mrkdwn as plain, accessible HTML. Every string from the workspace is escaped;
links keep only http(s) and mailto addresses.

Interactive elements are forms: in a message or the Home tab each element is its own small
form posting to `/sandbox/act`; in a modal they are fields of the modal's one form (inputs) or
buttons with `formaction` (actions), so nothing nests."""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime

from markdown_it import MarkdownIt

from .slack.identities import JSON

_TOKEN = re.compile(r"<([^<>]+)>")
_SAFE_URL = re.compile(r"^(https?://|mailto:)", re.IGNORECASE)
_FORMATS = (
    (re.compile(r"```(.+?)```", re.DOTALL), r"<pre>\1</pre>"),
    (re.compile(r"`([^`\n]+)`"), r"<code>\1</code>"),
    (re.compile(r"(?<![\w*])\*([^*\n]+)\*(?![\w*])"), r"<strong>\1</strong>"),
    (re.compile(r"(?<![\w_])_([^_\n]+)_(?![\w_])"), r"<em>\1</em>"),
    (re.compile(r"(?<![\w~])~([^~\n]+)~(?![\w~])"), r"<del>\1</del>"),
)
_EMOJI = {
    "rotating_light": "🚨", "white_check_mark": "✅", "warning": "⚠️", "fire": "🔥",
    "pushpin": "📌", "memo": "📝", "bell": "🔔", "large_green_circle": "🟢",
    "large_yellow_circle": "🟡", "red_circle": "🔴", "large_orange_circle": "🟠",
    "hourglass_flowing_sand": "⏳", "mag": "🔍", "link": "🔗", "bar_chart": "📊",
    "calendar": "📅", "bulb": "💡", "x": "❌", "heavy_check_mark": "✔️", "clipboard": "📋",
    "busts_in_silhouette": "👥", "wrench": "🔧", "tada": "🎉", "eyes": "👀", "label": "🏷️",
    "adhesive_bandage": "🩹", "alarm_clock": "⏰", "ballot_box_with_check": "☑️",
    "books": "📚", "bust_in_silhouette": "👤", "dart": "🎯", "gear": "⚙️",
    "globe_with_meridians": "🌐", "grey_question": "❔", "hammer_and_wrench": "🛠️",
    "heavy_multiplication_x": "✖️", "hourglass": "⌛", "jigsaw": "🧩", "key": "🔑",
    "lock": "🔒", "unlock": "🔓", "loudspeaker": "📢", "mag_right": "🔎", "no_entry_sign": "🚫",
    "notebook": "📓", "outbox_tray": "📤", "pager": "📟", "pencil2": "✏️",
    "raising_hand": "🙋", "repeat": "🔁", "robot_face": "🤖", "satellite": "📡", "sos": "🆘",
    "white_large_square": "⬜", "zzz": "💤", "confused": "😕", "large_blue_circle": "🔵",
    "white_circle": "⚪", "black_circle": "⚫", "arrow_right": "➡️", "thumbsup": "👍",
    "+1": "👍", "lock_with_ink_pen": "🔏", "arrow_double_up": "⏫",
}  # fmt: skip
_SHORTCODE = re.compile(r":([a-z0-9_+-]+):")
_markdown = MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("table")


def esc(value: object) -> str:
    return html.escape(str(value), quote=True)


@dataclass(frozen=True)
class Names:
    """Who and where IDs stand for, to show `<@U…>` and `<#C…>` as names."""

    users: Mapping[str, str] = field(default_factory=dict)
    channels: Mapping[str, str] = field(default_factory=dict)


def emoji(text: str) -> str:
    return _SHORTCODE.sub(lambda m: _EMOJI.get(m.group(1), m.group(0)), text)


def mrkdwn(text: str, names: Names) -> str:
    """Slack's mrkdwn as HTML: links, mentions, bold, italics, strike, code, quotes, lines."""
    parts: list[str] = []
    position = 0
    for token in _TOKEN.finditer(text):
        parts.append(_formatted(text[position : token.start()]))
        parts.append(_token(token.group(1), names))
        position = token.end()
    parts.append(_formatted(text[position:]))
    lines = "".join(parts).split("\n")
    out = [
        f"<blockquote>{line[5:]}</blockquote>" if line.startswith("&gt; ") else line
        for line in lines
    ]
    return "<br>".join(out)


def _formatted(text: str) -> str:
    result = esc(emoji(html.unescape(text)))
    for pattern, replacement in _FORMATS:
        result = pattern.sub(replacement, result)
    return result


def _token(inner: str, names: Names) -> str:
    target, _, label = inner.partition("|")
    if target.startswith("@"):
        return (
            f'<span class="mention">@{esc(names.users.get(target[1:], label or target[1:]))}</span>'
        )
    if target.startswith("#"):
        name = names.channels.get(target[1:], label or target[1:])
        return f'<span class="mention">#{esc(name)}</span>'
    if target.startswith("!subteam^"):
        return f'<span class="mention">{esc(html.unescape(label) or "@team")}</span>'
    if target.startswith("!date^"):
        return esc(html.unescape(label))
    if target.startswith("!"):
        return f'<span class="mention">@{esc(target[1:])}</span>'
    url = html.unescape(target)
    shown = esc(html.unescape(label) or url)
    if _SAFE_URL.match(url):
        return f'<a href="{esc(url)}" rel="noopener noreferrer" target="_blank">{shown}</a>'
    return shown


def text(obj: JSON | None, names: Names) -> str:
    """A text object: mrkdwn formatted, plain_text escaped (emoji shortcodes shown)."""
    if not obj:
        return ""
    if obj.get("type") == "mrkdwn":
        return mrkdwn(str(obj.get("text", "")), names)
    return esc(emoji(str(obj.get("text", "")))).replace("\n", "<br>")


def markdown(source: str) -> str:
    """Canvas (and `markdown` block) markdown as HTML; raw HTML in it is shown as text."""
    return str(_markdown.render(source))


@dataclass(frozen=True)
class Surface:
    """Where the blocks are shown: the hidden fields an element's form carries to say so."""

    fields: Mapping[str, str]
    in_modal: bool = False
    people: Mapping[str, str] = field(default_factory=dict)  # user id -> name, for selects


def blocks(items: Iterable[JSON], names: Names, surface: Surface) -> str:
    return "".join(_block(block, names, surface) for block in items)


def _block(block: JSON, names: Names, surface: Surface) -> str:
    kind = block.get("type")
    block_id = str(block.get("block_id", ""))
    if kind == "header":
        return f'<h3 class="bk-header">{text(block.get("text"), names)}</h3>'
    if kind == "divider":
        return "<hr>"
    if kind == "section":
        fields = "".join(f"<div>{text(f, names)}</div>" for f in block.get("fields") or [])
        accessory = block.get("accessory")
        return (
            '<div class="bk-section"><div class="bk-body">'
            + (f"<div>{text(block.get('text'), names)}</div>" if block.get("text") else "")
            + (f'<div class="bk-fields">{fields}</div>' if fields else "")
            + "</div>"
            + (_element(accessory, block_id, names, surface) if accessory else "")
            + "</div>"
        )
    if kind == "context":
        parts = [
            f'<img src="{esc(e.get("image_url", ""))}" alt="{esc(e.get("alt_text", ""))}">'
            if e.get("type") == "image"
            else text(e, names)
            for e in block.get("elements", [])
        ]
        return f'<div class="bk-context">{" ".join(parts)}</div>'
    if kind == "actions":
        elements = "".join(_element(e, block_id, names, surface) for e in block["elements"])
        return f'<div class="bk-actions">{elements}</div>'
    if kind == "image":
        return _image(block, names)
    if kind == "input":
        return _input(block, names, surface)
    if kind == "rich_text":
        return f"<div>{esc(_rich_text(block))}</div>"
    if kind == "markdown":
        return f'<div class="canvas">{markdown(str(block.get("text", "")))}</div>'
    return f'<div class="bk-unknown">[{esc(kind)} block]</div>'


def _image(block: JSON, names: Names) -> str:
    source = block.get("image_url") or ""
    slack_file = block.get("slack_file") or {}
    if slack_file.get("id"):
        source = f"/sandbox/files/{slack_file['id']}"
    title = text(block.get("title"), names)
    caption = f"<figcaption>{title}</figcaption>" if title else ""
    alt = esc(block.get("alt_text", ""))
    return f'<figure class="bk-image"><img src="{esc(source)}" alt="{alt}">{caption}</figure>'


def _rich_text(block: JSON) -> str:
    def walk(node: object) -> Iterable[str]:
        if isinstance(node, dict):
            if node.get("type") == "text":
                yield str(node.get("text", ""))
            elif node.get("type") == "link":
                yield str(node.get("text") or node.get("url", ""))
            for child in node.get("elements", []) or []:
                yield from walk(child)

    return "".join(walk(block))


def _options(element: JSON) -> list[JSON]:
    groups = element.get("option_groups") or []
    return list(element.get("options") or [o for g in groups for o in g.get("options", [])])


def _element(element: JSON, block_id: str, names: Names, surface: Surface) -> str:
    """An interactive element, as a form of its own (or a button of the modal's form)."""
    kind = element.get("type")
    action_id = str(element.get("action_id", ""))
    if kind == "image":
        return f'<img class="bk-thumb" src="{esc(element.get("image_url", ""))}" alt="">'
    if kind == "button":
        style = esc(element.get("style", "default"))
        label = text(element.get("text"), names)
        value = element.get("value", "")
        if element.get("url"):
            url = str(element["url"])
            href = esc(url) if _SAFE_URL.match(url) else "#"
            attributes = f'class="button {style}" href="{href}" target="_blank" rel="noopener"'
            return f"<a {attributes}>{label}</a>"
        if surface.in_modal:
            act = esc(json.dumps([block_id, action_id, value]))
            return (
                f'<button class="{style}" formaction="/sandbox/act" formnovalidate name="act" '
                f'value="{act}">{label}</button>'
            )
        return _form(block_id, action_id, surface, f'<button class="{style}" name="value" '
                     f'value="{esc(value)}">{label}</button>')  # fmt: skip
    choices = _choices(element, surface)
    if choices is None or surface.in_modal:
        placeholder = text(element.get("placeholder"), names) or esc(kind)
        return f'<span class="bk-unsupported">[{placeholder}]</span>'
    label = text(element.get("placeholder"), names) or "Choose"
    control = (
        f'<input type="date" name="value" aria-label="{label}">'
        if kind == "datepicker"
        else f'<select name="value" aria-label="{label}" data-autosubmit>'
        f'<option value="">{label}</option>{choices}</select>'
    )
    return _form(block_id, action_id, surface, control + "<button>Send</button>")


def _choices(element: JSON, surface: Surface) -> str | None:
    kind = element.get("type")
    if kind in ("static_select", "overflow", "radio_buttons"):
        return "".join(
            f'<option value="{esc(o.get("value", ""))}">{esc(o["text"]["text"])}</option>'
            for o in _options(element)
        )
    if kind == "users_select":
        return "".join(
            f'<option value="{esc(uid)}">{esc(name)}</option>'
            for uid, name in surface.people.items()
        )
    if kind == "datepicker":
        return ""
    return None


def _form(block_id: str, action_id: str, surface: Surface, controls: str) -> str:
    hidden = {**surface.fields, "block_id": block_id, "action_id": action_id}
    inputs = "".join(
        f'<input type="hidden" name="{esc(k)}" value="{esc(v)}">' for k, v in hidden.items()
    )
    return f'<form class="bk-element" method="post" action="/sandbox/act">{inputs}{controls}</form>'


def _input(block: JSON, names: Names, surface: Surface) -> str:
    """An input block of a modal: a labelled field named `v:<block_id>:<action_id>`."""
    element = block.get("element") or {}
    kind = element.get("type")
    name = esc(f"v:{block.get('block_id', '')}:{element.get('action_id', '')}")
    label = text(block.get("label"), names)
    optional = " (optional)" if block.get("optional") else ""
    hint = f"<small>{text(block.get('hint'), names)}</small>" if block.get("hint") else ""
    field_id = f"f-{name}"
    if kind == "plain_text_input":
        initial = esc(element.get("initial_value", ""))
        control = (
            f'<textarea id="{field_id}" name="{name}">{initial}</textarea>'
            if element.get("multiline")
            else f'<input id="{field_id}" name="{name}" value="{initial}">'
        )
    elif kind in ("static_select", "users_select", "multi_static_select"):
        chosen = element.get("initial_option", {}).get("value") or element.get("initial_user")
        initials = {o.get("value") for o in element.get("initial_options", [])} | {chosen}
        if kind == "users_select":
            pairs = list(surface.people.items())
        else:
            pairs = [(str(o.get("value", "")), str(o["text"]["text"])) for o in _options(element)]
        options = "".join(
            f'<option value="{esc(v)}"{" selected" if v in initials else ""}>{esc(t)}</option>'
            for v, t in pairs
        )
        multiple = " multiple" if kind == "multi_static_select" else ""
        empty = "" if multiple else '<option value="">—</option>'
        control = f'<select id="{field_id}" name="{name}"{multiple}>{empty}{options}</select>'
    elif kind in ("checkboxes", "radio_buttons"):
        chosen = {o.get("value") for o in element.get("initial_options", [])}
        chosen.add((element.get("initial_option") or {}).get("value"))
        box = "checkbox" if kind == "checkboxes" else "radio"
        items = "".join(
            f'<label><input type="{box}" name="{name}" value="{esc(o.get("value", ""))}"'
            f"{' checked' if o.get('value') in chosen else ''}> "
            f"{text(o.get('text'), names)}</label>"
            for o in _options(element)
        )
        return f"<fieldset><legend>{label}{optional}</legend>{items}{hint}</fieldset>"
    elif kind == "datepicker":
        initial = esc(element.get("initial_date", ""))
        control = f'<input id="{field_id}" type="date" name="{name}" value="{initial}">'
    elif kind == "datetimepicker":
        start = element.get("initial_date_time")
        initial = (
            datetime.fromtimestamp(int(start), UTC).strftime("%Y-%m-%dT%H:%M") if start else ""
        )
        control = (
            f'<input id="{field_id}" type="datetime-local" name="{name}" value="{initial}"> UTC'
        )
    else:
        control = f"<span>[{esc(kind)}]</span>"
    return (
        f'<div class="field"><label for="{field_id}">{label}{optional}</label>{control}{hint}</div>'
    )


def view_values(view_blocks: Iterable[JSON], form: Mapping[str, list[str]]) -> JSON:
    """`view.state.values` as Slack builds them from what was entered in a modal's inputs."""
    values: JSON = {}
    for block in view_blocks:
        element = block.get("element") or {}
        if block.get("type") != "input" or not element.get("action_id"):
            continue
        block_id, action_id = str(block["block_id"]), str(element["action_id"])
        entered = [v for v in form.get(f"v:{block_id}:{action_id}", []) if v != ""]
        state = _state(element, entered)
        values[block_id] = {action_id: state}
    return values


def _state(element: JSON, entered: list[str]) -> JSON:
    kind = str(element.get("type"))
    first = entered[0] if entered else None
    labels = {str(o.get("value")): o for o in _options(element)}
    state: JSON = {"type": kind}
    if kind == "plain_text_input":
        state["value"] = first
    elif kind in ("static_select", "radio_buttons"):
        state["selected_option"] = labels.get(first or "")
    elif kind in ("checkboxes", "multi_static_select"):
        state["selected_options"] = [labels[v] for v in entered if v in labels]
    elif kind == "users_select":
        state["selected_user"] = first
    elif kind == "datepicker":
        state["selected_date"] = first
    elif kind == "datetimepicker":
        stamp = datetime.strptime(first, "%Y-%m-%dT%H:%M").replace(tzinfo=UTC) if first else None
        state["selected_date_time"] = int(stamp.timestamp()) if stamp else None
    else:
        state["value"] = first
    return state
