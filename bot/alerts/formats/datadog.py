"""Datadog's webhook: the default payload, plus the fields people commonly add to it.

The default payload is {"body", "last_updated", "event_type", "title", "date", "org", "id"};
custom payloads add $ALERT_ID, $ALERT_TRANSITION, $ALERT_PRIORITY, $TAGS, $LINK, $AGGREG_KEY,
$HOSTNAME and $ALERT_STATUS under the names below.
"""

import re

from pydantic import Field

from bot.alerts.events import Notification
from bot.alerts.formats.common import (
    MAX_TITLE,
    JsonObject,
    Model,
    Tags,
    Text,
    alert_event,
    digest,
    epoch_ms_time,
    first_text,
    iso_time,
    link,
    make_labels,
    notification,
    one_line,
    tag_labels,
    validate,
)
from models import AlertStatus, LinkKind

# The prefixes Datadog puts before a monitor's name: "[P1] [Triggered on {host:a}] Disk full".
_STATE_PREFIX = re.compile(
    r"^\s*(?:\[\s*(?:P\d|Triggered|Re-?Triggered|Recovered|Warn|Re-?Warn|No Data|Re-?Notify)"
    r"\b[^\]]*\]\s*)+",
    re.IGNORECASE,
)
# A multi-alert names the group in its prefix: "[Triggered on {host:web-1}]".
_SCOPE = re.compile(r"\bon\s*(\{[^}\]]*\})", re.IGNORECASE)
# Without $ALERT_TRANSITION, the title tells: "[Recovered] ..." or "[P1] Recovered ...".
_RECOVERED_TITLE = re.compile(r"^\s*(?:\[\s*P\d\s*\]\s*)*\[?\s*Recovered\b", re.IGNORECASE)
_PRIORITY_PREFIX = re.compile(r"^\s*\[\s*(P\d)\s*\]")
# Datadog wraps Markdown messages in %%% fences.
_FENCE = re.compile(r"^\s*%%%\s*|\s*%%%\s*$")


class _Webhook(Model):
    title: Text
    body: Text = ""
    date: object = None
    alert_id: Text = ""
    aggreg_key: Text = ""
    alert_transition: Text = ""
    alert_priority: Text = ""
    priority: Text = ""
    alert_status: Text = ""
    tags: Tags = Field(default_factory=list)
    link: object = None
    url: object = None
    hostname: Text = ""


def parse_datadog(data: JsonObject) -> Notification:
    """A Datadog webhook: one event, firing unless the transition or the title says recovered."""
    hook = validate(_Webhook, data)
    title = first_text(_STATE_PREFIX.sub("", hook.title), "Alert from Datadog")
    found = make_labels([*tag_labels(hook.tags), ("host", hook.hostname or None)])
    status = _status(hook)
    when = epoch_ms_time(hook.date) or iso_time(hook.date)
    resolved = status is AlertStatus.RESOLVED
    event = alert_event(
        fingerprint=_fingerprint(hook, title, _scope_of(hook.title)),
        status=status,
        title=title,
        description=first_text(_FENCE.sub("", hook.body), hook.alert_status),
        severity=first_text(hook.alert_priority, hook.priority, _title_priority(hook.title)),
        service=found.get("service", ""),
        labels=found,
        links=(link(hook.link, LinkKind.ALERT, "Datadog"), link(hook.url, LinkKind.ALERT)),
        # For a recovery, $DATE is when it recovered.
        started_at=None if resolved else when,
        ended_at=when if resolved else None,
    )
    return notification("datadog", [event])


def _status(hook: _Webhook) -> AlertStatus:
    transition = hook.alert_transition.strip().lower()
    if transition:
        recovered = transition.startswith("recovered")
    else:
        recovered = _RECOVERED_TITLE.match(hook.title) is not None
    return AlertStatus.RESOLVED if recovered else AlertStatus.FIRING


def _fingerprint(hook: _Webhook, title: str, scope: str) -> str:
    # $ALERT_ID names the monitor; $AGGREG_KEY tells apart the groups of a multi-alert.
    alert_id, key = hook.alert_id.strip(), hook.aggreg_key.strip()
    if alert_id:
        return f"{alert_id}:{key}" if key else alert_id
    # The default payload has neither: the monitor's name and the group in the prefix.
    return digest(one_line(title, MAX_TITLE) + scope)


def _scope_of(raw_title: str) -> str:
    prefix = _STATE_PREFIX.match(raw_title)
    found = _SCOPE.search(prefix[0]) if prefix else None
    return found[1] if found else ""


def _title_priority(title: str) -> str:
    match = _PRIORITY_PREFIX.match(title)
    return match[1] if match else ""
