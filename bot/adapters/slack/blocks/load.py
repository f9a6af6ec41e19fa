"""On-call load in Slack: `/incident oncall load` and the burnout warning to a schedule's
owner. Pure."""

from collections.abc import Mapping
from typing import Any, Final

from slack_sdk.models.blocks import (
    Block,
    ContextBlock,
    HeaderBlock,
    MarkdownTextObject,
    SectionBlock,
)

from bot.adapters.slack.blocks.text import MAX_BLOCKS, MAX_SECTION, clip, when
from bot.oncall.load import PersonLoad
from bot.oncall.load_service import LoadReport, ScheduleLoad

SCHEDULES_SHOWN: Final = MAX_BLOCKS - 2
OVER: Final = ":warning: over the burnout limit"


def load_blocks(report: LoadReport) -> list[Block]:
    """Each schedule's members: pages (acknowledged, out of hours), severe incidents and
    hours on call over the last 7 days; anyone over the burnout limit flagged."""
    blocks: list[Block] = [HeaderBlock(text="On-call load, last 7 days")]
    for found in report.schedules[:SCHEDULES_SHOWN]:
        blocks.append(_section(_schedule_text(found, report.over)))
    blocks.append(
        ContextBlock(
            elements=[
                MarkdownTextObject(
                    text=f"From {when(report.start)} to {when(report.end)}. Out of hours: "
                    "outside the organisation's working hours and days."
                )
            ]
        )
    )
    return blocks


def load_text(report: LoadReport) -> str:
    """The notification's fallback: who is over the limit."""
    over = ", ".join(f"<@{p}>" for p in sorted(report.over))
    return clip("On-call load, last 7 days. " + (f"Over the limit: {over}." if over else ""), 3000)


def _schedule_text(found: ScheduleLoad, over: frozenset[str]) -> str:
    spread = found.spread.total_seconds() / 3600
    lines = [f"*{found.schedule.name}* (on-call hours spread across the rotation: {spread:g}h)"]
    lines += [_person_line(load, load.person in over) for load in found.loads]
    if not found.loads:
        lines.append("Nobody carried any load.")
    return "\n".join(lines)


def _person_line(load: PersonLoad, over: bool) -> str:
    return (
        f"• <@{load.person}>: {load.pages} pages ({load.acknowledged} acknowledged, "
        f"{load.out_of_hours} out of hours), {load.severe} severe incidents, "
        f"{load.hours:g}h on call" + (f" {OVER}" if over else "")
    )


def burnout_text(data: Mapping[str, Any]) -> str:
    return (
        f"<@{data['person']}> is carrying too much on-call load for *{data['schedule']}*: "
        f"in the last {data['within']}, {data['severe']} severe incidents "
        f"(limit {data['severe_limit']}) and {data['out_of_hours']} pages out of hours "
        f"(limit {data['out_of_hours_limit']}), of {data['pages']} pages."
    )


def burnout_blocks(data: Mapping[str, Any]) -> list[Block]:
    return [
        _section(f":warning: {burnout_text(data)}"),
        ContextBlock(
            elements=[
                MarkdownTextObject(
                    text="You own this schedule. Consider an override "
                    "(`/incident oncall override`) or a quieter week. "
                    "`/incident oncall load` shows everyone's numbers."
                )
            ]
        ),
    ]


def _section(text: str) -> SectionBlock:
    return SectionBlock(text=MarkdownTextObject(text=clip(text, MAX_SECTION)))
