"""The audit log's answer to `/incident admin audit`."""

from collections.abc import Sequence

from slack_sdk.models.blocks import (
    Block,
    ContextBlock,
    HeaderBlock,
    MarkdownTextObject,
    SectionBlock,
)

from bot.adapters.slack.blocks.text import MAX_SECTION, clip, defang
from models import AuditEntry


def audit_blocks(entries: Sequence[AuditEntry], label: str, limit: int) -> list[Block]:
    """The latest entries, newest first: when, who, what, to what, from where."""
    if not entries:
        return [
            SectionBlock(text=MarkdownTextObject(text=f"The audit log has nothing for {label}."))
        ]
    blocks: list[Block] = [HeaderBlock(text=clip(f"Audit log: {label}", 150))]
    for entry in entries:
        who = f"<@{entry.actor}>" if entry.actor else "Sitrep"
        text = str(entry.details.get("text") or "")
        line = (
            f"`{entry.at.strftime('%Y-%m-%d %H:%M:%S')}Z` {who} *{entry.action}* "
            f"{entry.target} · {entry.surface}" + (f"\n{defang(text)}" if text else "")
        )
        blocks.append(SectionBlock(text=MarkdownTextObject(text=clip(line, MAX_SECTION))))
    if len(entries) >= limit:
        more = (
            f"The latest {limit}. Narrow it with an incident ID, e.g. "
            "`/incident admin audit INC-2026-0042`."
        )
        blocks.append(ContextBlock(elements=[MarkdownTextObject(text=more)]))
    return blocks
