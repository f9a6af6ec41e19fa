"""What the policy says to do with an alert: pure functions of the alert and the policy."""

from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import Literal

from bot.alerts.events import AlertEvent
from bot.config import AlertAction, AlertMatch, Policy

WhenResolved = Literal["prompt", "mitigate", "resolve"]
_CAUTION: tuple[WhenResolved, ...] = ("prompt", "mitigate", "resolve")  # most careful first
_STRENGTH: tuple[AlertAction, ...] = ("ignore", "triage", "declare")


@dataclass(frozen=True)
class Decision:
    action: AlertAction
    severity: str
    when_resolved: WhenResolved = "prompt"


def service_of(event: AlertEvent, policy: Policy) -> str:
    """The affected service: the alert's own, else the first service label, in the
    catalogue's spelling when the catalogue knows it."""
    name = event.service or next(
        (event.labels[k] for k in policy.alerts.service_labels if event.labels.get(k)), ""
    )
    known = {service.name.lower(): service.name for service in policy.services}
    return known.get(name.strip().lower(), name.strip())[:80]


def decide(source: str, event: AlertEvent, service: str, policy: Policy) -> Decision:
    """The first matching rule's decision, else the default action; the severity is the
    rule's, else the alert's own mapped by the policy."""
    alerts = policy.alerts
    rule = next(
        (r for r in alerts.rules if _matches(r.match, source, event, service)),
        None,
    )
    if rule is None and event.severity.strip().lower() in alerts.ignore_severities:
        return Decision("ignore", severity_of(event.severity, policy))
    action = rule.action if rule else alerts.default_action
    severity = (rule.severity if rule else None) or severity_of(event.severity, policy)
    return Decision(action, severity.lower(), rule.when_resolved if rule else "prompt")


def severity_of(raw: str, policy: Policy) -> str:
    """The severity key an alert's own severity maps to. Mappings to severities this policy
    does not have fall back to the default severity, else to the least severe."""
    keys = policy.severity_keys
    mapped = policy.alerts.severity_map.get(raw.strip().lower(), policy.alerts.default_severity)
    for key in (mapped, policy.alerts.default_severity):
        if key.lower() in keys:
            return key.lower()
    return keys[-1]


def strongest(decisions: list[Decision], policy: Policy) -> Decision | None:
    """For alerts sent together: the strongest action, at the worst severity among those
    taking it, resolving as carefully as the most careful of them; None for no alert."""
    if not decisions:
        return None
    action = max((d.action for d in decisions), key=_STRENGTH.index)
    taking = [d for d in decisions if d.action == action]
    order = policy.severity_keys  # most severe first
    severity = min((d.severity for d in taking), key=order.index)
    when = min((d.when_resolved for d in taking), key=_CAUTION.index)
    return Decision(action, severity, when)


def most_careful(whens: list[WhenResolved]) -> WhenResolved:
    return min(whens, key=_CAUTION.index) if whens else "prompt"


def _matches(match: AlertMatch, source: str, event: AlertEvent, service: str) -> bool:
    wanted = (
        (match.source, source),
        (match.alertname, event.alertname),
        (match.severity, event.severity),
        (match.service, service),
    )
    fields_match = all(_like(value, pattern) for pattern, value in wanted if pattern)
    return fields_match and all(
        _like(event.labels.get(name, ""), pattern) for name, pattern in match.labels.items()
    )


def _like(value: str, pattern: str) -> bool:
    return fnmatchcase(value.lower(), pattern.lower())
