"""What Slack shows of scheduled notices: nudges, reminders and escalations. Pure."""

from datetime import datetime

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    MarkdownTextObject,
    SectionBlock,
)

from bot.adapters.slack.blocks.text import MAX_SECTION, clip, defang, duration, when
from bot.adapters.slack.blocks.updates import next_update_text, post_update_button
from bot.adapters.slack.ids import Action, status_action_id
from bot.scheduling.due import Situation
from models import NoticeKind, OutboxMessage, Status


def notice(
    message: OutboxMessage, situation: Situation, now: datetime, snoozes: tuple[int, ...]
) -> list[Block]:
    """The blocks of one outbox message, rendered from the incident as it is now."""
    text = notice_text(message, situation, now)
    blocks: list[Block] = [SectionBlock(text=MarkdownTextObject(text=clip(text, MAX_SECTION)))]
    if message.kind is NoticeKind.NUDGE:
        buttons = [
            ButtonElement(text="Post update", action_id=Action.POST_UPDATE, style="primary"),
            *(
                ButtonElement(
                    text=f"Snooze {minutes}m", action_id=f"{Action.SNOOZE}.{minutes}",
                    value=str(minutes),
                )
                for minutes in snoozes
            ),
        ]  # fmt: skip
        blocks.append(ActionsBlock(elements=buttons))
    elif message.kind is NoticeKind.NEXT_UPDATE:
        blocks.append(post_update_button())
    elif message.kind is NoticeKind.MONITORED:
        close = ButtonElement(
            text="Close", action_id=status_action_id(Status.CLOSED), style="primary"
        )
        blocks.append(ActionsBlock(elements=[close]))
    elif message.kind is NoticeKind.NO_COMMANDER:
        claim = ButtonElement(
            text="Claim commander", action_id=Action.CLAIM_COMMANDER, style="primary"
        )
        blocks.append(ActionsBlock(elements=[claim]))
    return blocks


def notice_text(message: OutboxMessage, situation: Situation, now: datetime) -> str:
    """The notice in words: also the fallback text of its message."""
    incident = situation.incident
    ref, title = incident.ref, defang(incident.title)
    commander = f"<@{situation.commander}>" if situation.commander else "Commander"
    match message.kind:
        case NoticeKind.NUDGE:
            since = datetime.fromisoformat(message.data["silent_since"])
            return (
                f":alarm_clock: No update on {ref} for {duration(since, now)}. {commander}, "
                "post one for the people waiting on it: what is happening, the impact, "
                "what happens next."
            )
        case NoticeKind.NO_COMMANDER:
            return (
                f":raising_hand: {ref} has had no commander for "
                f"{duration(incident.declared_at, now)}. Who takes it?"
            )
        case NoticeKind.ESCALATION:
            people = " ".join(f"<@{u}>" for u in message.data.get("users", []))
            return (
                f":rotating_light: {ref} ({incident.severity.upper()}: {title}) has not been "
                f"acknowledged within {message.data.get('within')}. "
                f"{people + ' p' if people else 'P'}lease take a look in <#{incident.channel_id}>."
            )
        case NoticeKind.STALE_MITIGATED:
            since = incident.mitigated_at or now
            return (
                f":hourglass: {ref} has been mitigated for {duration(since, now)} without being "
                f"resolved. {commander}: resolve it once the fix holds, or reopen it."
            )
        case NoticeKind.STALE_RESOLVED:
            since = incident.resolved_at or now
            return (
                f":hourglass: {ref} was resolved {duration(since, now)} ago and is not closed. "
                f"{commander}: close it once the follow-up is done."
            )
        case NoticeKind.NEXT_UPDATE:
            return next_update_text(incident, situation.commander)
        case NoticeKind.MONITORED:
            return (
                f":white_check_mark: {ref} stayed quiet through its verification window. "
                f"{commander}: close it? Closing checks its checklist first."
            )
        case NoticeKind.POSTMORTEM_DUE:
            record = situation.postmortem
            due = when(record.due_at) if record and record.due_at else "already"
            owners = {p for p in (record.author if record else None, situation.commander) if p}
            names = " ".join(f"<@{p}>" for p in sorted(owners)) or "Commander"
            return (
                f":memo: The post-mortem of {ref} was due {due}. {names}: finish it and run "
                "`/incident postmortem publish`."
            )
    raise AssertionError(f"no text for {message.kind}")


def snoozed(user: str, minutes: int) -> str:
    """What a nudge becomes once someone snoozes it."""
    return f":zzz: <@{user}> snoozed update reminders for {minutes} minutes."
