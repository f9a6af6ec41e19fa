"""Block Kit for every Sitrep surface, built with slack_sdk's typed blocks. Pure functions."""

import html
import json
import re
from collections.abc import Sequence
from datetime import datetime
from typing import Final

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    CheckboxesElement,
    ContextBlock,
    DateTimePickerElement,
    DividerBlock,
    HeaderBlock,
    InputBlock,
    MarkdownTextObject,
    Option,
    PlainTextInputElement,
    SectionBlock,
    StaticMultiSelectElement,
    StaticSelectElement,
    UserSelectElement,
)
from slack_sdk.models.views import View

from bot.adapters.slack.ids import Action, Callback, Field, status_action_id
from bot.commands import USAGE
from bot.config import Policy
from bot.incidents import Summary
from bot.lifecycle import legal_targets
from models import EntryKind, Incident, Role, Status, TimelineEntry

# Slack's limits (https://docs.slack.dev/reference/block-kit): exceeding any is invalid_blocks.
MAX_BLOCKS: Final = 50
MAX_SECTION: Final = 3000
MAX_FIELD: Final = 2000
MAX_HEADER: Final = 150
MAX_BUTTON: Final = 75
MAX_OPTION: Final = 75
MAX_MODAL_TITLE: Final = 24
MAX_FALLBACK: Final = 3000

_STATUS_EMOJI: Final = {
    Status.DECLARED: ":rotating_light:",
    Status.INVESTIGATING: ":mag:",
    Status.IDENTIFIED: ":dart:",
    Status.MITIGATED: ":adhesive_bandage:",
    Status.RESOLVED: ":white_check_mark:",
    Status.CLOSED: ":lock:",
}
_STATUS_VERB: Final = {
    Status.INVESTIGATING: "Investigating",
    Status.IDENTIFIED: "Identified",
    Status.MITIGATED: "Mitigated",
    Status.RESOLVED: "Resolve",
    Status.CLOSED: "Close",
}


def clip(text: str, limit: int) -> str:
    """`text` cut to `limit` characters, marked with an ellipsis when cut."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def escape(text: str) -> str:
    """Raw text (modal input, policy, file names) into Slack markup: &, < and > escaped, so
    it shows as typed and cannot forge mentions or links."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


_BROADCAST = re.compile(r"<!(channel|here|everyone|subteam\^[A-Z0-9]+)(?:\|([^>]*))?>")


def defang(markup: str) -> str:
    """Slack markup (what commands and messages carry, and what Sitrep stores) made safe to
    post again: people mentions stay, but @channel, @here, @everyone and group mentions are
    shown without notifying anyone."""
    return _BROADCAST.sub(lambda m: f"`{m[2] or '@' + m[1]}`", markup)


def plain(markup: str) -> str:
    """Slack markup as plain text, for plain_text fields such as headers."""
    return html.unescape(markup)


def when(moment: datetime, fmt: str = "{date_short_pretty} {time}") -> str:
    """A time each reader sees in their own timezone (Slack's date formatting)."""
    fallback = moment.strftime("%Y-%m-%d %H:%M UTC")
    return f"<!date^{int(moment.timestamp())}^{fmt}|{fallback}>"


def duration(start: datetime, end: datetime) -> str:
    minutes = max(0, int((end - start).total_seconds() // 60))
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    parts = [f"{days}d"] if days else []
    parts += [f"{hours}h"] if hours else []
    parts.append(f"{minutes}m")
    return " ".join(parts)


def channel_topic(incident: Incident, roles: dict[Role, str]) -> str:
    commander = roles.get(Role.COMMANDER)
    who = f"Commander <@{commander}>" if commander else "No commander yet"
    return clip(
        f"{incident.ref} | {incident.severity.upper()} | {incident.status.label} | {who}", 250
    )


def announcement(
    incident: Incident, roles: dict[Role, str], policy: Policy, now: datetime
) -> list[Block]:
    """The pinned message at the top of the incident channel, rebuilt after every change."""
    severity = policy.severity(incident.severity)
    severity_text = f"{incident.severity.upper()}" + (f" ({severity.name})" if severity else "")
    end = incident.resolved_at or now
    fields = [
        _field("Severity", severity_text),
        _field("Status", f"{_STATUS_EMOJI[incident.status]} {incident.status.label}"),
        _field(
            "Commander",
            f"<@{roles[Role.COMMANDER]}>" if Role.COMMANDER in roles else "_unassigned_",
        ),
        _field("Declared by", f"<@{incident.reporter}>"),
        _field(
            "Duration" if incident.resolved_at else "Duration so far",
            duration(incident.declared_at, end),
        ),
        _field("Services", escape(", ".join(incident.services)) or "_none named_"),
    ]
    fields += [
        _field(role.label, f"<@{user}>")
        for role, user in roles.items()
        if role is not Role.COMMANDER
    ]
    blocks: list[Block] = [
        HeaderBlock(text=clip(f"{incident.ref}: {plain(incident.title)}", MAX_HEADER)),
        SectionBlock(fields=fields[:10]),
    ]
    if incident.description:
        blocks.append(
            SectionBlock(
                text=MarkdownTextObject(text=clip(defang(incident.description), MAX_SECTION))
            )
        )
    if incident.resolution_summary:
        blocks.append(
            SectionBlock(
                text=MarkdownTextObject(
                    text=clip(f"*Resolution:* {defang(incident.resolution_summary)}", MAX_SECTION)
                )
            )
        )
    if incident.status is not Status.CLOSED:
        blocks.append(
            ActionsBlock(block_id="incident.controls", elements=_controls(incident, roles, policy))
        )
    blocks.append(
        ContextBlock(
            elements=[
                MarkdownTextObject(
                    text=f"Declared {when(incident.declared_at)} · updated {when(now, '{time}')}"
                )
            ]
        )
    )
    return blocks


def _field(label: str, value: str) -> MarkdownTextObject:
    return MarkdownTextObject(text=clip(f"*{label}*\n{value}", MAX_FIELD))


def _controls(
    incident: Incident, roles: dict[Role, str], policy: Policy
) -> list[ButtonElement | StaticSelectElement | UserSelectElement]:
    assert incident.id is not None
    value = str(incident.id)
    elements: list[ButtonElement | StaticSelectElement | UserSelectElement] = [
        ButtonElement(
            text="Reopen"
            if incident.status is Status.RESOLVED and target is Status.INVESTIGATING
            else _STATUS_VERB[target],
            action_id=status_action_id(target),
            value=value,
            style="primary" if target is Status.RESOLVED else None,
        )
        for target in legal_targets(incident.status)
    ]
    if incident.status.is_open:
        options = _severity_options(policy)
        elements.append(
            StaticSelectElement(
                action_id=Action.CHANGE_SEVERITY,
                placeholder="Change severity",
                options=options,
                initial_option=next((o for o in options if o.value == incident.severity), None),
            )
        )
        if Role.COMMANDER not in roles:
            elements.append(
                ButtonElement(text="Claim commander", value=value, action_id=Action.CLAIM_COMMANDER)
            )
        elements.append(
            UserSelectElement(action_id=Action.ASSIGN_COMMANDER, placeholder="Assign commander")
        )
    return elements


def _severity_options(policy: Policy) -> list[Option]:
    return [
        Option(value=s.key, text=clip(f"{s.label} · {s.name}", MAX_OPTION))
        for s in policy.severities
    ]


def announcement_fallback(incident: Incident) -> str:
    return clip(
        f"{incident.ref} ({incident.severity.upper()}, {incident.status.label}): "
        f"{defang(incident.title)}",
        MAX_FALLBACK,
    )


def notice(incident: Incident, policy: Policy) -> list[Block]:
    """The short post in the announcements channel that points to the incident channel."""
    severity = policy.severity(incident.severity)
    name = f" ({severity.name})" if severity else ""
    text = (
        f":rotating_light: *{incident.severity.upper()}{name}* {defang(incident.title)}\n"
        f"{incident.ref} declared by <@{incident.reporter}> · join <#{incident.channel_id}>"
    )
    return [SectionBlock(text=MarkdownTextObject(text=clip(text, MAX_SECTION)))]


def entry_post(entry: TimelineEntry) -> list[Block] | None:
    """How a change or a note is shown in the incident channel; None for what isn't shown."""
    who = f"<@{entry.author}>" if entry.author else "Sitrep"
    if entry.kind is EntryKind.NOTE:
        text = f":pushpin: *Key event* from {who}: {defang(entry.text)}"
    elif entry.kind is EntryKind.STATUS_CHANGED:
        before, after = Status(entry.data["from"]), Status(entry.data["to"])
        text = (
            f"{_STATUS_EMOJI[after]} {who} moved the incident from *{before.label}* "
            f"to *{after.label}*"
        )
        text += f": {defang(entry.data['note'])}" if entry.data.get("note") else ""
    elif entry.kind is EntryKind.SEVERITY_CHANGED:
        text = (
            f":warning: {who} changed severity from *{entry.data['from'].upper()}* to "
            f"*{entry.data['to'].upper()}*"
        )
        text += f": {defang(entry.data['reason'])}" if entry.data.get("reason") else ""
    elif entry.kind is EntryKind.SERVICES_CHANGED:
        names = ", ".join(entry.data["to"]) or "none"
        text = f":gear: {who} set the affected services: {defang(names)}"
    elif entry.kind is EntryKind.ROLE_CHANGED:
        role = Role(entry.data["role"])
        text = f":bust_in_silhouette: {who} made <@{entry.data['to']}> {role.label.lower()}"
    else:
        return None
    return [SectionBlock(text=MarkdownTextObject(text=clip(text, MAX_SECTION)))]


def declared_reply(incident: Incident) -> str:
    if incident.channel_id:
        return f":rotating_light: {incident.ref} is declared. Join <#{incident.channel_id}>."
    return f":rotating_light: {incident.ref} is declared; opening its channel now…"


def not_invited(user: str) -> str:
    return (
        f"<@{user}> has the role, but I couldn't add them to the channel "
        "(see the logs); please invite them."
    )


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
        where = f" · <#{incident.channel_id}>" if incident.channel_id else ""
        line = (
            f"{_STATUS_EMOJI[incident.status]} *{incident.ref}* {incident.severity.upper()} "
            f"{incident.status.label} · {defang(incident.title)}{where} · "
            f"{duration(incident.declared_at, incident.resolved_at or now)}"
        )
        blocks.append(SectionBlock(text=MarkdownTextObject(text=clip(line, MAX_SECTION))))
    return blocks


def summary_blocks(summary: Summary, policy: Policy, now: datetime) -> list[Block]:
    """`/incident show`: the announcement's facts and the latest timeline entries."""
    facts = [
        b
        for b in announcement(summary.incident, summary.roles, policy, now)
        if not isinstance(b, ActionsBlock)
    ]
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
    who = f"<@{entry.author}>" if entry.author else "Sitrep"
    mark = ":pushpin: " if entry.key_event else ""
    reply = "↳ " if entry.thread_ts else ""
    text = clip(entry.text.replace("\n", " "), 200)
    edited = " _(edited)_" if entry.edited_at else ""
    files = "".join(f" [{escape(f.get('name', 'file'))}]" for f in entry.files)
    return f"{when(entry.occurred_at, '{time}')} {reply}{mark}{who}: {defang(text)}{files}{edited}"


def declare_modal(
    policy: Policy, *, title: str | None, severity: str | None, reply_to: str | None
) -> View:
    """The modal behind `/incident declare` without arguments and the global shortcut."""
    severity_options = _severity_options(policy)
    blocks: list[Block] = [
        InputBlock(
            block_id=Field.TITLE,
            label="Title",
            element=PlainTextInputElement(
                action_id=Field.TITLE,
                max_length=200,
                initial_value=title or None,
                placeholder="Checkout API returning 500s",
            ),
        ),
        InputBlock(
            block_id=Field.SEVERITY,
            label="Severity",
            element=StaticSelectElement(
                action_id=Field.SEVERITY,
                options=severity_options,
                initial_option=next((o for o in severity_options if o.value == severity), None),
            ),
        ),
    ]
    if policy.services:
        blocks.append(
            InputBlock(
                block_id=Field.SERVICES,
                label="Affected services",
                optional=True,
                element=StaticMultiSelectElement(
                    action_id=Field.SERVICES,
                    options=[
                        Option(value=clip(s.name, 75), text=clip(s.name, MAX_OPTION))
                        for s in policy.services[:100]
                    ],
                ),
            )
        )
    blocks += [
        InputBlock(
            block_id=Field.DESCRIPTION,
            label="What is happening?",
            optional=True,
            element=PlainTextInputElement(
                action_id=Field.DESCRIPTION, multiline=True, max_length=3000
            ),
        ),
        InputBlock(
            block_id=Field.IMPACT_STARTED,
            label="When did impact start?",
            optional=True,
            element=DateTimePickerElement(action_id=Field.IMPACT_STARTED),
        ),
        InputBlock(
            block_id=Field.COMMANDER,
            label="Incident commander",
            optional=True,
            element=UserSelectElement(
                action_id=Field.COMMANDER, placeholder="Leave empty to claim later"
            ),
        ),
        InputBlock(
            block_id=Field.PRIVATE,
            label="Visibility",
            optional=True,
            element=CheckboxesElement(
                action_id=Field.PRIVATE,
                options=[
                    Option(
                        value="private", text="Private incident (private channel, no announcement)"
                    )
                ],
            ),
        ),
    ]
    return View(
        type="modal",
        callback_id=Callback.DECLARE,
        title="Declare an incident",
        submit="Declare",
        close="Cancel",
        blocks=blocks,
        # Where to answer the declarer: the slash command's response_url, if there was one.
        private_metadata=json.dumps({"response_url": reply_to}),
    )


def home(open_incidents: Sequence[Incident], now: datetime) -> View:
    """The App Home tab: open incidents and how to declare one."""
    intro = SectionBlock(
        text=MarkdownTextObject(
            text="Declare with `/incident declare sev2 <title>` or the *Declare incident* "
            "shortcut. `/incident help` lists every command."
        )
    )
    listing = incident_list(open_incidents, include_resolved=False, now=now)
    return View(
        type="home", blocks=[HeaderBlock(text="Sitrep"), intro, DividerBlock(), *listing[: 100 - 3]]
    )
