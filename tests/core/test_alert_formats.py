"""Monitoring webhooks from every vendor read as one alert shape, within limits, or refused
with a reason the sender can act on."""

import copy
import hashlib
import json
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.alerts.events import AlertEvent, BadPayload, Notification
from bot.alerts.formats import SOURCES, parse
from bot.alerts.formats.common import epoch_ms_time, iso_time
from models import AlertStatus, LinkKind

PAYLOADS = Path(__file__).resolve().parents[2].parent / "shared" / "reference" / "payloads"
SAMPLES = {
    "alertmanager_webhook.json": "alertmanager",
    "alertmanager_webhook_v0.34_fields.json": "alertmanager",
    "grafana_webhook.json": "grafana",
    "datadog_webhook_default_template.json": "datadog",
    "pagerduty_v3_incident_triggered.json": "pagerduty",
    "pagerduty_v3_incident_priority_updated.json": "pagerduty",
    "opsgenie_webhook_create.json": "opsgenie",
}

Json = dict[str, Any]


def sample(name: str) -> Json:
    path = PAYLOADS / name
    if not path.is_file():
        pytest.fail(
            f"Reference payload {path} is missing; restore <parent>/shared/reference/payloads "
            "rather than skipping these tests.",
            pytrace=False,
        )
    loaded: Json = json.loads(path.read_text(encoding="utf-8"))
    return loaded


def read(source: str, payload: object) -> Notification:
    return parse(source, json.dumps(payload).encode())


def only(notification: Notification) -> AlertEvent:
    assert len(notification.events) == 1, notification
    return notification.events[0]


def refused(source: str, payload: object) -> str:
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    with pytest.raises(BadPayload) as caught:
        parse(source, body)
    return str(caught.value)


def am_alert(**fields: Any) -> Json:
    alert: Json = {
        "status": "firing",
        "labels": {"alertname": "HighErrorRate", "severity": "critical", "service": "api"},
        "annotations": {"summary": "High 5xx rate"},
        "startsAt": "2024-05-01T12:00:00Z",
        "endsAt": "0001-01-01T00:00:00Z",
        "generatorURL": "http://prometheus.example.com/graph",
        "fingerprint": "f1",
    }
    alert.update(fields)
    return alert


def am(*alerts: Json, **fields: Any) -> Json:
    return {
        "version": "4",
        "groupKey": "{}:{}",
        "status": "firing",
        "alerts": list(alerts),
    } | fields


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


# -- The real samples ------------------------------------------------------------------------


def test_the_sources_are_the_documented_ones() -> None:
    assert SOURCES == ("alertmanager", "grafana", "datadog", "pagerduty", "opsgenie", "generic")


@pytest.mark.parametrize(
    "name", ["alertmanager_webhook.json", "alertmanager_webhook_v0.34_fields.json"]
)
def test_alertmanager_sample_is_one_firing_alert_with_its_annotations(name: str) -> None:
    notification = read("alertmanager", sample(name))
    assert notification.source == "alertmanager"
    assert notification.group_key == '{}:{alertname="HighErrorRate"}'
    assert notification.skipped == ""
    event = only(notification)
    assert event.fingerprint == "6f1b2c3d4e5f6a7b"
    assert event.status is AlertStatus.FIRING
    assert event.title == "High 5xx rate on api-1"
    assert event.description == "5xx ratio > 5% for 10m"
    assert event.severity == "critical"
    assert event.alertname == "HighErrorRate"
    assert event.service == ""
    assert event.labels == {
        "alertname": "HighErrorRate",
        "job": "api",
        "instance": "api-1:8080",
        "severity": "critical",
    }
    assert [(link.kind, link.url) for link in event.links] == [
        (
            LinkKind.ALERT,
            "http://prometheus.example.com:9090/graph?g0.expr=job%3Aerrors%3Aratio5m+%3E+0.05&g0.tab=1",
        ),
        (LinkKind.RUNBOOK, "https://runbooks.example.com/high-error-rate"),
    ]
    assert event.started_at == datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
    assert event.ended_at is None  # Go's zero time


def test_grafana_sample_is_two_firing_alerts_in_utc() -> None:
    notification = read("grafana", sample("grafana_webhook.json"))
    assert notification.source == "grafana"
    assert notification.group_key == "{}:{}"
    memory, cpu = notification.events
    assert (memory.fingerprint, cpu.fingerprint) == ("c6eadffa33fcdf37", "bc97ff14869b13e3")
    assert memory.status is cpu.status is AlertStatus.FIRING
    assert memory.title == "This alert was triggered for zone us-1"
    assert memory.description == "The system has high memory usage"
    assert memory.alertname == "High memory usage"
    assert memory.labels == {"alertname": "High memory usage", "team": "blue", "zone": "us-1"}
    assert memory.severity == ""
    # +02:00 in the payload; the empty dashboardURL and panelURL are no links.
    assert memory.started_at == datetime(2021, 10, 12, 7, 51, 3, 157076, tzinfo=UTC)
    assert [(link.kind, link.url) for link in memory.links] == [
        (LinkKind.ALERT, "https://play.grafana.org/alerting/1afz29v7z/edit"),
        (LinkKind.RUNBOOK, "https://myrunbook.com/runbook/1234"),
    ]
    assert not any("silence" in link.url for link in memory.links + cpu.links)
    assert cpu.title == "This alert was triggered for zone eu-1"


def test_datadog_default_template_unrendered_is_one_firing_alert() -> None:
    event = only(read("datadog", sample("datadog_webhook_default_template.json")))
    assert event.status is AlertStatus.FIRING
    assert event.title == "$EVENT_TITLE"
    assert event.description == "$EVENT_MSG"
    assert event.fingerprint == sha256("$EVENT_TITLE")
    assert event.started_at is None  # "$DATE"
    assert event.links == ()


def test_pagerduty_triggered_sample_is_one_firing_incident() -> None:
    event = only(read("pagerduty", sample("pagerduty_v3_incident_triggered.json")))
    assert event.fingerprint == "PGR0VU2"
    assert event.status is AlertStatus.FIRING
    assert event.title == "A little bump in the road"
    assert event.severity == "P1"
    assert event.service == "API Service"
    assert event.labels == {
        "urgency": "high",
        "incident_key": "d3640fbd41094207a1c11e58e46b1662",
        "teams": "Engineering",
        "escalation_policy": "Default",
        "number": "2",
    }
    assert [(link.kind, link.url) for link in event.links] == [
        (LinkKind.ALERT, "https://acme.pagerduty.com/incidents/PGR0VU2"),
        (LinkKind.OTHER, "https://example.com"),
    ]
    assert event.started_at == datetime(2020, 4, 9, 15, 16, 27, tzinfo=UTC)
    assert event.ended_at is None


def test_pagerduty_priority_update_is_read_and_skipped() -> None:
    notification = read("pagerduty", sample("pagerduty_v3_incident_priority_updated.json"))
    assert notification.events == ()
    assert notification.skipped == "PagerDuty event incident.priority_updated is not acted on"


def test_opsgenie_create_sample_is_one_firing_alert() -> None:
    event = only(read("opsgenie", sample("opsgenie_webhook_create.json")))
    assert event.fingerprint == "aliastest"
    assert event.status is AlertStatus.FIRING
    assert event.title == "test alert"  # the leading space stripped
    assert event.labels == {"tag1": "", "tag2": ""}
    assert event.service == ""  # entity is ""
    assert event.started_at == datetime(2015, 1, 5, 10, 3, 11, 104000, tzinfo=UTC)
    assert event.links == ()


@pytest.mark.parametrize(("name", "source"), SAMPLES.items())
def test_every_sample_is_refused_by_no_other_parser_with_anything_but_bad_payload(
    name: str, source: str
) -> None:
    body = (PAYLOADS / name).read_bytes()
    for other in SOURCES:
        try:
            parse(other, body)
        except BadPayload:
            assert other != source


# -- Alertmanager and Grafana ----------------------------------------------------------------


def test_a_group_reports_each_alert_with_its_own_status() -> None:
    resolved = am_alert(fingerprint="f2", status="resolved", endsAt="2024-05-01T12:30:00Z")
    notification = read("alertmanager", am(am_alert(), resolved, am_alert(fingerprint="f3")))
    statuses = [(e.fingerprint, e.status) for e in notification.events]
    assert statuses == [
        ("f1", AlertStatus.FIRING),
        ("f2", AlertStatus.RESOLVED),
        ("f3", AlertStatus.FIRING),
    ]
    assert notification.events[1].ended_at == datetime(2024, 5, 1, 12, 30, tzinfo=UTC)


def test_a_resolved_notification_resolves_its_alerts() -> None:
    alert = am_alert(status="resolved", endsAt="2024-05-01T12:30:00.123456789Z")
    event = only(read("alertmanager", am(alert, status="resolved")))
    assert event.status is AlertStatus.RESOLVED
    assert event.ended_at == datetime(2024, 5, 1, 12, 30, 0, 123456, tzinfo=UTC)


def test_a_firing_alerts_end_is_its_timeout_not_an_end() -> None:
    event = only(read("alertmanager", am(am_alert(endsAt="2024-05-01T12:04:00Z"))))
    assert event.ended_at is None


def test_labels_are_kept_whatever_their_names_and_values_are_read_as_text() -> None:
    labels = {
        "alertname": "X",
        "kubernetes_pod": "api-7c9",
        "replicas": 3,
        "ratio": 0.5,
        "canary": True,
        "nested": {"a": 1},
        "listed": [1, 2],
        "absent": None,
        "": "no name",
    }
    event = only(read("alertmanager", am(am_alert(labels=labels))))
    assert event.labels == {
        "alertname": "X",
        "kubernetes_pod": "api-7c9",
        "replicas": "3",
        "ratio": "0.5",
        "canary": "true",
    }
    assert event.severity == event.service == ""


def test_severity_falls_back_to_priority_and_service_is_only_the_service_label() -> None:
    labels = {"alertname": "X", "priority": "P2", "app": "checkout", "service": "payments"}
    event = only(read("alertmanager", am(am_alert(labels=labels))))
    assert (event.severity, event.service) == ("P2", "payments")


@pytest.mark.parametrize(
    ("annotations", "labels", "title"),
    [
        ({"summary": "Summary", "title": "Title"}, {"alertname": "Name"}, "Summary"),
        ({"summary": "  ", "title": "Title"}, {"alertname": "Name"}, "Title"),
        ({}, {"alertname": "Name"}, "Name"),
        ({}, {}, "Alert from Alertmanager"),
        ({"summary": "line one\n  line two"}, {}, "line one line two"),
    ],
)
def test_title_is_the_summary_else_title_else_alertname(
    annotations: Json, labels: Json, title: str
) -> None:
    event = only(read("alertmanager", am(am_alert(annotations=annotations, labels=labels))))
    assert event.title == title


def test_description_is_the_description_annotation_else_the_message() -> None:
    alert = am_alert(annotations={"message": "from message"})
    assert only(read("alertmanager", am(alert))).description == "from message"


def test_alert_without_fingerprint_is_known_by_its_labels_in_any_order() -> None:
    first = am_alert(fingerprint=None, labels={"a": "1", "b": "2"})
    second = am_alert(labels={"b": "2", "a": "1"})
    del second["fingerprint"]
    one, two = read("alertmanager", am(first, second)).events
    assert one.fingerprint == two.fingerprint
    assert len(one.fingerprint) == 64
    other = only(read("alertmanager", am(am_alert(fingerprint="", labels={"a": "2"}))))
    assert other.fingerprint != one.fingerprint


def test_a_fingerprint_too_long_to_store_is_hashed() -> None:
    long = "x" * 129
    event = only(read("alertmanager", am(am_alert(fingerprint=long))))
    assert event.fingerprint == sha256(long)
    kept = only(read("alertmanager", am(am_alert(fingerprint="y" * 128))))
    assert kept.fingerprint == "y" * 128


def test_dashboard_annotations_are_dashboard_links() -> None:
    notes = {"summary": "s", "dashboard_url": "https://grafana.example.com/d/1"}
    event = only(read("alertmanager", am(am_alert(annotations=notes, generatorURL=""))))
    assert [(link.kind, link.url) for link in event.links] == [
        (LinkKind.DASHBOARD, "https://grafana.example.com/d/1")
    ]
    notes = {"summary": "s", "dashboard": "https://grafana.example.com/d/2"}
    event = only(read("alertmanager", am(am_alert(annotations=notes))))
    assert event.links[-1].kind is LinkKind.DASHBOARD


def test_grafana_dashboard_and_panel_urls_are_dashboard_links() -> None:
    alert = am_alert(
        dashboardURL="https://grafana.example.com/d/abc",
        panelURL="https://grafana.example.com/d/abc?viewPanel=2",
        silenceURL="https://grafana.example.com/alerting/silence/new",
    )
    event = only(read("grafana", am(alert, version="1")))
    assert [(link.kind, link.title) for link in event.links] == [
        (LinkKind.ALERT, "Source"),
        (LinkKind.DASHBOARD, "Dashboard"),
        (LinkKind.DASHBOARD, "Panel"),
    ]


def test_alertmanager_version_may_be_absent_but_not_another() -> None:
    payload = am(am_alert())
    del payload["version"]
    assert only(read("alertmanager", payload)).fingerprint == "f1"
    assert refused("alertmanager", am(am_alert(), version="3")) == (
        "unsupported Alertmanager webhook version 3"
    )


def test_grafana_accepts_any_version() -> None:
    assert only(read("grafana", am(am_alert(), version="2"))).fingerprint == "f1"


def test_no_alerts_is_a_delivery_about_nothing() -> None:
    notification = read("alertmanager", am())
    assert notification.events == ()
    assert notification.skipped == "no alerts in the notification"


def test_a_thousand_alerts_are_cut_to_two_hundred() -> None:
    alerts = [am_alert(fingerprint=f"f{n}") for n in range(1000)]
    notification = read("alertmanager", am(*alerts, truncatedAlerts=0))
    assert len(notification.events) == 200
    assert notification.events[-1].fingerprint == "f199"


def test_huge_label_sets_keep_the_first_hundred_in_key_order_cut_to_size() -> None:
    labels = {f"label{n:04d}": "v" * 500 for n in range(500)}
    labels["a" * 300] = "long key"
    event = only(read("alertmanager", am(am_alert(labels=labels))))
    assert list(event.labels) == ["a" * 200, *(f"label{n:04d}" for n in range(99))]
    assert event.labels["a" * 200] == "long key"
    assert all(len(event.labels[f"label{n:04d}"]) == 200 for n in range(99))


def test_long_text_is_clipped_to_the_limits() -> None:
    notes = {"summary": "s" * 1000, "description": "d" * 10_000}
    event = only(read("alertmanager", am(am_alert(annotations=notes))))
    assert len(event.title) == 250 and event.title.endswith("…")
    assert len(event.description) == 3000


# -- Links and times -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "",
        "   ",
        "/relative/path",
        "prometheus.example.com/graph",
        "ftp://example.com/file",
        "javascript:alert(1)",
        "http://",
        "http://exa mple.com/",
        "http://[::1",
        "https://example.com:99999/",
        None,
        42,
        {"url": "https://example.com"},
    ],
)
def test_only_absolute_http_urls_are_links(url: object) -> None:
    event = only(read("alertmanager", am(am_alert(generatorURL=url))))
    assert event.links == ()


def test_links_are_clipped_deduplicated_and_at_most_ten() -> None:
    long = "https://example.com/" + "a" * 3000
    links: list[object] = [long, long, *(f"https://example.com/{n}" for n in range(20))]
    event = only(read("generic", {"title": "t", "links": links}))
    assert len(event.links) == 10
    assert event.links[0].url == long[:2000]
    assert len({link.url for link in event.links}) == 10


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-05-01T12:00:00Z", datetime(2024, 5, 1, 12, tzinfo=UTC)),
        ("2024-05-01T12:00:00.5Z", datetime(2024, 5, 1, 12, 0, 0, 500000, tzinfo=UTC)),
        ("2024-05-01T12:00:00.123456789Z", datetime(2024, 5, 1, 12, 0, 0, 123456, tzinfo=UTC)),
        ("2024-05-01T14:00:00+02:00", datetime(2024, 5, 1, 12, tzinfo=UTC)),
        ("2024-05-01T07:30:00-0430", datetime(2024, 5, 1, 12, tzinfo=UTC)),
        ("2024-05-01T12:00:00", datetime(2024, 5, 1, 12, tzinfo=UTC)),
        ("2024-05-01 12:00Z", datetime(2024, 5, 1, 12, tzinfo=UTC)),
        ("0001-01-01T00:00:00Z", None),
        ("0001-01-01T00:00:00+01:00", None),
        ("9999-12-31T23:59:59-01:00", None),
        ("2024-02-30T12:00:00Z", None),
        ("2024-05-01T12:00:00+25:00", None),
        ("yesterday", None),
        ("$DATE", None),
        ("", None),
        (1714564800, None),
        (None, None),
    ],
)
def test_iso_times_are_aware_utc_or_none(text: object, expected: datetime | None) -> None:
    moment = iso_time(text)
    assert moment == expected
    assert moment is None or moment.tzinfo is UTC


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (1420452191104, datetime(2015, 1, 5, 10, 3, 11, 104000, tzinfo=UTC)),
        ("1420452191104", datetime(2015, 1, 5, 10, 3, 11, 104000, tzinfo=UTC)),
        (1420452191104.5, datetime(2015, 1, 5, 10, 3, 11, 104500, tzinfo=UTC)),
        (10**30, None),
        ("9" * 5000, None),
        (float("inf"), None),
        (float("nan"), None),
        (True, None),
        ("$DATE", None),
        ("2015-01-05", None),
        (None, None),
    ],
)
def test_epoch_milliseconds_are_aware_utc_or_none(value: object, expected: object) -> None:
    assert epoch_ms_time(value) == expected


# -- Datadog ---------------------------------------------------------------------------------


def datadog(**fields: Any) -> Json:
    return {
        "body": "%%%\nDisk is 95% full\n%%%",
        "title": "[Triggered on {host:web-1}] Disk almost full",
        "date": 1714564800000,
        "event_type": "query_alert_monitor",
        "id": "7372951281812233061",
    } | fields


def test_datadog_recovered_title_resolves_with_the_prefix_removed() -> None:
    event = only(read("datadog", datadog(title="[Recovered on {host:web-1}] Disk almost full")))
    assert event.status is AlertStatus.RESOLVED
    assert event.title == "Disk almost full"
    assert event.ended_at == datetime(2024, 5, 1, 12, tzinfo=UTC)
    assert event.started_at is None


@pytest.mark.parametrize(
    ("title", "status", "severity"),
    [
        ("[P1] [Recovered] Disk almost full", AlertStatus.RESOLVED, "P1"),
        ("[P2] Recovered: Disk almost full", AlertStatus.RESOLVED, "P2"),
        ("[P1] [Triggered on {host:web-1}] Disk almost full", AlertStatus.FIRING, "P1"),
        ("[Warn] Disk almost full", AlertStatus.FIRING, ""),
        ("[Re-Triggered] Disk almost full", AlertStatus.FIRING, ""),
        ("[No Data] Disk almost full", AlertStatus.FIRING, ""),
    ],
)
def test_datadog_title_prefixes_give_the_status_and_priority(
    title: str, status: AlertStatus, severity: str
) -> None:
    event = only(read("datadog", datadog(title=title)))
    assert event.status is status
    assert event.severity == severity
    assert event.title.endswith("Disk almost full") and not event.title.startswith("[")


def test_a_datadog_title_keeps_brackets_that_are_not_datadogs() -> None:
    event = only(read("datadog", datadog(title="[Triggered] [prod] Disk almost full")))
    assert event.title == "[prod] Disk almost full"


@pytest.mark.parametrize(
    ("transition", "status"),
    [
        ("Recovered", AlertStatus.RESOLVED),
        ("recovered", AlertStatus.RESOLVED),
        ("Triggered", AlertStatus.FIRING),
        ("Re-Triggered", AlertStatus.FIRING),
        ("Warn", AlertStatus.FIRING),
        ("No Data", AlertStatus.FIRING),
        ("Renotify", AlertStatus.FIRING),
    ],
)
def test_datadog_transition_decides_the_status_over_the_title(
    transition: str, status: AlertStatus
) -> None:
    title = "[Recovered] Disk" if status is AlertStatus.FIRING else "[Triggered] Disk"
    event = only(read("datadog", datadog(alert_transition=transition, title=title)))
    assert event.status is status


def test_datadog_custom_fields_become_identity_labels_and_links() -> None:
    payload = datadog(
        alert_id=1234,  # "$ALERT_ID" unquoted in the template: a number
        aggreg_key="9bd4ac313a4d1e8fae2482df7b77628",
        alert_priority="P2",
        tags="service:checkout, env:prod,canary,team:a:b",
        hostname="web-1",
        link="https://app.datadoghq.com/event/event?id=1",
        date="1714564800000",
    )
    event = only(read("datadog", payload))
    assert event.fingerprint == "1234:9bd4ac313a4d1e8fae2482df7b77628"
    assert event.severity == "P2"
    assert event.service == "checkout"
    assert event.labels == {
        "service": "checkout",
        "env": "prod",
        "canary": "",
        "team": "a:b",
        "host": "web-1",
    }
    assert [(link.kind, link.url) for link in event.links] == [
        (LinkKind.ALERT, "https://app.datadoghq.com/event/event?id=1")
    ]
    assert event.description == "Disk is 95% full"
    assert event.started_at == datetime(2024, 5, 1, 12, tzinfo=UTC)


def test_datadog_tags_may_be_a_list_and_priority_may_be_priority() -> None:
    event = only(read("datadog", datadog(tags=["service:api", 7, {"x": 1}], priority="P3")))
    assert event.labels == {"service": "api", "7": ""}
    assert event.severity == "P3"


def test_datadog_without_alert_id_is_known_by_its_cleaned_title() -> None:
    triggered = only(read("datadog", datadog(title="[Triggered] Disk almost full")))
    recovered = only(read("datadog", datadog(title="[Recovered] Disk almost full")))
    assert triggered.fingerprint == recovered.fingerprint == sha256("Disk almost full")


def test_datadog_description_falls_back_to_the_alert_status() -> None:
    event = only(read("datadog", datadog(body="", alert_status="system.load.1 was > 0")))
    assert event.description == "system.load.1 was > 0"


# -- PagerDuty -------------------------------------------------------------------------------


def pagerduty(event_type: str) -> Json:
    payload = copy.deepcopy(sample("pagerduty_v3_incident_triggered.json"))
    payload["event"]["event_type"] = event_type
    return payload


def test_pagerduty_resolved_resolves_the_incident_when_it_happened() -> None:
    event = only(read("pagerduty", pagerduty("incident.resolved")))
    assert event.status is AlertStatus.RESOLVED
    assert event.fingerprint == "PGR0VU2"
    assert event.ended_at == datetime(2020, 10, 2, 18, 45, 22, 169000, tzinfo=UTC)


def test_pagerduty_reopened_fires_again() -> None:
    assert only(read("pagerduty", pagerduty("incident.reopened"))).status is AlertStatus.FIRING


@pytest.mark.parametrize(
    "event_type",
    [
        "incident.acknowledged",
        "incident.unacknowledged",
        "incident.escalated",
        "incident.reassigned",
        "incident.annotated",
        "incident.priority_updated",
        "incident.status_update_published",
    ],
)
def test_pagerduty_events_that_do_not_start_or_stop_an_incident_are_skipped(
    event_type: str,
) -> None:
    notification = read("pagerduty", pagerduty(event_type))
    assert notification.events == ()
    assert notification.skipped == f"PagerDuty event {event_type} is not acted on"


def test_pagerduty_events_about_other_resources_are_skipped() -> None:
    payload = {"event": {"event_type": "service.created", "resource_type": "service"}}
    assert read("pagerduty", payload).skipped == "PagerDuty event service.created is not acted on"
    payload = pagerduty("incident.triggered")
    payload["event"]["resource_type"] = "service"
    assert read("pagerduty", payload).events == ()


def test_pagerduty_severity_falls_back_to_urgency_and_title_to_the_number() -> None:
    payload = pagerduty("incident.triggered")
    data = payload["event"]["data"]
    del data["priority"], data["title"]
    data["teams"] = None
    event = only(read("pagerduty", payload))
    assert event.severity == "high"
    assert event.title == "PagerDuty incident #2"
    assert "teams" not in event.labels


# -- Opsgenie --------------------------------------------------------------------------------


def opsgenie(action: str, **alert: Any) -> Json:
    payload = copy.deepcopy(sample("opsgenie_webhook_create.json"))
    payload["action"] = action
    payload["alert"].update(alert)
    return payload


def test_opsgenie_close_resolves_the_alert() -> None:
    event = only(read("opsgenie", opsgenie("Close")))
    assert event.status is AlertStatus.RESOLVED
    assert event.fingerprint == "aliastest"


@pytest.mark.parametrize("action", ["Acknowledge", "AddNote", "UnAcknowledge", "Escalate"])
def test_opsgenie_actions_on_a_living_alert_are_skipped(action: str) -> None:
    notification = read("opsgenie", opsgenie(action))
    assert notification.events == ()
    assert notification.skipped == f"Opsgenie action {action} is not acted on"


def test_opsgenie_details_and_tags_are_labels_and_give_service_and_link() -> None:
    event = only(
        read(
            "opsgenie",
            opsgenie(
                "Create",
                alias="",
                tags=["service:checkout", "env:prod", "critical"],
                details={"env": "staging", "url": "https://status.example.com/1", "n": 3},
                priority="P1",
                description="Checkout is down",
                entity="checkout-db",
            ),
        )
    )
    assert event.fingerprint == "052652ac-5d1c-464a-812a-7dd18bbfba8c"  # alertId, no alias
    assert event.severity == "P1"
    assert event.description == "Checkout is down"
    assert event.service == "checkout"
    assert event.labels == {
        "service": "checkout",
        "env": "staging",
        "critical": "",
        "url": "https://status.example.com/1",
        "n": "3",
    }
    assert [link.url for link in event.links] == ["https://status.example.com/1"]


def test_opsgenie_service_falls_back_to_the_entity() -> None:
    assert only(read("opsgenie", opsgenie("Create", entity="checkout-db"))).service == (
        "checkout-db"
    )


def test_opsgenie_alert_without_an_id_is_refused() -> None:
    payload = opsgenie("Create", alias=None)
    del payload["alert"]["alertId"]
    assert refused("opsgenie", payload) == "missing field: alert.alias or alert.alertId"


# -- Generic ---------------------------------------------------------------------------------


def test_generic_single_alert_with_every_field() -> None:
    payload = {
        "title": "Checkout API returning 500s",
        "fingerprint": "checkout-5xx",
        "status": "resolved",
        "severity": "critical",
        "service": "checkout",
        "description": "5xx ratio above 5%",
        "labels": {"env": "prod"},
        "links": [
            "https://grafana.example.com/d/checkout",
            {"url": "https://runbooks.example.com/5xx", "kind": "runbook", "title": "Runbook"},
            {"url": "https://ci.example.com/deploys/42", "kind": "DEPLOY"},
        ],
        "started_at": "2026-05-01T12:00:00Z",
        "ended_at": "2026-05-01T12:30:00+00:00",
    }
    notification = read("generic", payload)
    assert (notification.source, notification.group_key) == ("generic", "")
    event = only(notification)
    assert event.fingerprint == "checkout-5xx"
    assert event.status is AlertStatus.RESOLVED
    assert (event.severity, event.service) == ("critical", "checkout")
    assert event.labels == {"env": "prod"}
    assert [(link.kind, link.title) for link in event.links] == [
        (LinkKind.ALERT, ""),
        (LinkKind.RUNBOOK, "Runbook"),
        (LinkKind.DEPLOY, ""),
    ]
    assert event.started_at == datetime(2026, 5, 1, 12, tzinfo=UTC)
    assert event.ended_at == datetime(2026, 5, 1, 12, 30, tzinfo=UTC)


def test_generic_defaults_fire_and_know_the_alert_by_title_and_service() -> None:
    first = only(read("generic", {"title": "Disk full", "service": "db"}))
    again = only(read("generic", {"title": "Disk full", "service": "db", "severity": "sev2"}))
    other = only(read("generic", {"title": "Disk full", "service": "api"}))
    assert first.status is AlertStatus.FIRING
    assert first.fingerprint == again.fingerprint != other.fingerprint
    assert len(first.fingerprint) == 64


def test_generic_list_form_reports_several_with_a_group_key() -> None:
    payload = {
        "group_key": "checkout-errors",
        "alerts": [
            {"title": "5xx", "fingerprint": 1},
            {"title": "latency", "fingerprint": 2, "status": "RESOLVED"},
        ],
    }
    notification = read("generic", payload)
    assert notification.group_key == "checkout-errors"
    assert [(e.fingerprint, e.status) for e in notification.events] == [
        ("1", AlertStatus.FIRING),
        ("2", AlertStatus.RESOLVED),
    ]
    assert read("generic", {"alerts": []}).skipped == "no alerts in the notification"


def test_a_long_group_key_is_hashed() -> None:
    notification = read("generic", {"alerts": [{"title": "t"}], "group_key": "g" * 2000})
    assert notification.group_key == sha256("g" * 2000)


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ({"title": "t", "status": "open"}, "status: must be 'firing' or 'resolved'"),
        ({"title": "t", "status": 1}, "status: must be 'firing' or 'resolved'"),
        (
            {"alerts": [{"title": "a"}, {"title": "b", "status": "done"}]},
            "alerts[1].status: must be 'firing' or 'resolved'",
        ),
        (
            {"title": "t", "links": [{"url": "https://x.example", "kind": "graph"}]},
            "links[0].kind: must be 'alert', 'deploy', 'trace', 'dashboard', 'ticket', "
            "'runbook' or 'link'",
        ),
        ({"title": "t", "links": [7]}, "links[0]: must be a URL or an object with a url"),
        ({"title": "t", "links": [{"kind": "alert"}]}, "missing field: links[0].url"),
        ({"title": "t", "links": "https://x.example"}, "links: must be a list"),
        ({"title": "t", "labels": ["a"]}, "labels: must be an object"),
        ({"title": ["t"]}, "title: must be a string"),
        ({"title": "  "}, "title: must not be empty"),
        ({"severity": "sev1"}, "missing field: title"),
        ({"alerts": {"title": "t"}}, "alerts: must be a list"),
        ({"alerts": ["t"]}, "alerts[0]: must be an object"),
    ],
)
def test_generic_mistakes_are_named(payload: Json, message: str) -> None:
    assert refused("generic", payload) == message


# -- Bad input, whatever the source ----------------------------------------------------------


@pytest.mark.parametrize("source", SOURCES)
@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"", "not valid JSON: Expecting value at line 1 column 1"),
        (b"<html>", "not valid JSON: Expecting value at line 1 column 1"),
        (
            b'{\n  "title": "t"\n  "x": 1}',
            "not valid JSON: Expecting ',' delimiter at line 3 column 3",
        ),
        (b'{"title": "\xff"}', "not valid UTF-8: invalid start byte at byte 11"),
        (b"[]", "the top level must be a JSON object"),
        (b'[{"title": "t"}]', "the top level must be a JSON object"),
        (b'"text"', "the top level must be a JSON object"),
        (b"null", "the top level must be a JSON object"),
        (b"[" * 100_000 + b"]" * 100_000, "not valid JSON: nested too deeply"),
        (b'{"n": ' + b"9" * 5000 + b"}", "not valid JSON: a number has too many digits"),
    ],
)
def test_bodies_that_are_not_a_json_object_are_refused(
    source: str, body: bytes, message: str
) -> None:
    assert refused(source, body).startswith(message)


def test_a_byte_order_mark_is_tolerated() -> None:
    assert only(parse("generic", b'\xef\xbb\xbf{"title": "t"}')).title == "t"


def test_an_unknown_source_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="unknown alert source 'nagios'"):
        parse("nagios", b"{}")


@pytest.mark.parametrize(
    ("source", "payload", "message"),
    [
        ("alertmanager", {"version": "4"}, "missing field: alerts"),
        ("alertmanager", {"alerts": {"a": 1}}, "alerts: must be a list"),
        ("alertmanager", {"alerts": [1]}, "alerts[0]: must be an object"),
        (
            "alertmanager",
            {"alerts": [am_alert(labels=["alertname"])]},
            "alerts[0].labels: must be an object",
        ),
        (
            "alertmanager",
            {"alerts": [am_alert(annotations="summary")]},
            "alerts[0].annotations: must be an object",
        ),
        ("alertmanager", {"alerts": [{"labels": {}}]}, "missing field: alerts[0].status"),
        (
            "alertmanager",
            {"alerts": [am_alert(status="pending")]},
            "alerts[0].status: must be 'firing' or 'resolved'",
        ),
        (
            "alertmanager",
            {"alerts": [am_alert(fingerprint={"x": 1})]},
            "alerts[0].fingerprint: must be a string",
        ),
        ("alertmanager", {"alerts": [], "groupKey": []}, "groupKey: must be a string"),
        ("grafana", {"alerts": [am_alert(), None]}, "alerts[1]: must be an object"),
        ("datadog", {"body": "b"}, "missing field: title"),
        ("datadog", {"title": {"text": "t"}}, "title: must be a string"),
        (
            "datadog",
            {"title": "t", "tags": {"service": "api"}},
            "tags: must be a comma-separated string or a list of strings",
        ),
        ("pagerduty", {"messages": []}, "missing field: event"),
        ("pagerduty", {"event": "incident.triggered"}, "event: must be an object"),
        ("pagerduty", {"event": {"data": {}}}, "missing field: event.event_type"),
        (
            "pagerduty",
            {"event": {"event_type": "incident.triggered"}},
            "missing field: event.data",
        ),
        (
            "pagerduty",
            {"event": {"event_type": "incident.triggered", "data": {"title": "t"}}},
            "missing field: event.data.id",
        ),
        (
            "pagerduty",
            {"event": {"event_type": "incident.resolved", "data": {"id": None}}},
            "missing field: event.data.id",
        ),
        (
            "pagerduty",
            {"event": {"event_type": "incident.triggered", "data": {"id": "P", "priority": "P1"}}},
            "event.data.priority: must be an object",
        ),
        (
            "pagerduty",
            {"event": {"event_type": "incident.triggered", "data": {"id": "P", "teams": [1]}}},
            "event.data.teams[0]: must be an object",
        ),
        ("opsgenie", {"alert": {"alertId": "a"}}, "missing field: action"),
        ("opsgenie", {"action": "Create"}, "missing field: alert"),
        ("opsgenie", {"action": "Create", "alert": []}, "alert: must be an object"),
        (
            "opsgenie",
            {"action": "Create", "alert": {"alertId": "a", "details": "x"}},
            "alert.details: must be an object",
        ),
        (
            "opsgenie",
            {"action": ["Create"], "alert": {"alertId": "a"}},
            "action: must be a string",
        ),
    ],
)
def test_wrong_shapes_are_refused_saying_where(source: str, payload: Json, message: str) -> None:
    assert refused(source, payload) == message


def test_nul_characters_and_lone_surrogates_do_not_reach_storage() -> None:
    body = b'{"title": "disk\\u0000 full \\ud800", "labels": {"a\\u0000": "\\udfff"}}'
    event = only(parse("generic", body))
    assert event.title == "disk full ?"
    assert event.labels == {"a": "?"}


# -- Whatever arrives ------------------------------------------------------------------------

# Names the parsers look for, so that generated objects often reach past the top level.
KEYS = sorted(
    {
        "version", "groupKey", "alerts", "status", "labels", "annotations", "startsAt",
        "endsAt", "generatorURL", "fingerprint", "dashboardURL", "panelURL", "summary",
        "description", "runbook_url", "alertname", "severity", "service", "title", "body",
        "date", "alert_id", "aggreg_key", "alert_transition", "alert_priority", "priority",
        "tags", "link", "url", "hostname", "event", "event_type", "resource_type",
        "occurred_at", "data", "id", "html_url", "created_at", "teams",
        "conference_bridge", "conference_url", "escalation_policy", "action", "alert",
        "alias", "alertId", "message", "entity", "details", "createdAt", "links", "kind",
        "started_at", "ended_at", "group_key",
    }
)  # fmt: skip
SCALARS = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | st.text(max_size=40)
    | st.sampled_from(["firing", "resolved", "Create", "Close", "incident.resolved", "4"])
    | st.sampled_from(["https://example.com/x", "2024-05-01T12:00:00Z", "1714564800000"])
)
JSON_VALUES = st.recursive(
    SCALARS,
    lambda children: (
        st.lists(children, max_size=5)
        | st.dictionaries(st.sampled_from(KEYS) | st.text(max_size=10), children, max_size=6)
    ),
    max_leaves=40,
)


def assert_within_limits(notification: Notification, source: str) -> None:
    assert notification.source == source
    assert len(notification.events) <= 200
    assert bool(notification.events) != bool(notification.skipped)
    for event in notification.events:
        assert isinstance(event.status, AlertStatus)
        assert 0 < len(event.fingerprint) <= 128
        assert 0 < len(event.title) <= 250
        assert len(event.description) <= 3000
        assert len(event.severity) <= 32 and len(event.service) <= 80
        assert len(event.labels) <= 100
        for key, value in event.labels.items():
            assert isinstance(value, str)
            assert 0 < len(key) <= 200 and len(value) <= 200
        assert len(event.links) <= 10
        for link in event.links:
            assert len(link.url) <= 2000 and len(link.title) <= 200
            assert urlsplit(link.url).scheme.lower() in ("http", "https")
            assert isinstance(link.kind, LinkKind)
        for moment in (event.started_at, event.ended_at):
            assert moment is None or moment.utcoffset() == timedelta(0)
        texts = [event.fingerprint, event.title, event.description, *event.labels.values()]
        for text in [*texts, *event.labels, *(link.url for link in event.links)]:
            assert "\x00" not in text
            text.encode("utf-8")  # no lone surrogates


def parse_or_refuse(source: str, body: bytes) -> None:
    try:
        notification = parse(source, body)
    except BadPayload as error:
        assert str(error)
    else:
        assert_within_limits(notification, source)


FAST = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FAST
@given(source=st.sampled_from(SOURCES), value=JSON_VALUES)
def test_any_json_is_read_or_refused_with_a_reason(source: str, value: object) -> None:
    parse_or_refuse(source, json.dumps(value).encode())


@FAST
@given(source=st.sampled_from(SOURCES), body=st.binary(max_size=200))
def test_any_bytes_are_read_or_refused_with_a_reason(source: str, body: bytes) -> None:
    parse_or_refuse(source, body)


def paths(value: object, at: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [at]
    if isinstance(value, dict):
        for key, child in value.items():
            found += paths(child, (*at, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            found += paths(child, (*at, index))
    return found


@FAST
@given(data=st.data())
def test_samples_with_any_part_replaced_are_read_or_refused(data: st.DataObject) -> None:
    name, source = data.draw(st.sampled_from(sorted(SAMPLES.items())))
    payload: Any = sample(name)
    where = data.draw(st.sampled_from(paths(payload)[1:]))
    parent = payload
    for step in where[:-1]:
        parent = parent[step]
    if data.draw(st.booleans()) and isinstance(parent, dict):
        del parent[where[-1]]
    else:
        parent[where[-1]] = data.draw(JSON_VALUES)
    parse_or_refuse(data.draw(st.sampled_from([source, *SOURCES])), json.dumps(payload).encode())


@FAST
@given(
    labels=st.dictionaries(st.text(max_size=300), SCALARS, max_size=150),
    title=st.text(max_size=400),
    fingerprint=st.text(max_size=300),
)
def test_alertmanager_alerts_of_any_text_stay_within_limits(
    labels: Json, title: str, fingerprint: str
) -> None:
    alert = am_alert(labels=labels, annotations={"summary": title}, fingerprint=fingerprint)
    parse_or_refuse("alertmanager", json.dumps(am(alert)).encode())


def test_an_aware_time_in_another_zone_is_converted_not_relabelled() -> None:
    moment = iso_time("2024-05-01T12:00:00+05:30")
    assert moment == datetime(2024, 5, 1, 12, tzinfo=timezone(timedelta(hours=5, minutes=30)))
    assert moment is not None and moment.hour == 6 and moment.minute == 30


def test_datadog_default_payload_tells_the_groups_of_a_multi_alert_apart() -> None:
    def fingerprint(title: str) -> str:
        body = json.dumps({"title": title, "body": "", "date": 1}).encode()
        return parse("datadog", body).events[0].fingerprint

    web1 = fingerprint("[Triggered on {host:web-1}] High CPU")
    web2 = fingerprint("[Triggered on {host:web-2}] High CPU")
    recovered1 = fingerprint("[Recovered on {host:web-1}] High CPU")

    assert web1 != web2
    assert web1 == recovered1
