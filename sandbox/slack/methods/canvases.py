"""Web API methods: canvases. The markdown rules and sections are in `..canvas`; here they become
Slack's errors: `canvas_creation_failed` / `canvas_editing_failed` with a `detail`,
`canvas_too_large`, `canvas_not_found`, and `invalid_arguments` for malformed arguments."""

from __future__ import annotations

import secrets
import string
from dataclasses import dataclass
from typing import Any, Final

from ..canvas import (
    NOT_MARKDOWN_DETAIL,
    SECTION_TYPES,
    TOO_LARGE_DETAIL,
    CanvasContentError,
    check_markdown,
    document_markdown,
    join_sections,
    section_matches,
    split_sections,
    too_large,
)
from ..decoding import Args, SlackError, invalid_arguments
from ..identities import JSON
from ..records import Canvas, CanvasKind, Section
from ..workspace import Workspace
from .registry import api

_NEEDS_SECTION: Final = frozenset({"insert_after", "insert_before", "delete"})
_NEEDS_CONTENT: Final = frozenset(
    {"insert_after", "insert_before", "insert_at_start", "insert_at_end", "replace"}
)
_OPERATIONS: Final = (*sorted(_NEEDS_CONTENT | _NEEDS_SECTION), "rename")
_ACCESS_LEVELS: Final = ("read", "write", "owner")
_QUIP_ALPHABET: Final = string.ascii_letters + string.digits

# -- creating ------------------------------------------------------------------------------------


@api("conversations.canvases.create")
def conversations_canvases_create(ws: Workspace, args: Args) -> JSON:
    channel = ws.visible_channel(args.required("channel_id"))
    if ws.channel_canvas(channel.id) is not None:
        raise SlackError("channel_canvas_already_exists")
    return {"canvas_id": _create(ws, args, "channel", channel.id).id}


@api("canvases.create")
def canvases_create(ws: Workspace, args: Args) -> JSON:
    """A standalone canvas; with `channel_id`, tabbed in that channel."""
    channel_id = args.text("channel_id")
    if channel_id is not None:
        ws.visible_channel(channel_id)
    return {"canvas_id": _create(ws, args, "standalone", channel_id).id}


def _create(ws: Workspace, args: Args, kind: CanvasKind, channel_id: str | None) -> Canvas:
    markdown = ""
    if args.has("document_content"):
        given = document_markdown(args.get("document_content"))
        if given is None:
            raise SlackError("canvas_creation_failed", detail=NOT_MARKDOWN_DETAIL)
        markdown = given
    if too_large(markdown):
        raise SlackError("canvas_creation_failed", detail=TOO_LARGE_DETAIL)
    _check(markdown, "canvas_creation_failed")
    canvas = Canvas(
        id=ws.new_id("F"),
        title=args.text("title") or "",
        channel_id=channel_id,
        kind=kind,
        created=ws.now(),
        quip_thread_id="".join(secrets.choice(_QUIP_ALPHABET) for _ in range(11)),
        sections=split_sections(markdown),
    )
    ws.canvases[canvas.id] = canvas
    return canvas


def _check(markdown: str, error: str) -> None:
    try:
        check_markdown(markdown)
    except CanvasContentError as problem:
        raise SlackError(error, detail=problem.detail) from None


def _canvas(ws: Workspace, args: Args, *, deleted_error: str = "canvas_not_found") -> Canvas:
    canvas_id = args.required("canvas_id")
    canvas = ws.canvases.get(canvas_id)
    if canvas is None:
        deleted = canvas_id in ws.deleted_canvases
        raise SlackError(deleted_error if deleted else "canvas_not_found")
    return canvas


# -- editing -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Change:
    operation: str
    section_id: str | None
    markdown: str | None  # document_content's, or title_content's for `rename`


@api("canvases.edit")
def canvases_edit(ws: Workspace, args: Args) -> JSON:
    """One change per call, as Slack allows ("Only one operation per API call is currently
    supported"); validated in full before the canvas changes."""
    canvas = _canvas(ws, args)
    change = _parse_changes(args.get("changes"))
    if change.operation == "rename":
        canvas.title = change.markdown or ""
    else:
        canvas.sections = _edited(canvas.sections, change)
    canvas.edits += 1
    return {}


def _parse_changes(changes: Any) -> _Change:
    if changes is None:
        raise invalid_arguments("missing required field: changes")
    if not isinstance(changes, list):
        raise invalid_arguments("must be an array [json-pointer:/changes]")
    if not changes:
        raise invalid_arguments("must provide at least 1 items [json-pointer:/changes]")
    if len(changes) > 1:
        raise invalid_arguments("no more than 1 items allowed [json-pointer:/changes]")
    change, at = changes[0], "/changes/0"
    if not isinstance(change, dict):
        raise invalid_arguments(f"must be an object [json-pointer:{at}]")
    operation = change.get("operation")
    if operation is None:
        raise invalid_arguments(f"missing required field: operation [json-pointer:{at}]")
    if operation not in _OPERATIONS:
        raise invalid_arguments(f"must be a valid enum value [json-pointer:{at}/operation]")
    section_id = change.get("section_id")
    if section_id is not None and not isinstance(section_id, str):
        raise invalid_arguments(f"must be a string [json-pointer:{at}/section_id]")
    if operation in _NEEDS_SECTION and section_id is None:
        raise invalid_arguments(f"missing required field: section_id [json-pointer:{at}]")
    content_field = "title_content" if operation == "rename" else "document_content"
    markdown = None
    if operation in _NEEDS_CONTENT or operation == "rename":
        markdown = _content_markdown(change.get(content_field), f"{at}/{content_field}")
    return _Change(operation, section_id, markdown)


def _content_markdown(content: Any, pointer: str) -> str:
    field_name = pointer.rsplit("/", 1)[-1]
    if content is None:
        at = pointer.rsplit("/", 1)[0]
        raise invalid_arguments(f"missing required field: {field_name} [json-pointer:{at}]")
    if not isinstance(content, dict):
        raise invalid_arguments(f"must be an object [json-pointer:{pointer}]")
    if content.get("type") != "markdown":
        raise invalid_arguments(f"must be a valid enum value [json-pointer:{pointer}/type]")
    markdown = content.get("markdown")
    if not isinstance(markdown, str):
        raise invalid_arguments(f"must be a string [json-pointer:{pointer}/markdown]")
    return markdown


def _edited(sections: list[Section], change: _Change) -> list[Section]:
    """The canvas's sections after `change`, or Slack's error; `sections` is left as it was."""
    new: list[Section] = []
    if change.markdown is not None:
        _check(change.markdown, "canvas_editing_failed")
        new = split_sections(change.markdown)
    result = list(sections)
    operation = change.operation
    if operation == "insert_at_start":
        result[:0] = new
    elif operation == "insert_at_end":
        result.extend(new)
    elif operation == "replace" and change.section_id is None:
        result = new
    else:
        index = _section_index(sections, change.section_id)
        if operation == "insert_before":
            result[index:index] = new
        elif operation == "insert_after":
            result[index + 1 : index + 1] = new
        else:  # replace one section, or delete it (new is empty then)
            result[index : index + 1] = new
    if too_large(join_sections(result)):
        raise SlackError("canvas_too_large")
    return result


def _section_index(sections: list[Section], section_id: str | None) -> int:
    for index, section in enumerate(sections):
        if section.id == section_id:
            return index
    raise SlackError(
        "canvas_editing_failed", detail=f"'section_id' error: section {section_id} not found"
    )


# -- sections, access, deletion ------------------------------------------------------------------


@api("canvases.sections.lookup")
def canvases_sections_lookup(ws: Workspace, args: Args) -> JSON:
    canvas = _canvas(ws, args, deleted_error="canvas_deleted")
    section_types, contains_text = _criteria(args.get("criteria"))
    found = [s for s in canvas.sections if section_matches(s, section_types, contains_text)]
    return {"sections": [{"id": section.id} for section in found]}


def _criteria(criteria: Any) -> tuple[list[str] | None, str | None]:
    if criteria is None:
        raise invalid_arguments("missing required field: criteria")
    if not isinstance(criteria, dict):
        raise invalid_arguments("must be an object [json-pointer:/criteria]")
    section_types, contains_text = criteria.get("section_types"), criteria.get("contains_text")
    if section_types is None and contains_text is None:
        raise invalid_arguments(
            "must provide section_types or contains_text [json-pointer:/criteria]"
        )
    if section_types is not None:
        if not isinstance(section_types, list) or not 1 <= len(section_types) <= 3:
            raise invalid_arguments(
                "must be an array of 1 to 3 items [json-pointer:/criteria/section_types]"
            )
        for index, kind in enumerate(section_types):
            if kind not in SECTION_TYPES:
                raise invalid_arguments(
                    f"must be a valid enum value [json-pointer:/criteria/section_types/{index}]"
                )
    if contains_text is not None and not isinstance(contains_text, str):
        raise invalid_arguments("must be a string [json-pointer:/criteria/contains_text]")
    return section_types, contains_text


@api("canvases.delete")
def canvases_delete(ws: Workspace, args: Args) -> JSON:
    canvas = _canvas(ws, args)
    del ws.canvases[canvas.id]
    ws.deleted_canvases.add(canvas.id)
    return {}


@api("canvases.access.set")
def canvases_access_set(ws: Workspace, args: Args) -> JSON:
    """Standalone canvases only: Slack answers `canvas_not_found` for a channel canvas."""
    canvas = _canvas(ws, args)
    if canvas.kind == "channel":
        raise SlackError("canvas_not_found")
    level = args.required("access_level")
    channel_ids, user_ids = _id_list(args.get("channel_ids")), _id_list(args.get("user_ids"))
    if bool(channel_ids) == bool(user_ids):
        raise SlackError("invalid_parameters")
    if level not in _ACCESS_LEVELS:
        raise invalid_arguments("must be a valid enum value [json-pointer:/access_level]")
    if level == "owner" and channel_ids:
        raise invalid_arguments("only users can be owners [json-pointer:/access_level]")
    for channel_id in channel_ids:
        ws.visible_channel(channel_id)
    for user_id in user_ids:
        ws.user(user_id)
    for entity in [*channel_ids, *user_ids]:
        canvas.access[entity] = level
    return {}


def _id_list(value: Any) -> list[str]:
    """IDs as slack_sdk sends them (comma-separated) or as JSON sends them (an array)."""
    if value is None:
        return []
    if isinstance(value, list):
        return [str(item) for item in value]
    return [item.strip() for item in str(value).split(",") if item.strip()]
