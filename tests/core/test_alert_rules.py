"""What the policy says to do with an alert: rules, severity mapping, services, and the
`[alerts]` section's validation."""

from pathlib import Path

import pytest

from bot.alerts.events import AlertEvent
from bot.alerts.rules import Decision, decide, service_of, severity_of, strongest
from bot.config import Policy, Service, Severity, load_policy
from bot.errors import ConfigError
from models import AlertStatus


def alert(**given: object) -> AlertEvent:
    fields: dict[str, object] = {
        "fingerprint": "fp",
        "status": AlertStatus.FIRING,
        "title": "Disk almost full",
        **given,
    }
    return AlertEvent(**fields)  # type: ignore[arg-type]


def policy(**alerts: object) -> Policy:
    return Policy.model_validate({"alerts": alerts})


def test_without_rules_alerts_declare_at_their_mapped_severity() -> None:
    default = Policy()

    assert decide("alertmanager", alert(severity="critical"), "", default) == Decision(
        "declare", "sev2"
    )
    assert decide("pagerduty", alert(severity="P1"), "", default).severity == "sev1"
    assert decide("grafana", alert(severity="Warning"), "", default).severity == "sev3"
    assert decide("generic", alert(severity="weird"), "", default).severity == "sev3"


def test_info_alerts_are_ignored_unless_a_rule_says_otherwise() -> None:
    keep = policy(rules=[{"match": {"alertname": "Backup*"}, "severity": "sev4"}])

    assert decide("grafana", alert(severity="info"), "", keep).action == "ignore"
    assert decide("grafana", alert(severity="INFO", alertname="BackupLate"), "", keep) == (
        Decision("declare", "sev4")
    )


def test_severity_map_keys_are_read_in_any_case() -> None:
    mapped = policy(severity_map={"P1": "sev1", "Critical": "sev1"})

    assert severity_of("p1", mapped) == severity_of("CRITICAL", mapped) == "sev1"


def test_the_first_matching_rule_decides() -> None:
    rules = policy(
        rules=[
            {"match": {"source": "grafana", "alertname": "Watchdog"}, "action": "ignore"},
            {"match": {"labels": {"team": "db-*"}}, "action": "triage", "severity": "sev4"},
            {"match": {"service": "checkout"}, "severity": "sev1", "when_resolved": "resolve"},
        ],
        triage_channel="C0TRIAGE",
    )

    watchdog = alert(alertname="Watchdog", labels={"team": "db-core"})
    assert decide("grafana", watchdog, "", rules).action == "ignore"
    assert decide("alertmanager", watchdog, "", rules) == Decision("triage", "sev4")
    assert decide("datadog", alert(severity="warning"), "Checkout", rules) == Decision(
        "declare", "sev1", "resolve"
    )
    assert decide("datadog", alert(severity="warning"), "search", rules) == Decision(
        "declare", "sev3"
    )


def test_alerts_sent_together_take_the_strongest_action_at_the_worst_severity() -> None:
    default = Policy()
    decisions = [
        Decision("triage", "sev1"),
        Decision("declare", "sev3", "mitigate"),
        Decision("declare", "sev2", "resolve"),
        Decision("ignore", "sev1"),
    ]

    assert strongest(decisions, default) == Decision("declare", "sev2", "mitigate")
    assert strongest([], default) is None


def test_the_service_comes_from_the_alert_then_labels_in_the_catalogues_spelling() -> None:
    catalogue = Policy(services=(Service(name="Checkout API"),))

    assert service_of(alert(service="checkout api"), catalogue) == "Checkout API"
    assert service_of(alert(labels={"job": "api", "app": "payments"}), catalogue) == "payments"
    assert service_of(alert(labels={"job": "api"}), catalogue) == "api"
    assert service_of(alert(labels={"instance": "x"}), catalogue) == ""


def test_a_policy_with_fewer_severities_maps_to_the_least_severe_it_has() -> None:
    two = Policy(
        severities=(
            Severity(key="sev1", name="Critical", response_target="15m"),
            Severity(key="sev2", name="Major", response_target="1h"),
        )
    )

    assert severity_of("critical", two) == "sev2"
    assert severity_of("info", two) == "sev2"
    assert severity_of("P1", two) == "sev1"


@pytest.mark.parametrize(
    ("alerts", "named"),
    [
        ({"rules": [{"action": "triage"}]}, "alerts.triage_channel"),
        ({"rules": [{"severity": "sev9"}]}, "alerts.rules"),
        ({"severity_map": {"critical": "sev7"}}, "alerts.severity_map"),
        ({"default_severity": "sev0"}, "alerts.default_severity"),
        ({"sources": {"grafana": {}}}, "alerts.sources.grafana"),
        ({"sources": {"nagios": {"token": "x"}}}, "alerts.sources.nagios"),
        ({"rules": [{"action": "page"}]}, "alerts.rules.0.action"),
        ({"sources": {"grafana": {"signing_secret": "x"}}}, "only PagerDuty's signature"),
    ],
)
def test_a_bad_alerts_section_is_refused_naming_the_key(
    tmp_path: Path, alerts: dict[str, object], named: str
) -> None:
    path = tmp_path / "sitrep.toml"
    path.write_text(_toml(alerts))
    with pytest.raises(ConfigError) as refused:
        load_policy(path)
    assert named in str(refused.value)


def _toml(alerts: dict[str, object]) -> str:
    """A dict as the TOML a person would write (inline tables and arrays)."""

    def value(v: object) -> str:
        if isinstance(v, dict):
            return "{ " + ", ".join(f'"{k}" = {value(x)}' for k, x in v.items()) + " }"
        if isinstance(v, list):
            return "[ " + ", ".join(value(x) for x in v) + " ]"
        return f'"{v}"'

    return "[alerts]\n" + "".join(f"{k} = {value(v)}\n" for k, v in alerts.items())
