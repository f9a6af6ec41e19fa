"""What alerts become in Sitrep: an incident's title and description, alert rows, timeline
entries, and the notification a triage keeps. Pure."""

import hashlib
from dataclasses import asdict
from datetime import datetime, timedelta
from typing import Any

from bot.alerts.events import AlertEvent, AlertLink, Notification
from bot.links import escaped
from models import AlertStatus, EntryKind, IncidentAlert, LinkKind, TimelineEntry

_NAMES = {
    "alertmanager": "Alertmanager",
    "grafana": "Grafana",
    "datadog": "Datadog",
    "pagerduty": "PagerDuty",
    "opsgenie": "Opsgenie",
    "generic": "Monitoring",
}
LISTED = 10  # alert changes an entry lists; the rest are counted
# An alert that says it started earlier than this is not believed (Go's zero time and
# similar placeholders); one a little in the future is a clock ahead of ours.
_OLDEST_IMPACT = timedelta(days=30)
_SKEW = timedelta(minutes=5)


def source_name(source: str) -> str:
    return _NAMES.get(source, source.capitalize())


def impact_start(firing: list[AlertEvent], now: datetime) -> datetime | None:
    """When the impact began, by the earliest alert; None when no alert says believably."""
    started = min((e.started_at for e in firing if e.started_at), default=None)
    if started is None or not (now - _OLDEST_IMPACT <= started <= now + _SKEW):
        return None
    return min(started, now)


def grouping(source: str, group_key: str, lead: AlertEvent) -> str:
    """What makes alerts one incident: the service (alerts for it soon after one another),
    else the source's own group, else the alert itself."""
    if lead.service:
        return f"service:{lead.service}"
    if group_key:
        return f"group:{source}:{group_key}"
    return f"alert:{source}:{lead.fingerprint}"


def lock_keys(source: str, group_key: str, events: list[AlertEvent]) -> list[str]:
    """What a delivery's intake must not run concurrently with: another delivery for the
    same services, group, or alerts."""
    keys = {f"service:{e.service}" for e in events if e.service}
    keys |= {f"group:{source}:{group_key}"} if group_key else set()
    keys |= {f"alert:{source}:{e.fingerprint}" for e in events}
    return sorted(keys)


def digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def hashed(group_key: str) -> str:
    return digest(group_key) if group_key else ""


def title(firing: list[AlertEvent]) -> str:
    title = escaped(firing[0].title.strip() or "Alert")
    more = len({e.fingerprint for e in firing}) - 1
    suffix = f" (+{more} more)" if more > 0 else ""
    return title[: 250 - len(suffix)] + suffix


def description(source: str, firing: list[AlertEvent]) -> str:
    lines = [f"Declared from {source_name(source)}."]
    for event in firing[:10]:
        said = event.title + (f": {event.description}" if event.description else "")
        lines.append(f"- {escaped(said)}")
    return "\n".join(lines)[:3000]


def event_of(row: IncidentAlert) -> AlertEvent:
    """An alert as stored, as the rules read it."""
    return AlertEvent(
        fingerprint=row.fingerprint,
        status=row.status,
        title=row.title,
        severity=row.severity,
        service=row.service,
        alertname=row.labels.get("alertname", ""),
        labels=row.labels,
    )


def alert_row(source: str, group: str, event: AlertEvent, now: datetime) -> IncidentAlert:
    return IncidentAlert.model_validate(
        {
            "incident_id": 0,
            "source": source,
            "fingerprint": event.fingerprint,
            "group_key": group,
            "status": event.status,
            "title": event.title[:250],
            "severity": event.severity[:32],
            "service": event.service[:80],
            "labels": dict(event.labels),
            "links": [_link_data(link) for link in event.links],
            "started_at": event.started_at,
            "ended_at": event.ended_at,
            "first_seen_at": now,
            "last_seen_at": now,
        }
    )


def _link_data(link: AlertLink) -> dict[str, str]:
    return {"url": link.url, "kind": link.kind.value, "title": link.title}


def alert_entry(
    changes: list[tuple[IncidentAlert, AlertStatus | None]], now: datetime
) -> TimelineEntry | None:
    """One entry per delivery for the alerts that are new or changed status; repeats
    only count. The entry lists the first few changes."""
    changed = [(row, before) for row, before in changes if before is not row.status]
    if not changed:
        return None
    source = changed[0][0].source
    firing = sum(row.status is AlertStatus.FIRING for row, _ in changed)
    verb = "firing" if firing else "resolved"
    if len(changed) > 1:
        what = (
            f"{len(changed)} alerts changed"
            if 0 < firing < len(changed)
            else f"{len(changed)} alerts {verb}"
        )
        text = f"{source_name(source)}: {what}"
    else:
        text = f"{source_name(source)} alert {verb}: {escaped(changed[0][0].title)}"
    data: dict[str, Any] = {
        "source": source,
        "changed": len(changed),
        "changes": [_change(row, before) for row, before in changed[:LISTED]],
    }
    return TimelineEntry.model_validate(
        {
            "incident_id": 0,
            "kind": EntryKind.ALERT,
            "occurred_at": now,
            "author": None,
            "text": text,
            "data": data,
        }
    )


def _change(row: IncidentAlert, before: AlertStatus | None) -> dict[str, Any]:
    return {
        "fingerprint": row.fingerprint,
        "status": row.status.value,
        "new": before is None,
        "title": row.title,
        "severity": row.severity,
        "service": row.service,
        "links": row.links[:3],
    }


def notification_from(data: dict[str, Any]) -> Notification:
    """The notification a triage stored, as it was."""
    events = tuple(
        AlertEvent(
            **{
                **event,
                "status": AlertStatus(event["status"]),
                "links": tuple(
                    AlertLink(link["url"], LinkKind(link["kind"]), link["title"])
                    for link in event["links"]
                ),
                "started_at": _when(event["started_at"]),
                "ended_at": _when(event["ended_at"]),
            }
        )
        for event in data["events"]
    )
    return Notification(data["source"], events, data.get("group_key", ""))


def notification_data(notification: Notification) -> dict[str, Any]:
    """A notification as JSON-ready data, to store with a triage."""
    data = asdict(notification)
    for event in data["events"]:
        event["labels"] = dict(event["labels"])
        for key in ("started_at", "ended_at"):
            event[key] = event[key].isoformat() if event[key] else None
    return data


def _when(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None
