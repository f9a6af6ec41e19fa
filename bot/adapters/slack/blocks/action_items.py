"""What Slack shows of action items: lists and the timeline posts. Pure."""

from datetime import date
from typing import Final

from slack_sdk.models.blocks import (
    Block,
    ContextBlock,
    HeaderBlock,
    MarkdownTextObject,
    SectionBlock,
)

from bot.adapters.slack.blocks.text import MAX_BLOCKS, MAX_SECTION, clip, defang
from models import ActionItem, ActionStatus, TimelineEntry

STATUS_EMOJI: Final = {
    ActionStatus.OPEN: ":white_square:",
    ActionStatus.DONE: ":white_check_mark:",
    ActionStatus.CANCELLED: ":heavy_multiplication_x:",
}
_SCOPES: Final = {
    "mine": "Your open action items",
    "open": "Open action items",
    "overdue": "Overdue action items",
    "all": "Action items",
}


def action_item_list(
    items: list[ActionItem], scope: str, refs: dict[int, str], today: date
) -> list[Block]:
    """One line per item: status, title, owner, due date (overdue flagged), incident."""
    heading = _SCOPES.get(scope, "Action items")
    if not items:
        return [SectionBlock(text=MarkdownTextObject(text=f"{heading}: none. :tada:"))]
    blocks: list[Block] = [HeaderBlock(text=f"{heading} ({len(items)})")]
    for item in items[: MAX_BLOCKS - 2]:
        overdue = item.status is ActionStatus.OPEN and item.due_on < today
        due = f"*overdue since {item.due_on.isoformat()}*" if overdue else f"due {item.due_on}"
        line = (
            f"{STATUS_EMOJI[item.status]} *{defang(item.title)}*\n"
            f"<@{item.owner}> · {item.priority.upper()} · {due} · "
            f"{refs.get(item.incident_id, '')}"
        )
        blocks.append(SectionBlock(text=MarkdownTextObject(text=clip(line, MAX_SECTION))))
    if len(items) > MAX_BLOCKS - 2:
        more = f"and {len(items) - (MAX_BLOCKS - 2)} more"
        blocks.append(ContextBlock(elements=[MarkdownTextObject(text=more)]))
    return blocks


def action_item_post(entry: TimelineEntry) -> str:
    """How an action item's step is told in the incident channel."""
    data, who = entry.data, f"<@{entry.author}>" if entry.author else "Sitrep"
    title = defang(str(data.get("title", "")))
    match data.get("verb"):
        case "added":
            return (
                f":ballot_box_with_check: {who} added an action item for <@{data['owner']}> "
                f"({str(data['priority']).upper()}, due {data['due_on']}): *{title}*"
            )
        case "completed":
            return f":white_check_mark: {who} completed *{title}*: {defang(data['evidence'])}"
        case "reassigned":
            return f":bust_in_silhouette: {who} gave *{title}* to <@{data['owner']}>"
        case "rescheduled":
            return f":calendar: {who} moved *{title}* to {data['due_on']}"
        case "cancelled":
            return f":heavy_multiplication_x: {who} cancelled *{title}*: {defang(data['reason'])}"
    return f"{who}: {defang(entry.text)}"
