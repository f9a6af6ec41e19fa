"""Alerts in, as monitoring sends them: real webhook payloads POSTed to the running app,
incidents declared or joined in the fake Slack, and bad deliveries refused cleanly."""

import copy
import hashlib
import hmac
import json
import threading
import urllib.error
import urllib.request
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import Session, select

from bot.adapters.slack.ids import status_action_id
from bot.config import AlertRule, Alerts, AlertSource, Policy
from models import AlertTriage, EntryKind, Incident, IncidentAlert, Status, TimelineEntry
from tests.e2e.conftest import FastForward, Running
from tests.e2e.harness import Reply, tick
from tests.e2e.test_insights import answer, shown
from tests.fakes.slack_api import FakeSlack

PAYLOADS = Path(__file__).resolve().parents[2].parent / "shared" / "reference" / "payloads"
TOKEN = "s3cret-alert-token"
PAGERDUTY_SECRET = "pagerduty-signing-secret"


def sample(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((PAYLOADS / name).read_text())
    return data


@pytest.fixture
def policy(slack: FakeSlack) -> Policy:
    incidents, general = slack.channel_by_name("incidents"), slack.channel_by_name("general")
    assert incidents is not None and general is not None
    sources = {
        name: AlertSource(token=TOKEN)
        for name in ("alertmanager", "grafana", "datadog", "opsgenie", "generic")
    }
    sources["pagerduty"] = AlertSource(signing_secret=PAGERDUTY_SECRET, rate_per_minute=5)
    rules = (
        AlertRule.model_validate({"match": {"alertname": "Watchdog"}, "action": "ignore"}),
        AlertRule.model_validate(
            {"match": {"labels": {"team": "db*"}}, "action": "triage", "severity": "sev3"}
        ),
        AlertRule.model_validate(
            {"match": {"service": "search"}, "severity": "sev3", "when_resolved": "mitigate"}
        ),
    )
    alerts = Alerts(sources=sources, rules=rules, triage_channel=general.id)
    return Policy(announcements_channel=incidents.id, alerts=alerts)


def deliver(
    running: Running,
    source: str,
    payload: Any,
    *,
    token: str | None = TOKEN,
    headers: dict[str, str] | None = None,
    query: str = "",
    method: str = "POST",
) -> Reply:
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    sent = {"Content-Type": "application/json", **(headers or {})}
    if token is not None and not query:
        sent["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(
        f"{running.url}/webhooks/{source}{query}", data=body, method=method, headers=sent
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return Reply(response.status, response.read().decode())
    except urllib.error.HTTPError as error:
        return Reply(error.code, error.read().decode())


def pagerduty_signature(body: bytes, secret: str = PAGERDUTY_SECRET) -> str:
    return "v1=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def firing(
    name: str = "HighErrorRate",
    fingerprint: str = "6f1b2c3d4e5f6a7b",
    *,
    status: str = "firing",
    started: datetime | None = None,
    labels: dict[str, str] | None = None,
    group_key: str = '{}:{alertname="HighErrorRate"}',
) -> dict[str, Any]:
    """The Alertmanager sample, as one alert firing (or resolved) now."""
    payload = sample("alertmanager_webhook.json")
    alert = payload["alerts"][0]
    alert["labels"] = {**alert["labels"], "alertname": name, **(labels or {})}
    alert["fingerprint"], alert["status"] = fingerprint, status
    if name != "HighErrorRate":
        alert["annotations"]["summary"] = f"{name} on api-1"
    alert["startsAt"] = (started or datetime.now(UTC) - timedelta(minutes=3)).isoformat()
    if status == "resolved":
        alert["endsAt"] = datetime.now(UTC).isoformat()
    payload["status"], payload["groupKey"] = status, group_key
    return payload


def incidents(running: Running) -> list[Incident]:
    with Session(running.sitrep.engine) as session:
        return list(session.exec(select(Incident).order_by(Incident.id)))  # type: ignore[arg-type]


def alert_entries(running: Running, incident: Incident) -> list[TimelineEntry]:
    with Session(running.sitrep.engine) as session:
        return list(
            session.exec(
                select(TimelineEntry)
                .where(TimelineEntry.incident_id == incident.id)
                .where(TimelineEntry.kind == EntryKind.ALERT)
                .order_by(TimelineEntry.id)  # type: ignore[arg-type]
            )
        )


def opened(running: Running, ref: str) -> str:
    """Waits for the incident's channel, with its announcement pinned; returns its ID."""
    slack = running.slack

    def room() -> str | None:
        incident = next((i for i in incidents(running) if i.ref == ref), None)
        if incident is None or incident.channel_id is None:
            return None
        return incident.channel_id if slack.pins(incident.channel_id) else None

    return slack.wait_for(room)


def posted(running: Running, channel: str, text: str) -> list[Any]:
    return running.slack.wait_for(
        lambda: [m for m in running.slack.messages(channel) if text in m.all_text]
    )


def test_an_alertmanager_alert_declares_an_incident_with_its_context(running: Running) -> None:
    started = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=7)
    reply = deliver(running, "alertmanager", firing(started=started))

    assert reply.status == 202, reply
    assert reply.json["outcome"] == "declared"
    [incident] = incidents(running)
    assert reply.json["incident"] == incident.ref
    assert incident.title == "High 5xx rate on api-1"
    assert incident.severity == "sev2"  # severity=critical, by the default map
    assert incident.detected_by == "alertmanager"
    assert incident.impact_started_at == started  # feeds MTTD
    assert incident.services == ["api"]  # the job label names the service
    assert incident.reporter == ""
    channel = opened(running, incident.ref)
    [announcement] = running.slack.pins(channel)
    assert "Alertmanager alert" in announcement.all_text
    [post] = posted(running, channel, "Alertmanager alert firing")
    assert "High 5xx rate on api-1" in post.all_text
    assert "runbooks.example.com/high-error-rate" in json.dumps(post.blocks)
    notice = posted(running, running.announcements, incident.ref)
    assert "Alertmanager alert" in notice[0].all_text
    [runbook] = running.slack.wait_for(lambda: running.slack.bookmarks(channel))
    assert runbook.link == "https://runbooks.example.com/high-error-rate"


def test_a_repeated_alert_joins_its_incident_and_adds_nothing_new(running: Running) -> None:
    first = deliver(running, "alertmanager", firing())
    again = deliver(running, "alertmanager", firing())

    assert (first.json["outcome"], again.json["outcome"]) == ("declared", "updated")
    [incident] = incidents(running)
    assert again.json["incident"] == incident.ref
    assert len(alert_entries(running, incident)) == 1
    with Session(running.sitrep.engine) as session:
        [alert] = session.exec(select(IncidentAlert)).all()
    assert alert.times_seen == 2


def test_another_alert_of_the_same_group_joins_the_open_incident(running: Running) -> None:
    deliver(running, "alertmanager", firing())
    reply = deliver(running, "alertmanager", firing("LatencyHigh", "aaaa0000bbbb1111"))

    assert reply.json["outcome"] == "joined"
    [incident] = incidents(running)
    channel = opened(running, incident.ref)
    posted(running, channel, "LatencyHigh")


def test_alerts_for_one_service_group_within_the_window_but_not_after(
    running: Running, clock: FastForward
) -> None:
    search = {"service": "search"}
    deliver(running, "alertmanager", firing("A", "f-a", labels=search, group_key="ga"))
    joined = deliver(running, "alertmanager", firing("B", "f-b", labels=search, group_key="gb"))
    clock.advance(minutes=30)
    later = deliver(running, "alertmanager", firing("C", "f-c", labels=search, group_key="gc"))

    assert joined.json["outcome"] == "joined"
    assert later.json["outcome"] == "declared"
    assert [i.services for i in incidents(running)] == [["search"], ["search"]]


def test_resolved_alerts_are_recorded_and_the_channel_is_asked_to_mark_mitigated(
    running: Running,
) -> None:
    deliver(running, "alertmanager", firing())
    [incident] = incidents(running)
    channel = opened(running, incident.ref)

    reply = deliver(running, "alertmanager", firing(status="resolved"))

    assert reply.status == 202 and reply.json["outcome"] == "updated"
    posted(running, channel, "Alertmanager alert resolved")
    [prompt] = posted(running, channel, "All alerts resolved")
    assert status_action_id(Status.MITIGATED) in json.dumps(prompt.blocks)
    [still] = incidents(running)
    assert still.status is Status.DECLARED  # never moved on without a person

    running.driver.click(channel, prompt.ts, "Mark mitigated", user="U_BOB")

    running.slack.wait_for(lambda: incidents(running)[0].status is Status.MITIGATED)


def test_alert_entries_are_audited_as_the_alert_surface(running: Running) -> None:
    deliver(running, "alertmanager", firing())
    deliver(running, "alertmanager", firing())  # a repeat only counts: nothing recorded
    deliver(running, "alertmanager", firing(status="resolved"))
    [incident] = incidents(running)

    audit = running.sitrep.deps.audit
    logged = [
        (row["actor"], row["surface"], json.loads(row["details"])["text"])
        for row in audit.export(None, audit.query(incident.ref))
        if row["action"] == "alert"
    ]
    assert logged == [
        ("sitrep", "alert", "Alertmanager alert firing: High 5xx rate on api-1"),
        ("sitrep", "alert", "Alertmanager alert resolved: High 5xx rate on api-1"),
        ("sitrep", "alert", "All alerts resolved: mark mitigated?"),
    ]
    assert len(alert_entries(running, incident)) == len(logged)


def test_a_rule_may_mitigate_when_all_alerts_resolve(running: Running) -> None:
    search = {"service": "search"}
    deliver(running, "alertmanager", firing(labels=search))
    [incident] = incidents(running)
    assert incident.severity == "sev3"  # the rule's severity
    opened(running, incident.ref)

    deliver(running, "alertmanager", firing(labels=search, status="resolved"))

    [mitigated] = incidents(running)
    assert mitigated.status is Status.MITIGATED


def test_the_same_alert_delivered_twenty_times_at_once_declares_one_incident(
    running: Running,
) -> None:
    payload = firing()
    replies: list[Reply] = []
    start = threading.Barrier(20)

    def send() -> None:
        start.wait()
        replies.append(deliver(running, "alertmanager", payload))

    threads = [threading.Thread(target=send) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(r.status for r in replies) == [202] * 20
    [incident] = incidents(running)
    assert {r.json["incident"] for r in replies} == {incident.ref}
    assert len(alert_entries(running, incident)) == 1
    opened(running, incident.ref)
    channels = [c for c in running.slack.channels() if c.name.startswith("inc-")]
    assert len(channels) == 1


def test_grafana_sends_two_alerts_that_become_one_incident(running: Running) -> None:
    payload = sample("grafana_webhook.json")
    reply = deliver(running, "grafana", payload)

    assert reply.status == 202 and reply.json["outcome"] == "declared"
    [incident] = incidents(running)
    assert incident.title == "This alert was triggered for zone us-1 (+1 more)"
    [entry] = alert_entries(running, incident)  # one delivery, one entry listing both
    assert entry.data["changed"] == 2
    channel = opened(running, incident.ref)
    [post] = posted(running, channel, "Grafana: 2 alerts changed")
    assert "zone eu-1" in post.all_text


def test_datadog_default_payload_declares(running: Running) -> None:
    payload = sample("datadog_webhook_default_template.json")
    payload["title"] = "[Triggered] Checkout p99 latency above 2s"

    reply = deliver(running, "datadog", payload)

    assert reply.status == 202 and reply.json["outcome"] == "declared"
    [incident] = incidents(running)
    assert incident.title == "Checkout p99 latency above 2s"
    assert incident.detected_by == "datadog"


def test_pagerduty_signed_trigger_declares_and_other_events_are_acknowledged(
    running: Running,
) -> None:
    body = json.dumps(sample("pagerduty_v3_incident_triggered.json")).encode()
    signature = {"X-PagerDuty-Signature": pagerduty_signature(body)}

    reply = deliver(running, "pagerduty", body, token=None, headers=signature)

    assert reply.status == 202 and reply.json["outcome"] == "declared"
    [incident] = incidents(running)
    assert incident.title == "A little bump in the road"
    assert incident.severity == "sev1"  # priority P1
    assert incident.services == ["API Service"]
    update = json.dumps(sample("pagerduty_v3_incident_priority_updated.json")).encode()
    signed = {"X-PagerDuty-Signature": pagerduty_signature(update)}
    skipped = deliver(running, "pagerduty", update, token=None, headers=signed)
    assert skipped.status == 202 and skipped.json["outcome"] == "ignored"
    assert "priority_updated" in skipped.json["detail"]


def test_opsgenie_and_generic_payloads_declare(running: Running) -> None:
    opsgenie = deliver(running, "opsgenie", sample("opsgenie_webhook_create.json"))
    generic = deliver(
        running,
        "generic",
        {
            "title": "Payments queue backing up",
            "severity": "critical",
            "service": "payments",
            "fingerprint": "payments-queue",
            "links": [{"url": "https://grafana.example.com/d/q", "kind": "dashboard"}],
        },
        query=f"?token={TOKEN}",
    )

    assert (opsgenie.status, generic.status) == (202, 202)
    titles = sorted(i.title for i in incidents(running))
    assert titles == ["Payments queue backing up", "test alert"]


def test_an_ignore_rule_drops_the_alert(running: Running) -> None:
    reply = deliver(running, "alertmanager", firing("Watchdog", "dead-man"))

    assert reply.status == 202 and reply.json["outcome"] == "ignored"
    assert incidents(running) == []


def test_a_triage_rule_asks_a_person_once_and_declare_opens_the_incident(running: Running) -> None:
    db = {"team": "dbre"}
    first = deliver(running, "alertmanager", firing("ReplicaLag", "lag-1", labels=db))
    again = deliver(running, "alertmanager", firing("ReplicaLag", "lag-1", labels=db))

    assert (first.json["outcome"], again.json["outcome"]) == ("triaged", "triaged")
    assert incidents(running) == []
    [post] = posted(running, running.general, "needs a decision")
    tick(running)  # a second look at the outbox sends nothing more
    assert len([m for m in running.slack.messages(running.general) if "needs a" in m.all_text]) == 1

    running.driver.click(running.general, post.ts, "Declare incident", user="U_CAROL")

    [incident] = running.slack.wait_for(lambda: incidents(running))
    assert incident.severity == "sev3" and incident.reporter == "U_CAROL"
    channel = opened(running, incident.ref)
    assert "U_CAROL" in running.slack.members(channel)
    running.slack.wait_for(
        lambda: "declared" in running.slack.message(running.general, post.ts).all_text
    )
    repeat = deliver(running, "alertmanager", firing("ReplicaLag", "lag-1", labels=db))
    assert repeat.json["incident"] == incident.ref  # the alert is the incident's now


def test_dismissing_a_triaged_alert_declares_nothing(running: Running) -> None:
    deliver(running, "alertmanager", firing("ReplicaLag", "lag-2", labels={"team": "db"}))
    [post] = posted(running, running.general, "needs a decision")

    running.driver.click(running.general, post.ts, "Dismiss", user="U_BOB")

    running.slack.wait_for(
        lambda: "dismissed" in running.slack.message(running.general, post.ts).all_text
    )
    assert incidents(running) == []
    with Session(running.sitrep.engine) as session:
        [triage] = session.exec(select(AlertTriage)).all()
    assert triage.decided_by == "U_BOB" and triage.pending_key is None


@pytest.mark.parametrize(
    ("source", "payload", "kwargs", "status", "error"),
    [
        ("alertmanager", None, {"token": "wrong"}, 401, "unauthorized"),
        ("alertmanager", None, {"token": None}, 401, "unauthorized"),
        ("pagerduty", None, {"headers": {"X-PagerDuty-Signature": "v1=00"}}, 401, "unauthorized"),
        ("alertmanager", b"{not json", {}, 400, "malformed_body"),
        ("alertmanager", {"alerts": "many"}, {}, 400, "malformed_body"),
        ("alertmanager", None, {"headers": {"Content-Type": "text/plain"}}, 415, None),
        ("alertmanager", b"x" * (1024 * 1024 + 1), {}, 413, "payload_too_large"),
        ("nagios", None, {}, 404, "unknown_source"),
        ("alertmanager", None, {"method": "PUT"}, 405, "method_not_allowed"),
        ("generic", {"severity": "critical"}, {}, 400, "malformed_body"),
    ],
)
def test_bad_deliveries_are_refused_with_a_reason_and_change_nothing(
    running: Running,
    source: str,
    payload: Any,
    kwargs: dict[str, Any],
    status: int,
    error: str | None,
) -> None:
    reply = deliver(running, source, firing() if payload is None else payload, **kwargs)

    assert reply.status == status, reply
    assert reply.json["ok"] is False and reply.json["reason"]
    if error:
        assert reply.json["error"] == error
    assert incidents(running) == []


class TestWithOnlyTheGenericSource:
    @pytest.fixture
    def policy(self, slack: FakeSlack) -> Policy:
        only = Alerts(sources={"generic": AlertSource(token=TOKEN)})
        return Policy(alerts=only)

    def test_a_source_the_policy_does_not_enable_is_refused(self, running: Running) -> None:
        reply = deliver(running, "alertmanager", firing())

        assert reply.status == 404
        assert reply.json["error"] == "not_enabled"
        assert "alerts.sources.alertmanager" in reply.json["reason"]
        assert incidents(running) == []


def test_a_flood_from_one_source_is_rate_limited(running: Running) -> None:
    update = json.dumps(sample("pagerduty_v3_incident_priority_updated.json")).encode()
    signed = {"X-PagerDuty-Signature": pagerduty_signature(update)}
    replies = [deliver(running, "pagerduty", update, token=None, headers=signed) for _ in range(6)]

    assert [r.status for r in replies] == [202] * 5 + [429]
    assert replies[-1].json["error"] == "rate_limited"
    assert "retry in" in replies[-1].json["reason"]


def test_huge_label_sets_are_stored_bounded(running: Running) -> None:
    labels = {f"label_{n}": "v" * 500 for n in range(1000)}
    payload = firing(labels=labels)

    reply = deliver(running, "alertmanager", payload)

    assert reply.status == 202
    with Session(running.sitrep.engine) as session:
        [alert] = session.exec(select(IncidentAlert)).all()
    assert len(alert.labels) <= 100
    assert all(len(value) <= 200 for value in alert.labels.values())


def test_a_group_of_many_alerts_is_one_incident(running: Running) -> None:
    payload = firing()
    template = payload["alerts"][0]
    payload["alerts"] = [{**copy.deepcopy(template), "fingerprint": f"fp-{n}"} for n in range(30)]

    reply = deliver(running, "alertmanager", payload)

    assert reply.json["outcome"] == "declared"
    [incident] = incidents(running)
    assert incident.title.endswith("(+29 more)")
    [entry] = alert_entries(running, incident)
    assert entry.text == "Alertmanager: 30 alerts firing"
    [post] = posted(running, opened(running, incident.ref), "30 alerts changed")
    assert "and 20 more" in post.all_text


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4)
    ),
    max_leaves=20,
)
# Bodies close to a real one, with parts replaced by anything.
_NEAR_MISS = st.fixed_dictionaries(
    {"version": st.just("4"), "alerts": st.lists(st.dictionaries(
        st.sampled_from(["labels", "annotations", "status", "fingerprint", "startsAt"]), _JSON
    ), max_size=3)}
)  # fmt: skip


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    source=st.sampled_from(["alertmanager", "generic", "datadog", "opsgenie"]),
    body=_JSON.map(lambda v: json.dumps(v).encode())
    | _NEAR_MISS.map(lambda v: json.dumps(v).encode())
    | st.binary(max_size=200),
)
def test_fuzzed_deliveries_are_answered_never_crash_and_write_whole_incidents(
    running: Running, source: str, body: bytes
) -> None:
    reply = deliver(running, source, body)

    assert reply.status in (202, 400), reply
    assert reply.json["ok"] is (reply.status == 202)
    with Session(running.sitrep.engine) as session:
        for incident in session.exec(select(Incident)):
            linked = session.exec(
                select(IncidentAlert).where(IncidentAlert.incident_id == incident.id)
            ).all()
            assert linked, f"{incident.ref} was declared without its alerts"


def test_stats_count_incidents_from_monitoring_and_soon_after_a_linked_deploy(
    running: Running,
) -> None:
    started = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=30)
    deliver(running, "alertmanager", firing(started=started))
    [incident] = incidents(running)
    channel = opened(running, incident.ref)
    deployed = (started - timedelta(minutes=40)).strftime("%Y-%m-%dT%H:%MZ")
    linked = running.driver.command(
        f"link https://ci.example.com/deploys/4411 deploy Checkout 4411 at {deployed}",
        channel=channel,
    )
    assert linked.status == 200

    running.driver.command("stats 7d", user="U_ALICE")

    body = answer(running.slack, "Incidents, the last 7 days")
    assert (
        "*Detection:* 1 of 1 declared from monitoring · 1 began within 2h 0m of a linked deploy"
        in shown(body["blocks"])
    )


def _at_once(*sends: Callable[[], Reply]) -> list[Reply]:
    """The deliveries sent together, as monitoring does when several groups fire."""
    replies: list[Reply] = []
    start = threading.Barrier(len(sends))

    def run(send: Callable[[], Reply]) -> None:
        start.wait()
        replies.append(send())

    threads = [threading.Thread(target=run, args=(send,)) for send in sends]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return replies


def test_two_groups_firing_at_once_for_one_service_make_one_incident(running: Running) -> None:
    search = {"service": "search"}
    replies = _at_once(
        lambda: deliver(running, "alertmanager", firing("A", "f-a", labels=search, group_key="ga")),
        lambda: deliver(running, "alertmanager", firing("B", "f-b", labels=search, group_key="gb")),
    )

    assert sorted(r.json["outcome"] for r in replies) == ["declared", "joined"]
    [incident] = incidents(running)
    assert {r.json["incident"] for r in replies} == {incident.ref}


def test_without_a_group_a_service_groups_within_the_window_only(
    running: Running, clock: FastForward
) -> None:
    def alert(fingerprint: str) -> dict[str, Any]:
        return {"title": f"Queue {fingerprint}", "service": "payments", "fingerprint": fingerprint}

    first = deliver(running, "generic", alert("q1"))
    joined = deliver(running, "generic", alert("q2"))
    clock.advance(minutes=30)
    later = deliver(running, "generic", alert("q3"))

    assert [first.json["outcome"], joined.json["outcome"], later.json["outcome"]] == [
        "declared",
        "joined",
        "declared",
    ]
    assert len(incidents(running)) == 2


def test_alerts_resolving_at_once_ask_once(running: Running) -> None:
    deliver(running, "alertmanager", firing("A", "f-a", group_key="ga"))
    deliver(running, "alertmanager", firing("B", "f-b", group_key="gb"))
    [incident] = incidents(running)
    channel = opened(running, incident.ref)

    _at_once(
        lambda: deliver(
            running, "alertmanager", firing("A", "f-a", status="resolved", group_key="ga")
        ),
        lambda: deliver(
            running, "alertmanager", firing("B", "f-b", status="resolved", group_key="gb")
        ),
    )

    posted(running, channel, "All alerts resolved")
    running.sitrep.recover(grace=timedelta(0))
    prompts = [m for m in running.slack.messages(channel) if "All alerts resolved" in m.all_text]
    assert len(prompts) == 1


def test_the_most_careful_rule_of_all_the_alerts_decides_when_they_resolve(
    running: Running,
) -> None:
    # The incident's first alert asks a person; a later one's rule would mitigate.
    deliver(running, "alertmanager", firing("A", "f-a", group_key="g"))
    deliver(
        running, "alertmanager", firing("B", "f-b", labels={"service": "search"}, group_key="g")
    )
    deliver(running, "alertmanager", firing("A", "f-a", status="resolved", group_key="g"))
    deliver(
        running,
        "alertmanager",
        firing("B", "f-b", labels={"service": "search"}, status="resolved", group_key="g"),
    )

    [incident] = incidents(running)
    assert incident.status is Status.DECLARED
    posted(running, opened(running, incident.ref), "All alerts resolved")


def test_an_ignored_alert_joins_nothing_and_holds_nothing_up(running: Running) -> None:
    deliver(running, "alertmanager", firing("A", "f-a", group_key="g"))
    ignored = deliver(running, "alertmanager", firing("Watchdog", "f-w", group_key="g"))
    info = firing("Chatty", "f-i", group_key="g", labels={"severity": "info"})
    quiet = deliver(running, "alertmanager", info)
    resolved = deliver(
        running, "alertmanager", firing("A", "f-a", status="resolved", group_key="g")
    )

    assert (ignored.json["outcome"], quiet.json["outcome"]) == ("ignored", "ignored")
    [incident] = incidents(running)
    with Session(running.sitrep.engine) as session:
        linked = session.exec(select(IncidentAlert.fingerprint)).all()
    assert linked == ["f-a"]
    assert resolved.json["outcome"] == "updated"
    posted(running, opened(running, incident.ref), "All alerts resolved")


def test_a_late_retry_of_a_firing_alert_does_not_undo_its_resolution(running: Running) -> None:
    started = datetime.now(UTC) - timedelta(minutes=10)
    deliver(running, "alertmanager", firing(started=started))
    deliver(running, "alertmanager", firing(started=started, status="resolved"))
    retried = deliver(running, "alertmanager", firing(started=started))

    assert retried.json["outcome"] == "updated"
    with Session(running.sitrep.engine) as session:
        [alert] = session.exec(select(IncidentAlert)).all()
    assert alert.status.value == "resolved"


def test_declare_clicked_after_dismiss_is_refused_and_declares_nothing(running: Running) -> None:
    deliver(running, "alertmanager", firing("ReplicaLag", "lag-3", labels={"team": "db"}))
    [post] = posted(running, running.general, "needs a decision")
    # Carol's Slack still shows the buttons when she clicks, just after Bob dismissed.
    stale = running.slack.click(running.general, post.ts, "alert.declare", user="U_CAROL")
    running.driver.click(running.general, post.ts, "Dismiss", user="U_BOB")

    assert running.driver.interact(stale).status == 200

    refusals = running.slack.wait_for(
        lambda: [r for r in running.slack.responses() if "<@U_BOB> already dismissed" in r.text]
    )
    assert len(refusals) == 1
    assert incidents(running) == []


def test_declaring_an_alert_that_has_since_joined_an_incident_declares_no_second(
    running: Running,
) -> None:
    pay = {"service": "pay", "team": "db"}
    deliver(running, "alertmanager", firing("Warn", "w-1", labels=pay, group_key="gw"))
    [post] = posted(running, running.general, "needs a decision")
    declared = deliver(running, "alertmanager", firing("Down", "d-1", labels={"service": "pay"}))
    assert declared.json["outcome"] == "declared"

    running.driver.click(running.general, post.ts, "Declare incident", user="U_CAROL")

    running.slack.wait_for(
        lambda: "declared" in running.slack.message(running.general, post.ts).all_text
    )
    assert len(incidents(running)) == 1
    with Session(running.sitrep.engine) as session:
        linked = sorted(session.exec(select(IncidentAlert.fingerprint)).all())
    assert linked == ["d-1", "w-1"]


def test_an_alert_that_resolves_while_waiting_in_triage_waits_no_more(running: Running) -> None:
    db = {"team": "db"}
    deliver(running, "alertmanager", firing("ReplicaLag", "lag-4", labels=db))
    [post] = posted(running, running.general, "needs a decision")

    reply = deliver(
        running, "alertmanager", firing("ReplicaLag", "lag-4", labels=db, status="resolved")
    )

    assert reply.json["outcome"] == "updated"
    running.slack.wait_for(
        lambda: "resolved at its source" in running.slack.message(running.general, post.ts).all_text
    )
    again = deliver(running, "alertmanager", firing("ReplicaLag", "lag-4", labels=db))
    assert again.json["detail"] == "sent to triage"
    running.slack.wait_for(
        lambda: [
            m
            for m in running.slack.messages(running.general)
            if "needs a decision" in m.all_text and m.ts != post.ts
        ]
    )


def test_a_repeat_of_an_alert_still_firing_after_a_person_resolved_declares_nothing_new(
    running: Running,
) -> None:
    started = datetime.now(UTC) - timedelta(minutes=10)
    deliver(running, "alertmanager", firing(started=started))
    [incident] = incidents(running)
    channel = opened(running, incident.ref)
    running.driver.command("resolve Rolled back; the alert lags", channel=channel)
    running.slack.wait_for(lambda: incidents(running)[0].status is Status.RESOLVED)

    repeat = deliver(running, "alertmanager", firing(started=started))
    recurrence = deliver(running, "alertmanager", firing(started=datetime.now(UTC)))

    assert (repeat.json["outcome"], repeat.json["incident"]) == ("updated", incident.ref)
    assert recurrence.json["outcome"] == "declared"  # it started again: a new incident
    assert len(incidents(running)) == 2


@pytest.mark.parametrize(
    ("source", "name", "title"),
    [
        ("alertmanager", "alertmanager_webhook.json", "High 5xx rate on api-1"),
        ("alertmanager", "alertmanager_webhook_v0.34_fields.json", "High 5xx rate on api-1"),
        ("grafana", "grafana_webhook.json", "This alert was triggered for zone us-1 (+1 more)"),
        ("datadog", "datadog_webhook_default_template.json", "$EVENT_TITLE"),
        ("pagerduty", "pagerduty_v3_incident_triggered.json", "A little bump in the road"),
        ("opsgenie", "opsgenie_webhook_create.json", "test alert"),
    ],
)
def test_every_reference_sample_as_sent_opens_an_incident_room(
    running: Running, source: str, name: str, title: str
) -> None:
    body = (PAYLOADS / name).read_bytes()
    signed = {"X-PagerDuty-Signature": pagerduty_signature(body)} if source == "pagerduty" else {}

    reply = deliver(running, source, body, token=None if signed else TOKEN, headers=signed)

    assert reply.status == 202 and reply.json["outcome"] == "declared", reply
    [incident] = incidents(running)
    assert incident.title == title and incident.detected_by == source
    channel = opened(running, incident.ref)
    posted(running, channel, "alert")


def test_an_alert_nobody_decided_on_comes_back_to_triage_after_a_day(
    running: Running, clock: FastForward
) -> None:
    db = {"team": "db"}
    deliver(running, "alertmanager", firing("ReplicaLag", "lag-5", labels=db))
    [post] = posted(running, running.general, "needs a decision")
    stale = running.slack.click(running.general, post.ts, "alert.declare", user="U_CAROL")
    clock.advance(hours=25)

    again = deliver(running, "alertmanager", firing("ReplicaLag", "lag-5", labels=db))

    assert again.json["detail"] == "sent to triage"
    running.slack.wait_for(
        lambda: [
            m
            for m in running.slack.messages(running.general)
            if "needs a decision" in m.all_text and m.ts != post.ts
        ]
    )
    running.driver.interact(stale)
    running.slack.wait_for(
        lambda: [r for r in running.slack.responses() if "waited too long" in r.text]
    )
    assert incidents(running) == []


def test_an_alert_starting_again_within_the_verification_window_reopens_its_incident(
    running: Running,
) -> None:
    critical = {"severity": "p1"}  # SEV1 by the default map: watched for 24 hours
    first = datetime.now(UTC) - timedelta(minutes=10)
    deliver(running, "alertmanager", firing(labels=critical, started=first))
    [incident] = incidents(running)
    assert incident.severity == "sev1"
    channel = opened(running, incident.ref)
    running.driver.command("resolve Rolled back", channel=channel)
    running.slack.wait_for(lambda: incidents(running)[0].status is Status.RESOLVED)
    assert incidents(running)[0].monitoring_until is not None

    again = deliver(running, "alertmanager", firing(labels=critical, started=datetime.now(UTC)))

    assert (again.json["outcome"], again.json["incident"]) == ("reopened", incident.ref)
    [reopened] = incidents(running)  # the same incident, not a second one
    assert reopened.status is Status.INVESTIGATING and reopened.monitoring_until is None
    posted(running, channel, "HighErrorRate fired again")
