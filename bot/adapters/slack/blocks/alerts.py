"""What Slack shows of alerts: alert changes in the incident channel, and alerts waiting in
the triage channel with Declare and Dismiss. Pure."""

from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    MarkdownTextObject,
    SectionBlock,
)

from bot.adapters.slack.blocks.text import MAX_SECTION, clip, escape
from bot.adapters.slack.ids import Action, status_action_id
from bot.alerts.records import source_name
from models import AlertStatus, AlertTriage, Incident, Status, TimelineEntry, TriageState

_SHOWN_ALERTS = 5


def alert_post(entry: TimelineEntry) -> list[Block]:
    """An alert firing or resolved in the incident; when all have resolved, a prompt to
    mark the incident mitigated."""
    data = entry.data
    if data.get("all_resolved"):
        return [
            SectionBlock(
                text=MarkdownTextObject(
                    text=":large_green_circle: *All alerts resolved.* Mark the incident mitigated?"
                )
            ),
            ActionsBlock(
                elements=[
                    ButtonElement(
                        text="Mark mitigated",
                        action_id=status_action_id(Status.MITIGATED),
                        value=str(entry.incident_id),
                        style="primary",
                    )
                ]
            ),
        ]
    changes, source = data.get("changes", []), source_name(data.get("source", ""))
    if len(changes) == 1:
        change = changes[0]
        resolved = change["status"] == AlertStatus.RESOLVED
        verb = "resolved" if resolved else ("firing" if change["new"] else "firing again")
        text = f"{_icon(change)} *{source} alert {verb}:* {escape(change['title'])}"
        return [
            SectionBlock(text=MarkdownTextObject(text=clip(text, MAX_SECTION))),
            *_about(change),
        ]
    lines = [f"*{source}: {data.get('changed', len(changes))} alerts changed*"]
    lines += [f"{_icon(c)} {escape(c['title'])}" for c in changes]
    if data.get("changed", 0) > len(changes):
        lines.append(f"…and {data['changed'] - len(changes)} more")
    return [SectionBlock(text=MarkdownTextObject(text=clip("\n".join(lines), MAX_SECTION)))]


def _icon(change: dict[str, Any]) -> str:
    resolved = change["status"] == AlertStatus.RESOLVED
    return ":large_green_circle:" if resolved else ":red_circle:"


def triage_post(triage: AlertTriage) -> list[Block]:
    """An alert a rule put to a person: what it is, and Declare or Dismiss."""
    notification = triage.notification
    events = notification["events"]
    source = source_name(triage.source)
    lines = [f":warning: *{source} alert needs a decision* (would be {triage.severity.upper()})"]
    lines += [f"• {escape(e['title'])}" for e in events[:_SHOWN_ALERTS]]
    if len(events) > _SHOWN_ALERTS:
        lines.append(f"…and {len(events) - _SHOWN_ALERTS} more")
    value = str(triage.id)
    return [
        SectionBlock(text=MarkdownTextObject(text=clip("\n".join(lines), MAX_SECTION))),
        *_about(events[0]),
        ActionsBlock(
            block_id=f"triage.{triage.id}",
            elements=[
                ButtonElement(
                    text="Declare incident",
                    action_id=Action.DECLARE_FROM_ALERT,
                    value=value,
                    style="danger",
                ),
                ButtonElement(text="Dismiss", action_id=Action.DISMISS_ALERT, value=value),
            ],
        ),
    ]


def triage_decided(triage: AlertTriage, incident: Incident | None) -> list[Block]:
    """The triage post once decided: what was decided, by whom, without the buttons."""
    first = triage.notification["events"][0]
    title = escape(first["title"])
    who = f"<@{triage.decided_by}>" if triage.decided_by else "someone"
    if triage.state is TriageState.DECLARED and incident is not None:
        where = f" <#{incident.channel_id}>" if incident.channel_id else ""
        outcome = f":rotating_light: {who} declared {incident.ref}{where}"
    elif triage.state is TriageState.RESOLVED:
        outcome = ":large_green_circle: resolved at its source before anyone decided"
    else:
        outcome = f":no_entry_sign: {who} dismissed it"
    text = f"*{source_name(triage.source)} alert:* {title}\n{outcome}"
    return [SectionBlock(text=MarkdownTextObject(text=clip(text, MAX_SECTION)))]


def triage_text(triage: AlertTriage) -> str:
    first = triage.notification["events"][0]
    return clip(f"{source_name(triage.source)} alert: {escape(first['title'])}", 300)


def _about(data: dict[str, Any]) -> list[Block]:
    """Service, severity and links of one alert, as a context line."""
    parts = [escape(data[key]) for key in ("service", "severity") if data.get(key)]
    parts += [
        f"<{link['url']}|{escape(link.get('title') or link['kind'].capitalize())}>"
        for link in data.get("links", [])[:3]
        if "|" not in link["url"] and ">" not in link["url"]
    ]
    if not parts:
        return []
    return [ContextBlock(elements=[MarkdownTextObject(text=clip(" · ".join(parts), 2000))])]
