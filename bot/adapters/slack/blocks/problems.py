"""What Slack shows of problem records: a problem, the list, posts when an incident is
linked or unlinked, and the recurrence post with its buttons. Pure."""

from collections.abc import Sequence
from typing import Any, Final

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    HeaderBlock,
    MarkdownTextObject,
    SectionBlock,
)

from bot.adapters.slack.blocks.text import MAX_HEADER, MAX_SECTION, clip, defang, escape, when
from bot.adapters.slack.ids import Action
from bot.problems import Details, Linked, Opened
from bot.recurrence import ordinal
from models import ActionStatus, EntryKind, Incident, Problem, ProblemStatus, TimelineEntry

PROBLEM_EMOJI: Final = {
    ProblemStatus.OPEN: ":jigsaw:",
    ProblemStatus.KNOWN_ERROR: ":warning:",
    ProblemStatus.RESOLVED: ":white_check_mark:",
}
_ITEM_MARK: Final = {
    ActionStatus.OPEN: ":white_large_square:",
    ActionStatus.DONE: ":white_check_mark:",
    ActionStatus.CANCELLED: ":heavy_multiplication_x:",
}
_SHOWN_INCIDENTS: Final = 20
_SHOWN_ITEMS: Final = 5  # per incident


def _section(text: str) -> SectionBlock:
    return SectionBlock(text=MarkdownTextObject(text=clip(text, MAX_SECTION)))


def problem_line(problem: Problem, incidents: int | None = None) -> str:
    """Status, ID, title, owner (and how many incidents), on one line."""
    owner = f"<@{problem.owner}>" if problem.owner else "_unassigned_"
    count = "" if incidents is None else f" · {_plural(incidents, 'incident')}"
    return (
        f"{PROBLEM_EMOJI[problem.status]} *{problem.ref}* {problem.status.label} · "
        f"{defang(problem.title)} · owner {owner}{count}"
    )


def problem_blocks(details: Details) -> list[Block]:
    """`/incident problem PRB-…`: the record, its incidents and their action items."""
    problem = details.problem
    total = len(details.incidents) + details.hidden
    done = sum(i.status is ActionStatus.DONE for i in details.items)
    blocks: list[Block] = [
        HeaderBlock(text=clip(f"{problem.ref}: {problem.title}", MAX_HEADER)),
        _section(problem_line(problem, total)),
    ]
    facts = [
        f"*Opened* {when(problem.created_at)} by <@{problem.created_by}>",
        *([f"*Team:* {escape(problem.team)}"] if problem.team else []),
        *([f"*Category:* {escape(problem.category)}"] if problem.category else []),
        *([f"*Services:* {escape(', '.join(problem.services))}"] if problem.services else []),
        *([f"*Resolved* {when(problem.resolved_at)}"] if problem.resolved_at else []),
    ]
    blocks.append(ContextBlock(elements=[MarkdownTextObject(text=clip(" · ".join(facts), 3000))]))
    for label, text in (
        ("What is known", problem.description),
        ("Workaround", problem.workaround),
        ("Resolution", problem.resolution),
    ):
        if text:
            blocks.append(_section(f"*{label}*\n{defang(text)}"))
    counts = (
        f"*{_plural(total, 'incident')}* · action items: {details.open_items} open, {done} done"
    )
    if details.hidden:
        counts += f" · {_plural(details.hidden, 'private incident')} you can't see"
    blocks.append(_section(counts))
    for incident in details.incidents[:_SHOWN_INCIDENTS]:
        items = [i for i in details.items if i.incident_id == incident.id]
        blocks.append(_section(_incident_with_items(incident, items)))
    if len(details.incidents) > _SHOWN_INCIDENTS:
        more = len(details.incidents) - _SHOWN_INCIDENTS
        blocks.append(_section(f"…and {_plural(more, 'more incident')}."))
    return blocks


def _incident_with_items(incident: Incident, items: Sequence[Any]) -> str:
    where = f" · <#{incident.channel_id}>" if incident.channel_id else ""
    line = (
        f"*{incident.ref}* {incident.severity.upper()} {incident.status.label} · "
        f"{defang(incident.title)}{where}"
    )
    shown = [
        f"    {_ITEM_MARK[i.status]} {defang(i.title)} · <@{i.owner}> · due {i.due_on}"
        for i in items[:_SHOWN_ITEMS]
    ]
    if len(items) > _SHOWN_ITEMS:
        shown.append(f"    …and {len(items) - _SHOWN_ITEMS} more")
    return "\n".join([line, *shown])


def problem_list(problems: Sequence[tuple[Problem, int]], include_resolved: bool) -> list[Block]:
    scope = "All problems" if include_resolved else "Open problems"
    if not problems:
        return [_section(f"{scope}: none.")]
    blocks: list[Block] = [HeaderBlock(text=f"{scope} ({len(problems)})")]
    blocks += [_section(problem_line(p, n)) for p, n in problems[:48]]
    return blocks


def opened_reply(opened: Opened) -> str:
    problem = opened.problem
    if opened.change is not None:
        ref = opened.change.incident.ref
        return f":jigsaw: Opened {problem.ref}: {defang(problem.title)}, with {ref}."
    return (
        f":jigsaw: Opened {problem.ref}: {defang(problem.title)}. Link incidents to it with "
        f"`/incident problem link {problem.ref} INC-…`."
    )


def linked_reply(linked: Linked) -> str:
    text = f":jigsaw: {linked.change.incident.ref} now belongs to {linked.problem.ref}"
    text += f" (moved from {linked.previous})." if linked.previous else "."
    if linked.reopened:
        text += f" {linked.problem.ref} was resolved: it is open again, as its cause is back."
    return text


def status_reply(problem: Problem) -> str:
    return f"{PROBLEM_EMOJI[problem.status]} {problem.ref} is now {problem.status.label.lower()}."


def owner_reply(problem: Problem) -> str:
    owner = f"<@{problem.owner}>" if problem.owner else "nobody"
    return f":jigsaw: {problem.ref} is now owned by {owner}."


def problem_post(entry: TimelineEntry, who: str) -> str:
    """An incident linked to, moved between, or unlinked from problems."""
    data = entry.data
    ref, title = f"*{data['problem']}*", defang(str(data.get("title", "")))
    if entry.kind is EntryKind.PROBLEM_UNLINKED:
        return f":jigsaw: {who} unlinked this incident from {ref} ({title})"
    if data.get("opened"):
        return f":jigsaw: {who} opened problem {ref} ({title}) and linked this incident to it"
    if data.get("from"):
        return f":jigsaw: {who} moved this incident from *{data['from']}* to {ref} ({title})"
    return f":jigsaw: {who} linked this incident to {ref} ({title})"


def recurrence_post(entry: TimelineEntry) -> list[Block]:
    """Earlier incidents like this one, with buttons to open a problem or link the one
    most of them belong to (none when the incident already belongs to one)."""
    data = entry.data
    refs = ", ".join(data["refs"])
    nth = ordinal(int(data["count"]))
    text = (
        f":repeat: This is the {nth} *{escape(data['category'])}* incident on "
        f"*{escape(data['service'])}* in 90 days: {refs}."
    )
    if data.get("offered"):
        text += f" Earlier ones belong to *{data['offered']}*."
    if data.get("linked"):
        return [_section(text + f" This incident belongs to *{data['linked']}*.")]
    text += " Is it time for a problem record, to remove the cause?"
    buttons = [ButtonElement(text="Open a problem", action_id=Action.OPEN_PROBLEM, style="primary")]
    if data.get("offered"):
        buttons.append(
            ButtonElement(
                text=f"Link to {data['offered']}",
                action_id=Action.LINK_PROBLEM,
                value=str(data["offered"]),
            )
        )
    return [_section(text), ActionsBlock(block_id="problem.recurrence", elements=buttons)]


def recurrence_handled(original: Sequence[dict[str, Any]], done: str) -> list[dict[str, Any]]:
    """The recurrence post once acted on: its text, and what was done instead of buttons."""
    kept = [b for b in original if b.get("type") != "actions"]
    note = ContextBlock(elements=[MarkdownTextObject(text=clip(done, 3000))])
    return [*kept, note.to_dict()]


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"
