"""What Slack shows of action items: lists with their controls, the close modals and the
timeline posts. Pure."""

from datetime import date
from typing import Final

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    DatePickerElement,
    HeaderBlock,
    InputBlock,
    MarkdownTextObject,
    PlainTextInputElement,
    SectionBlock,
    UserSelectElement,
)
from slack_sdk.models.views import View

from bot.adapters.slack.blocks.text import MAX_BLOCKS, MAX_SECTION, clip, defang
from bot.adapters.slack.ids import Action, Callback, Field
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
    shown = items[: (MAX_BLOCKS - 2) // 2]  # a line and its controls each
    for item in shown:
        overdue = item.status is ActionStatus.OPEN and item.due_on < today
        due = f"*overdue since {item.due_on.isoformat()}*" if overdue else f"due {item.due_on}"
        line = (
            f"{STATUS_EMOJI[item.status]} *{defang(item.title)}*\n"
            f"<@{item.owner}> · {item.priority.upper()} · {due} · "
            f"{refs.get(item.incident_id, '')}"
        )
        blocks.append(SectionBlock(text=MarkdownTextObject(text=clip(line, MAX_SECTION))))
        if item.status is ActionStatus.OPEN:
            blocks.append(_controls(item))
    if len(items) > len(shown):
        more = f"and {len(items) - len(shown)} more: name an incident to see its items"
        blocks.append(ContextBlock(elements=[MarkdownTextObject(text=more)]))
    return blocks


def _controls(item: ActionItem) -> ActionsBlock:
    """Complete (asks for evidence), reassign, move the due date, cancel (asks why)."""
    value = str(item.id)
    return ActionsBlock(
        block_id=f"action_item.{item.id}",
        elements=[
            ButtonElement(
                text="Complete", action_id=Action.COMPLETE_ITEM, value=value, style="primary"
            ),
            UserSelectElement(
                action_id=Action.REASSIGN_ITEM, placeholder="Reassign", initial_user=item.owner
            ),
            DatePickerElement(
                action_id=Action.RESCHEDULE_ITEM, initial_date=item.due_on.isoformat()
            ),
            ButtonElement(text="Cancel", action_id=Action.CANCEL_ITEM, value=value),
        ],
    )


def close_item_modal(item: ActionItem, *, cancelling: bool) -> View:
    """Asks for the evidence of a completed item, or the reason for cancelling one."""
    field = Field.REASON if cancelling else Field.EVIDENCE
    label = "Why is it cancelled?" if cancelling else "What was done? (a note or a link)"
    return View(
        type="modal",
        callback_id=Callback.CANCEL_ITEM if cancelling else Callback.COMPLETE_ITEM,
        title="Cancel action item" if cancelling else "Complete action item",
        submit="Cancel item" if cancelling else "Complete",
        close="Back",
        blocks=[
            SectionBlock(
                text=MarkdownTextObject(text=clip(f"*{defang(item.title)}*", MAX_SECTION))
            ),
            InputBlock(
                block_id=field,
                label=label,
                element=PlainTextInputElement(action_id=field, multiline=True, max_length=1000),
            ),
        ],
        private_metadata=str(item.id),
    )


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
