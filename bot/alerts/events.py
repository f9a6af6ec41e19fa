"""What a monitoring notification says, in one shape whatever the vendor."""

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from bot.errors import IncidentError
from models import AlertStatus, LinkKind


class BadPayload(IncidentError):
    """A notification Sitrep cannot read; the message says why, for the sender."""


@dataclass(frozen=True)
class AlertLink:
    url: str
    kind: LinkKind = LinkKind.ALERT
    title: str = ""


@dataclass(frozen=True)
class AlertEvent:
    """One alert's state, as the source reports it."""

    # Identifies the alert at its source across notifications (Alertmanager's fingerprint,
    # a PagerDuty incident ID); the same alert firing again has the same fingerprint.
    fingerprint: str
    status: AlertStatus
    title: str
    description: str = ""
    # The severity as the source names it ("critical", "P1", "high"); mapped by the policy.
    severity: str = ""
    service: str = ""
    alertname: str = ""
    labels: Mapping[str, str] = field(default_factory=dict)
    links: tuple[AlertLink, ...] = ()
    started_at: datetime | None = None
    ended_at: datetime | None = None


@dataclass(frozen=True)
class Notification:
    """One webhook delivery: a source, and the alerts it reports on."""

    source: str
    events: tuple[AlertEvent, ...]
    # The source's own grouping (Alertmanager's groupKey): alerts sent together belong
    # together; "" when the source has none.
    group_key: str = ""
    # Why a delivery reports on no alert (an event type Sitrep does not act on), for the reply.
    skipped: str = ""
