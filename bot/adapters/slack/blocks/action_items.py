"""What Slack shows of action items: lists with their controls, the close modals and the
timeline posts. Pure."""

import json
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any, Final

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    DatePickerElement,
    HeaderBlock,
    InputBlock,
    MarkdownTextObject,
    Option,
    PlainTextInputElement,
    SectionBlock,
    StaticSelectElement,
    UserSelectElement,
)
from slack_sdk.models.views import View

from bot.action_items import MAX_TITLE, Proposals
from bot.adapters.slack.blocks.text import MAX_BLOCKS, MAX_SECTION, actor_mention, clip, defang
from bot.adapters.slack.ids import Action, Callback, Field
from bot.exports import Exported
from bot.scheduling.followups import Followup
from models import ActionItem, ActionStatus, Incident, NoticeKind, TimelineEntry

STATUS_EMOJI: Final = {
    ActionStatus.OPEN: ":white_large_square:",
    ActionStatus.DONE: ":white_check_mark:",
    ActionStatus.CANCELLED: ":heavy_multiplication_x:",
}
PRIORITIES: Final = {"p0": "P0 (most urgent)", "p1": "P1", "p2": "P2", "p3": "P3 (least urgent)"}
_PROPOSAL: Final = "proposal."
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
    more = "name an incident to see its items"
    return blocks + item_blocks(items, refs, today, room=MAX_BLOCKS - 1, more=more)


def item_blocks(
    items: Sequence[ActionItem],
    refs: Mapping[int, str],
    today: date,
    *,
    room: int,
    more: str = "`/incident actions` lists them all",
) -> list[Block]:
    """Each item's line, with its controls while it is open, within `room` blocks; a last
    line counts the items left out."""
    blocks: list[Block] = []
    for index, item in enumerate(items):
        needed = 2 if item.status is ActionStatus.OPEN else 1
        if len(blocks) + needed > room - (1 if index < len(items) - 1 else 0):
            left = f"and {len(items) - index} more: {more}"
            blocks.append(ContextBlock(elements=[MarkdownTextObject(text=left)]))
            break
        blocks.append(SectionBlock(text=MarkdownTextObject(text=item_line(item, refs, today))))
        if item.status is ActionStatus.OPEN:
            blocks.append(_controls(item))
    return blocks


def item_line(item: ActionItem, refs: Mapping[int, str], today: date) -> str:
    """Status, title, owner, priority, due date (overdue flagged) and incident."""
    overdue = item.status is ActionStatus.OPEN and item.due_on < today
    due = f"*overdue since {item.due_on.isoformat()}*" if overdue else f"due {item.due_on}"
    tracked = f" · <{item.external_url}|{item.external_key}>" if item.external_url else ""
    line = (
        f"{STATUS_EMOJI[item.status]} *{defang(item.title)}*\n"
        f"<@{item.owner}> · {item.priority.upper()} · {due} · "
        f"{refs.get(item.incident_id, '')}{tracked}"
    )
    return clip(line, MAX_SECTION)


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


def close_item_modal(item: ActionItem, *, cancelling: bool, from_home: bool = False) -> View:
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
        private_metadata=json.dumps({"item": item.id, "home": from_home}),
    )


def create_item_modal(incident: Incident, text: str, link: str) -> View:
    """The "Create action item" message shortcut's form: the message's text as the title,
    a link back to it, owner, due date and priority."""
    priorities = [Option(value=p, text=label) for p, label in PRIORITIES.items()]
    return View(
        type="modal",
        callback_id=Callback.CREATE_ITEM,
        title="New action item",
        submit="Create",
        close="Cancel",
        blocks=[
            InputBlock(
                block_id=Field.ITEM_TITLE,
                label="What needs doing?",
                element=PlainTextInputElement(
                    action_id=Field.ITEM_TITLE,
                    multiline=True,
                    max_length=MAX_TITLE,
                    initial_value=clip(text, MAX_TITLE) or None,
                ),
            ),
            InputBlock(
                block_id=Field.ITEM_OWNER,
                label="Owner",
                optional=True,
                hint="Empty: you.",
                element=UserSelectElement(action_id=Field.ITEM_OWNER),
            ),
            InputBlock(
                block_id=Field.ITEM_DUE,
                label="Due date",
                optional=True,
                hint="Empty: by priority (P0 a week … P3 a quarter, as configured).",
                element=DatePickerElement(action_id=Field.ITEM_DUE),
            ),
            InputBlock(
                block_id=Field.ITEM_PRIORITY,
                label="Priority",
                element=StaticSelectElement(
                    action_id=Field.ITEM_PRIORITY, options=priorities, initial_option=priorities[2]
                ),
            ),
            ContextBlock(
                elements=[
                    MarkdownTextObject(
                        text=clip(
                            f"For {incident.ref}: {defang(incident.title)} · from <{link}|this "
                            "message>",
                            MAX_SECTION,
                        )
                    )
                ]
            ),
        ],
        private_metadata=json.dumps({"incident": incident.id, "link": link}),
    )


def proposal_blocks(proposals: Proposals) -> list[Block]:
    """The post-mortem draft's proposed action items, each with *Accept* until accepted."""
    if not proposals.items:
        return []
    intro = (
        "*Proposed action items.* Accept the ones worth doing: each becomes an action item "
        "with an owner, a due date and reminders."
    )
    blocks: list[Block] = [
        SectionBlock(block_id=f"{_PROPOSAL}intro", text=MarkdownTextObject(text=intro))
    ]
    for proposal in proposals.items[: MAX_BLOCKS - 3]:
        owner = f"<@{proposal.owner}>" if proposal.owner else "whoever accepts it"
        line = (
            f"*{defang(proposal.title)}*\n{proposal.priority.upper()} · {owner} · "
            f"due {proposal.due_on.isoformat()}"
        )
        accepted = proposal.accepted
        accessory = None
        if accepted is None:
            accessory = ButtonElement(
                text="Accept",
                action_id=Action.ACCEPT_PROPOSAL,
                value=f"{proposals.draft}:{proposal.index}",
            )
        else:
            line = (
                f":white_check_mark: ~{defang(proposal.title)}~\nAccepted by "
                f"<@{accepted.created_by}>: <@{accepted.owner}> owns it, due "
                f"{accepted.due_on.isoformat()}"
            )
        blocks.append(
            SectionBlock(
                block_id=f"{_PROPOSAL}{proposal.index}",
                text=MarkdownTextObject(text=clip(line, MAX_SECTION)),
                accessory=accessory,
            )
        )
    return blocks


def with_proposals(message_blocks: Sequence[dict[str, Any]], proposals: Proposals) -> list[Any]:
    """A post's blocks with its proposals shown as they now are (others left as they were)."""
    kept = [b for b in message_blocks if not str(b.get("block_id", "")).startswith(_PROPOSAL)]
    return [*kept, *(b.to_dict() for b in proposal_blocks(proposals))]


def exported_reply(result: Exported) -> str:
    """The private answer to `/incident action export`."""
    ref = result.incident.ref
    keys = ", ".join(
        f"<{i.external_url}|{i.external_key}>" if i.external_url else str(i.external_key)
        for i in result.exported
    )
    parts = []
    if result.exported:
        plural = "item" if len(result.exported) == 1 else "items"
        parts.append(f"Sent {len(result.exported)} action {plural} of {ref} to Jira: {keys}.")
    if result.already:
        parts.append(f"{len(result.already)} already had an issue.")
    if result.busy:
        parts.append(
            f"{len(result.busy)} {'is' if len(result.busy) == 1 else 'are'} being exported by "
            "another request: export again in a few minutes if it doesn't show up."
        )
    if result.failure:
        parts.append(f"Stopped: {result.failure}")
    if not parts:
        parts.append(f"{ref} has no open action items to send to Jira.")
    return " ".join(parts)


def action_item_post(entry: TimelineEntry) -> str:
    """How an action item's step is told in the incident channel."""
    data, who = entry.data, actor_mention(entry.author)
    title = defang(str(data.get("title", "")))
    match data.get("verb"):
        case "added":
            source = (
                f" (from <{data['source_url']}|this message>)" if data.get("source_url") else ""
            )
            return (
                f":ballot_box_with_check: {who} added an action item for <@{data['owner']}> "
                f"({str(data['priority']).upper()}, due {data['due_on']}): *{title}*{source}"
            )
        case "completed":
            return f":white_check_mark: {who} completed *{title}*: {defang(data['evidence'])}"
        case "reassigned":
            return f":bust_in_silhouette: {who} gave *{title}* to <@{data['owner']}>"
        case "rescheduled":
            return f":calendar: {who} moved *{title}* to {data['due_on']}"
        case "cancelled":
            return f":heavy_multiplication_x: {who} cancelled *{title}*: {defang(data['reason'])}"
        case "exported":
            issue = f"<{data['external_url']}|{data['external_key']}>"
            return f":outbox_tray: {who} sent *{title}* to Jira as {issue}"
    return f"{who}: {defang(entry.text)}"


def reminder(kind: NoticeKind, followups: Sequence[Followup], today: date) -> list[Block]:
    """A reminder about action items: one item's with its controls, or a list of overdue
    ones with theirs."""
    head = SectionBlock(text=MarkdownTextObject(text=reminder_text(kind, followups, today)))
    items = [f.item for f in followups]
    if kind in (NoticeKind.ITEM_DUE_SOON, NoticeKind.ITEM_DUE):
        return [head, *(_controls(item) for item in items[:1] if item.status is ActionStatus.OPEN)]
    refs = {f.item.incident_id: f.incident.ref for f in followups}
    return [head, *item_blocks(items, refs, today, room=MAX_BLOCKS - 1)]


def reminder_text(kind: NoticeKind, followups: Sequence[Followup], today: date) -> str:
    """The reminder in words: also the fallback text of its message."""
    count = len(followups)
    plural = "item" if count == 1 else "items"
    match kind:
        case NoticeKind.ITEM_DUE_SOON | NoticeKind.ITEM_DUE:
            item, incident = followups[0].item, followups[0].incident
            days = (item.due_on - today).days
            when = "today" if days <= 0 else f"on {_day(item.due_on)} (in {_days(days)})"
            text = (
                f":bell: Your action item *{defang(item.title)}* ({item.priority.upper()}) is "
                f"due {when}. It came out of {incident.ref}: {defang(incident.title)}.\n"
                "Done? Complete it with what was done. Not doable by then? Move the due date, "
                "give it to someone else, or cancel it with a reason."
            )
        case NoticeKind.OVERDUE_SUMMARY:
            text = (
                f":warning: You have {count} overdue action {plural}. Finish, move or hand "
                "them on; cancel with a reason what no longer needs doing."
            )
        case _:
            incident = followups[0].incident
            text = (
                f":warning: {incident.ref} ({defang(incident.title)}) has {count} overdue "
                f"action {plural}."
            )
    return clip(text, MAX_SECTION)


def _day(day: date) -> str:
    return f"{day:%a} {day.day} {day:%b}"


def _days(days: int) -> str:
    return "1 day" if days == 1 else f"{days} days"
