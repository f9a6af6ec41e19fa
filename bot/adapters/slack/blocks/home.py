"""The App Home tab: the person's action items, the open incidents they are in, their next
on-call shifts, and the team's follow-through. Pure."""

from collections.abc import Sequence
from datetime import timedelta
from typing import Final
from zoneinfo import ZoneInfo

from slack_sdk.models.blocks import (
    Block,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    MarkdownTextObject,
    SectionBlock,
)
from slack_sdk.models.views import View

from bot.action_items import Home
from bot.adapters.slack.blocks.action_items import item_blocks
from bot.adapters.slack.blocks.oncall import shift_line
from bot.adapters.slack.blocks.replies import incident_line
from bot.adapters.slack.blocks.text import MAX_SECTION, clip, defang
from bot.config import Policy
from bot.follow_through import NO_TEAM, FollowThrough, Rate, Report
from bot.oncall.rotation import Shift
from models import ActionItem, ActionStatus

MAX_HOME_BLOCKS: Final = 100
_ITEMS_SHOWN = 15
_INCIDENTS_SHOWN = 10
_RECURRENCES_SHOWN = 5


def home(
    data: Home, policy: Policy, notice: str = "", shifts: Sequence[Shift] | None = None
) -> View:
    """The person's Home tab; `notice`: what happened to their last click, when it could
    not be done; `shifts`: their next on-call shifts (None: no schedules, no section)."""
    blocks: list[Block] = [HeaderBlock(text="Sitrep")]
    if notice:
        text = clip(f":warning: {defang(notice)}", MAX_SECTION)
        blocks.append(SectionBlock(text=MarkdownTextObject(text=text)))
    blocks.append(
        ContextBlock(
            elements=[
                MarkdownTextObject(
                    text="Declare with `/incident declare sev2 &lt;title&gt;` or the *Declare "
                    "incident* shortcut; `/incident help` lists every command."
                )
            ]
        )
    )
    blocks += _your_items(data)
    blocks += _your_incidents(data)
    if shifts is not None:
        blocks += _your_shifts(shifts)
    blocks += _follow_through(data.report, policy)
    return View(type="home", blocks=blocks[:MAX_HOME_BLOCKS])


def _your_items(data: Home) -> list[Block]:
    overdue = sum(1 for i in data.items if i.due_on < data.today)
    heading = f"Your action items ({len(data.items)} open" + (
        f", {overdue} overdue)" if overdue else ")"
    )
    blocks: list[Block] = [DividerBlock(), HeaderBlock(text=heading)]
    if not data.items:
        return [*blocks, _line("Nothing on your plate. :tada:")]
    shown = data.items[:_ITEMS_SHOWN]
    blocks += item_blocks(shown, data.refs, data.today, room=2 * _ITEMS_SHOWN + 1)
    if len(data.items) > len(shown):
        blocks.append(_context(f"and {len(data.items) - len(shown)} more: `/incident actions`"))
    return blocks


def _your_incidents(data: Home) -> list[Block]:
    blocks: list[Block] = [
        DividerBlock(),
        HeaderBlock(text=f"Open incidents you're in ({len(data.incidents)})"),
    ]
    if not data.incidents:
        blocks.append(_line("None right now."))
    for incident in data.incidents[:_INCIDENTS_SHOWN]:
        blocks.append(_line(incident_line(incident, data.now)))
    if data.other_open:
        blocks.append(_context(f"{data.other_open} other open: `/incident list`"))
    return blocks


def _your_shifts(shifts: Sequence[Shift]) -> list[Block]:
    blocks: list[Block] = [DividerBlock(), HeaderBlock(text="Your next on-call shifts")]
    if not shifts:
        return [*blocks, _line("None in the next twelve weeks.")]
    lines = "\n".join(shift_line(shift) for shift in shifts)
    return [*blocks, _line(lines), _context("Who is on call now: `/incident oncall`")]


def _follow_through(report: Report, policy: Policy) -> list[Block]:
    overall, window = report.overall, policy.follow_through_within
    blocks: list[Block] = [DividerBlock(), HeaderBlock(text="Follow-through")]
    if not overall.items:
        return [*blocks, _line("No action items yet: they will be counted here.")]
    blocks.append(
        SectionBlock(
            fields=[
                MarkdownTextObject(text=f"*Done within {window}*\n{_rate(overall.done_within)}"),
                MarkdownTextObject(text=f"*Done by their due date*\n{_rate(overall.done_by_due)}"),
                MarkdownTextObject(text=f"*Open*\n{overall.open} ({overall.overdue} overdue)"),
                MarkdownTextObject(
                    text=f"*Median time to complete*\n{_span(overall.median_to_complete)}"
                ),
            ]
        )
    )
    teams = [(t, n) for t, n in report.by_team.items() if t != NO_TEAM]
    if teams:
        blocks.append(_context("\n".join(_team_line(team, n, window) for team, n in teams)))
    blocks += _recurrences(report, ZoneInfo(policy.timezone))
    return blocks


def _recurrences(report: Report, zone: ZoneInfo) -> list[Block]:
    if not report.checked:
        return []
    fixes = "fix" if report.checked == 1 else "fixes"
    head = (
        f"*Did the fixes hold?* {report.checked - report.recurred} of {report.checked} "
        f"completed {fixes} on a service were not followed by another incident on it."
    )
    lines = [head]
    for found in report.recurrences[:_RECURRENCES_SHOWN]:
        again = ", ".join(i.ref for i in found.later)
        lines.append(
            f"• *{defang(found.item.title)}* ({found.incident.ref}, done "
            f"{_done_day(found.item, zone)}): again in {again}"
        )
    return [_line("\n".join(lines))]


def _team_line(team: str, numbers: FollowThrough, window: str) -> str:
    return (
        f"*{defang(team)}*: {_rate(numbers.done_within)} done within {window} · "
        f"{numbers.open} open · {numbers.overdue} overdue"
    )


def _rate(rate: Rate) -> str:
    share = rate.share
    if share is None:
        return "not known yet"
    return f"{round(share * 100)}% ({rate.met} of {rate.of})"


def _span(span: timedelta | None) -> str:
    if span is None:
        return "none done yet"
    days, hours, minutes = span.days, span.seconds // 3600, span.seconds // 60 % 60
    if days:
        return f"{days}d {hours}h"
    return f"{hours}h {minutes}m" if hours or minutes else "under a minute"


def _done_day(item: ActionItem, zone: ZoneInfo) -> str:
    done = item.completed_at if item.status is ActionStatus.DONE else None
    return done.astimezone(zone).date().isoformat() if done else "?"


def _line(text: str) -> SectionBlock:
    return SectionBlock(text=MarkdownTextObject(text=clip(text, MAX_SECTION)))


def _context(text: str) -> ContextBlock:
    return ContextBlock(elements=[MarkdownTextObject(text=clip(text, MAX_SECTION))])
