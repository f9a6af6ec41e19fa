"""Who a status update goes to beyond the incident channel. Pure.

Planned from the record like every notice, so an update reaches each stakeholder channel
and each subscriber once however many replicas plan it, and a restart loses none."""

from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Final

from bot.config import Policy
from bot.scheduling.due import Notice
from models import Incident, NoticeKind, Subscription, TimelineEntry

# Updates older than this are not delivered any more (the scheduler was down that long).
DELIVERY_WINDOW: Final = timedelta(hours=6)


@dataclass(frozen=True)
class Posted:
    """A recorded status update, its incident, and the incident's subscribers."""

    incident: Incident
    entry: TimelineEntry
    subscriptions: tuple[Subscription, ...] = ()


def update_notices(posted: list[Posted], policy: Policy) -> list[Notice]:
    """A post per stakeholder channel of the incident's severity (never for a private
    incident) and a direct message per subscriber who followed it before the update."""
    notices: list[Notice] = []
    for update in posted:
        incident, entry = update.incident, update.entry
        assert incident.id is not None and entry.id is not None
        data = update_data(incident, entry)
        severity = policy.severity(incident.severity)
        channels = () if incident.private or severity is None else severity.stakeholder_channels
        for channel in channels:
            if channel == incident.channel_id:
                continue  # the channel has it already
            notices.append(
                Notice(
                    f"update:{entry.id}:{channel}",
                    NoticeKind.STAKEHOLDERS,
                    incident.id,
                    channel,
                    entry.occurred_at,
                    data,
                )
            )
        for subscription in update.subscriptions:
            if subscription.created_at > entry.occurred_at:
                continue  # followed since: only the updates after that
            notices.append(
                Notice(
                    f"update:{entry.id}:{subscription.user_id}",
                    NoticeKind.SUBSCRIBER,
                    incident.id,
                    subscription.user_id,
                    entry.occurred_at,
                    data,
                )
            )
    return notices


def update_data(incident: Incident, entry: TimelineEntry) -> dict[str, Any]:
    """What the post shows, kept with the message so it says what the update said."""
    return {
        "ref": incident.ref,
        "title": incident.title,
        "severity": incident.severity,
        "status": incident.status.value,
        "channel": incident.channel_id if not incident.private else None,
        "author": entry.author,
        "happening": entry.data.get("happening", ""),
        "impact": entry.data.get("impact", ""),
        "next_steps": entry.data.get("next_steps", ""),
        "next_update_at": entry.data.get("next_update_at"),
    }
