"""Similar past incidents: the post in the announcement's thread and the reply to the
Similar incidents button. Both show `bot.similar.snapshot` items. Pure."""

import re
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, Final

from slack_sdk.models.blocks import Block, ContextBlock, MarkdownTextObject, SectionBlock

from bot.adapters.slack.blocks.text import MAX_SECTION, STATUS_EMOJI, clip, defang, when
from models import Status

MAX_RESOLUTION: Final = 300
_SPACE: Final = re.compile(r"\s+")


def similar_post(items: Sequence[Mapping[str, Any]]) -> list[Block]:
    """Posted in the announcement's thread when the room opens (and when the incident's
    words or services change the answer)."""
    heading = ":books: *Similar past incidents.* How they were handled may help here:"
    return [_section(heading), *_items(items), _footer()]


def similar_reply(ref: str, items: Sequence[Mapping[str, Any]]) -> list[Block]:
    """The answer to the Similar incidents button: only the asker sees it."""
    if not items:
        return [_section(f"I found no past incident much like {ref}.")]
    return [_section(f":books: *Past incidents like {ref}:*"), *_items(items), _footer()]


def _items(items: Sequence[Mapping[str, Any]]) -> list[Block]:
    return [_section(_item(item)) for item in items]


def _item(item: Mapping[str, Any]) -> str:
    """Ref (linking its channel), title, when and how it ended, and its post-mortem."""
    status = Status(item["status"])
    ref = f"*{item['ref']}*"
    if item.get("channel_id"):
        ref += f" <#{item['channel_id']}>"
    declared = when(datetime.fromisoformat(item["declared_at"]), "{date_short_pretty}")
    lines = [
        f"{STATUS_EMOJI[status]} {ref} {defang(item['title'])}",
        f"Declared {declared} · {status.label}",
    ]
    if item.get("failure_modes"):
        lines.append(f"*Same failure:* {defang(', '.join(item['failure_modes']))}")
    if item.get("resolution"):
        resolution = _SPACE.sub(" ", defang(item["resolution"]))
        lines.append(f"*Resolution:* {clip(resolution, MAX_RESOLUTION)}")
    if (url := item.get("postmortem_url")) and url.startswith("https://"):
        lines.append(f"<{url}|Read the post-mortem>")
    return clip("\n".join(lines), MAX_SECTION)


def _footer() -> ContextBlock:
    return ContextBlock(
        elements=[
            MarkdownTextObject(
                text="Matched on words, failure modes, services and category. Search for more with "
                "`/incident search <words>`."
            )
        ]
    )


def _section(text: str) -> SectionBlock:
    return SectionBlock(text=MarkdownTextObject(text=clip(text, MAX_SECTION)))
