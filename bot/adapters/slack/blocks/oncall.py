"""On-call in Slack: who is on call now and next, overrides, and shift lines for the App
Home and `/incident show`. Times are Slack dates, so each reader sees their own timezone.
Pure."""

from collections.abc import Sequence
from typing import Final

from slack_sdk.models.blocks import (
    Block,
    ContextBlock,
    HeaderBlock,
    MarkdownTextObject,
    SectionBlock,
)

from bot.adapters.slack.blocks.text import MAX_BLOCKS, MAX_SECTION, clip, when
from bot.oncall.rotation import Shift
from bot.oncall.service import LayerNow, OnCallThen, ScheduleNow
from models import OncallOverride, RotationEdit

SCHEDULES_SHOWN: Final = MAX_BLOCKS - 2


def oncall_blocks(found: Sequence[ScheduleNow], heading: str) -> list[Block]:
    """`/incident oncall`: each schedule's layers, the shift under way and the next."""
    blocks: list[Block] = [HeaderBlock(text=clip(heading, 150))]
    for status in found[:SCHEDULES_SHOWN]:
        schedule = status.schedule
        owner = f", owner <@{schedule.owner}>" if schedule.owner else ""
        lines = [f"*{schedule.name}* ({schedule.timezone}{owner})"]
        for layer in status.layers:
            lines += [f"• {_layer_line(layer)}", *_rotation_lines(layer)]
        blocks.append(_section("\n".join(lines)))
    blocks.append(
        _context(
            "Cover someone: `/incident oncall override @person <from> <to>`; take a shift: "
            "`/incident oncall take`; edit a rotation: `/incident oncall rotation`."
        )
    )
    return blocks


def oncall_fallback(found: Sequence[ScheduleNow]) -> str:
    parts = []
    for status in found:
        now = [f"{layer.layer}: <@{layer.now.user}>" for layer in status.layers if layer.now]
        parts.append(f"{status.schedule.name}: {', '.join(now) or 'nobody'}")
    return clip("On call now. " + "; ".join(parts), 3000)


def _layer_line(layer: LayerNow) -> str:
    if layer.now is not None:
        now = f"{_who(layer.now)} until {when(layer.now.end)}"
    else:
        now = "nobody now"
    upcoming = (
        f"next {_who(layer.next)} from {when(layer.next.start)} to {when(layer.next.end)}"
        if layer.next is not None
        else "nobody next"
    )
    return f"*{layer.layer}*: {now} · {upcoming}"


def _order(members: Sequence[str]) -> str:
    return " → ".join(f"<@{m}>" for m in members) or "nobody"


def _rotation_lines(layer: LayerNow) -> list[str]:
    """The rotation's order now, and the order an edit will bring from its handoff."""
    lines = [f"    rotation: {_order(layer.members)}"] if layer.members else []
    if layer.pending is not None:
        lines.append(f"    from {when(layer.pending.since)}: {_order(layer.pending.members)}")
    return lines


def rotation_reply(edit: RotationEdit) -> str:
    """What an edit did: the new order, from when, and who goes first then."""
    who = " and ".join(f"<@{u}>" for u in edit.users)
    did = {"add": f"Added {who} to", "remove": f"Removed {who} from", "swap": f"Swapped {who} in"}
    first = f"; <@{edit.members[edit.cursor]}> is on first" if edit.members else ""
    return (
        f"{did.get(edit.action, 'Edited')} *{edit.schedule}* {edit.layer}. From the handoff "
        f"{when(edit.effective_at)}: {_order(edit.members)}{first}. The shift under way "
        "stays as it is."
    )


def _who(shift: Shift) -> str:
    return f"<@{shift.user}>" + (" (override)" if shift.is_override else "")


def override_line(override: OncallOverride) -> str:
    instead = f" instead of <@{override.covers}>" if override.covers else ""
    return (
        f"*#{override.id}* <@{override.user}> on *{override.schedule}* {override.layer} from "
        f"{when(override.starts_at)} to {when(override.ends_at)}{instead} "
        f"(by <@{override.created_by}>)"
    )


def override_reply(override: OncallOverride) -> str:
    return (
        f"Override {override_line(override)}. Cancel it with "
        f"`/incident oncall cancel {override.id}`."
    )


def cancelled_reply(override: OncallOverride) -> str:
    return f"Cancelled override {override_line(override)}."


def overrides_blocks(found: Sequence[OncallOverride], schedule: str | None) -> list[Block]:
    where = f" of *{schedule}*" if schedule else ""
    if not found:
        return [_section(f"No overrides{where} to come.")]
    lines = [f"*Overrides{where} to come*", *(override_line(o) for o in found)]
    return [_section("\n".join(lines))]


def shift_line(shift: Shift) -> str:
    """One shift for the person's Home tab."""
    kind = " (override)" if shift.is_override else ""
    return f"*{shift.schedule}* {shift.layer}{kind}: from {when(shift.start)} to {when(shift.end)}"


def on_call_then(found: Sequence[OnCallThen]) -> str:
    """`/incident show`: who was on call when the incident started."""
    return "*On call when it started:* " + ", ".join(
        f"{t.schedule} {t.layer} <@{t.user}>" for t in found
    )


def _section(text: str) -> SectionBlock:
    return SectionBlock(text=MarkdownTextObject(text=clip(text, MAX_SECTION)))


def _context(text: str) -> ContextBlock:
    return ContextBlock(elements=[MarkdownTextObject(text=clip(text, MAX_SECTION))])
