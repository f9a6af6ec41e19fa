"""What Slack shows of on-call pages: the page with its Acknowledge and Escalate buttons,
the page once answered, the last level's word that nobody answered, and the channel's
posts. Pure."""

from collections.abc import Sequence

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    MarkdownTextObject,
    SectionBlock,
)

from bot.adapters.slack.blocks.text import MAX_SECTION, clip, defang, when
from bot.adapters.slack.ids import Action
from models import EntryKind, Incident, Page, TimelineEntry


def page_text(page: Page, incident: Incident) -> str:
    """The page's fallback text (what the notification says)."""
    return f":rotating_light: You are paged for {incident.ref} ({incident.severity.upper()}): " + (
        defang(incident.title)
    )


def _summary(page: Page, incident: Incident) -> str:
    why = f"by <@{page.paged_by}>" if page.paged_by else f"level {page.level}, {page.via}"
    return (
        f":rotating_light: *{incident.ref}* · *{incident.severity.upper()}* · "
        f"{defang(incident.title)}\nJoin <#{incident.channel_id}>. You are paged ({why})."
    )


def page_blocks(page: Page, incident: Incident) -> list[Block]:
    """The page as sent: the incident's summary and the buttons (the value: the page)."""
    assert page.id is not None
    text = _summary(page, incident)
    if page.ack_by is not None:
        text += f"\nIt escalates <!date^{int(page.ack_by.timestamp())}^{{time}}|soon> unless "
        text += "someone acknowledges."
    buttons = [
        ButtonElement(
            text="Acknowledge", action_id=Action.ACK_PAGE, value=str(page.id), style="primary"
        )
    ]
    if page.ack_by is not None:  # a page by hand has nowhere to escalate
        buttons.append(
            ButtonElement(text="Escalate", action_id=Action.ESCALATE_PAGE, value=str(page.id))
        )
    return [
        SectionBlock(text=MarkdownTextObject(text=clip(text, MAX_SECTION))),
        ActionsBlock(elements=buttons),
    ]


def acknowledged_blocks(page: Page, incident: Incident) -> list[Block]:
    """The page once someone answered: who, and no buttons."""
    by = f"<@{page.acknowledged_by}>" if page.acknowledged_by else "someone"
    return [
        SectionBlock(text=MarkdownTextObject(text=clip(_summary(page, incident), MAX_SECTION))),
        ContextBlock(
            elements=[MarkdownTextObject(text=f":white_check_mark: Acknowledged by {by}")]
        ),
    ]


def escalated_blocks(page: Page, to: Sequence[Page], incident: Incident) -> list[Block]:
    """The page once its level was escalated past: to whom and when, and no buttons (an
    Acknowledge still works through `/incident ack`)."""
    whom = ", ".join(f"<@{p.target}>" if p.is_user else f"<#{p.target}>" for p in to)
    at = when(min(p.paged_at for p in to), "{time}")
    by = f" (by <@{page.escalated_by}>)" if page.escalated_by else ""
    return [
        SectionBlock(text=MarkdownTextObject(text=clip(_summary(page, incident), MAX_SECTION))),
        ContextBlock(
            elements=[
                MarkdownTextObject(
                    text=clip(
                        f":arrow_double_up: Escalated to {whom} at {at}{by}. Acknowledge with "
                        f"`/incident ack {incident.ref}`.",
                        MAX_SECTION,
                    )
                )
            ]
        ),
    ]


def unanswered_text(incident: Incident) -> str:
    return (
        f":sos: Nobody acknowledged the pages of *{incident.ref}* ({incident.severity.upper()}: "
        f"{defang(incident.title)}) and there is no one further to page. "
        f"Please join <#{incident.channel_id}> or find someone who can."
    )


def unanswered_blocks(incident: Incident) -> list[Block]:
    return [
        SectionBlock(text=MarkdownTextObject(text=clip(unanswered_text(incident), MAX_SECTION)))
    ]


def paging_post(entry: TimelineEntry) -> str | None:
    """How a page or an acknowledgement shows in the incident channel."""
    if entry.kind is EntryKind.PAGED:
        return f":pager: {entry.text}"
    if entry.kind is EntryKind.ACKNOWLEDGED:
        return f":white_check_mark: {entry.text} the pages: escalation stops"
    return None
