"""Answers to commands and the App Home: help, usage, lists, summaries. Pure."""

from collections.abc import Sequence
from datetime import datetime
from typing import Final

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    DividerBlock,
    HeaderBlock,
    MarkdownTextObject,
    SectionBlock,
)

from bot.adapters.slack.blocks.incident import announcement
from bot.adapters.slack.blocks.oncall import on_call_then
from bot.adapters.slack.blocks.problems import problem_line
from bot.adapters.slack.blocks.text import (
    MAX_BLOCKS,
    MAX_SECTION,
    STATUS_EMOJI,
    actor_mention,
    clip,
    defang,
    duration,
    escape,
    when,
)
from bot.commands import USAGE
from bot.config import Policy
from bot.incidents import Summary
from bot.oncall.service import OnCallThen
from models import Incident, Problem, TimelineEntry


def usage(message: str, usage_text: str) -> list[Block]:
    blocks: list[Block] = [
        SectionBlock(text=MarkdownTextObject(text=clip(f":warning: {message}", MAX_SECTION)))
    ]
    if usage_text:
        blocks.append(
            SectionBlock(
                text=MarkdownTextObject(text=clip(f"Usage:\n```{usage_text}```", MAX_SECTION))
            )
        )
    return blocks


def help_blocks(policy: Policy) -> list[Block]:
    severities = "\n".join(
        f"• *{s.label}* {s.name}: {escape(s.description)} (respond within {s.response_target})"
        for s in policy.severities
    )
    commands = "\n".join(USAGE.values())
    return [
        HeaderBlock(text="Sitrep: incident commands"),
        SectionBlock(text=MarkdownTextObject(text=clip(f"```{commands}```", MAX_SECTION))),
        SectionBlock(
            text=MarkdownTextObject(
                text=clip(
                    "Inside an incident channel the incident is implied; elsewhere name it, "
                    "e.g. `/incident show INC-2026-0042`. React with :pushpin: to mark a message "
                    "as a key event.",
                    MAX_SECTION,
                )
            )
        ),
        SectionBlock(
            text=MarkdownTextObject(text=clip(f"*Severities*\n{severities}", MAX_SECTION))
        ),
    ]


LIST_LIMIT: Final = 20


def incident_list(
    incidents: Sequence[Incident], include_resolved: bool, now: datetime
) -> list[Block]:
    scope = "All incidents" if include_resolved else "Open incidents"
    if not incidents:
        return [SectionBlock(text=MarkdownTextObject(text=f"{scope}: none. :tada:"))]
    count = f"latest {len(incidents)}" if len(incidents) >= LIST_LIMIT else str(len(incidents))
    blocks: list[Block] = [HeaderBlock(text=f"{scope} ({count})")]
    for incident in incidents[: MAX_BLOCKS - 1]:
        blocks.append(SectionBlock(text=MarkdownTextObject(text=incident_line(incident, now))))
    return blocks


def incident_line(incident: Incident, now: datetime) -> str:
    """Status, ID, severity, title, channel and how long it has run."""
    where = f" · <#{incident.channel_id}>" if incident.channel_id else ""
    line = (
        f"{STATUS_EMOJI[incident.status]} *{incident.ref}* {incident.severity.upper()} "
        f"{incident.status.label} · {defang(incident.title)}{where} · "
        f"{duration(incident.declared_at, incident.resolved_at or now)}"
    )
    return clip(line, MAX_SECTION)


def summary_blocks(
    summary: Summary,
    policy: Policy,
    now: datetime,
    problem: Problem | None = None,
    on_call: Sequence[OnCallThen] = (),
) -> list[Block]:
    """`/incident show`: the announcement's facts, its problem, who was on call for its
    services when it started, and the latest timeline."""
    facts = [
        b
        for b in announcement(summary.incident, summary.roles, policy, now)
        if not isinstance(b, ActionsBlock)
    ]
    if problem is not None:
        line = f"*Problem:* {problem_line(problem)}"
        facts.append(SectionBlock(text=MarkdownTextObject(text=clip(line, MAX_SECTION))))
    if on_call:
        text = clip(on_call_then(on_call), MAX_SECTION)
        facts.append(SectionBlock(text=MarkdownTextObject(text=text)))
    lines = [_timeline_line(e) for e in summary.recent]
    timeline = "\n".join(lines) if lines else "_Nothing recorded yet._"
    return [
        *facts,
        DividerBlock(),
        SectionBlock(
            text=MarkdownTextObject(text=clip(f"*Latest timeline*\n{timeline}", MAX_SECTION))
        ),
    ]


def _timeline_line(entry: TimelineEntry) -> str:
    who = actor_mention(entry.author)
    mark = ":pushpin: " if entry.key_event else ""
    reply = "↳ " if entry.thread_ts else ""
    text = clip(entry.text.replace("\n", " "), 200)
    edited = " _(edited)_" if entry.edited_at else ""
    files = "".join(f" [{escape(f.get('name', 'file'))}]" for f in entry.files)
    return f"{when(entry.occurred_at, '{time}')} {reply}{mark}{who}: {defang(text)}{files}{edited}"
