"""Alerts on real storage, every test on SQLite and PostgreSQL: intake serialised across
threads, each change recorded once, "all resolved" seen by exactly one delivery, triage
repeats counted without losing any."""

import threading
import time
from datetime import timedelta

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from bot.adapters.db.alerts import SqlAlertStore
from bot.adapters.db.outbox import SqlOutboxStore
from bot.adapters.db.store import SqlIncidentStore
from bot.alerts.events import AlertEvent
from bot.alerts.records import alert_entry, alert_row
from bot.config import Policy
from bot.incidents import IncidentService
from bot.scheduling.service import triage_notice
from models import AlertStatus, AlertTriage, IncidentAlert, TimelineEntry, TriageState
from tests.storage.test_incident_store import START, Clock, declare, race


@pytest.fixture
def alerts(engine: Engine) -> SqlAlertStore:
    return SqlAlertStore(engine)


@pytest.fixture
def incident_id(engine: Engine) -> int:
    incident = declare(IncidentService(SqlIncidentStore(engine), Policy(), Clock()))
    assert incident.id is not None
    return incident.id


def row(fingerprint: str, status: AlertStatus = AlertStatus.FIRING) -> IncidentAlert:
    event = AlertEvent(fingerprint=fingerprint, status=status, title=f"Alert {fingerprint}")
    return alert_row("alertmanager", "", event, START)


def record(alerts: SqlAlertStore, incident_id: int, *rows: IncidentAlert) -> bool:
    _, all_resolved = alerts.record(incident_id, rows, lambda c: alert_entry(c, START))
    return all_resolved


def test_intake_for_one_key_runs_one_at_a_time(alerts: SqlAlertStore) -> None:
    inside, most = [0], [0]
    lock = threading.Lock()

    def take() -> None:
        with alerts.serialized(["service:search", "group:alertmanager:g"]):
            with lock:
                inside[0] += 1
                most[0] = max(most[0], inside[0])
            time.sleep(0.02)  # hold the key while the others try to take it
            with lock:
                inside[0] -= 1

    race(6, take)

    assert most[0] == 1


def test_the_same_alert_recorded_at_once_is_one_row_and_one_entry(
    engine: Engine, alerts: SqlAlertStore, incident_id: int
) -> None:
    race(8, lambda: record(alerts, incident_id, row("fp-1")))

    with Session(engine) as session:
        [stored] = session.exec(select(IncidentAlert)).all()
        entries = session.exec(
            select(TimelineEntry).where(TimelineEntry.kind == "alert")  # type: ignore[arg-type]
        ).all()
    assert stored.times_seen == 8
    assert len(entries) == 1


def test_exactly_one_of_two_racing_resolutions_sees_all_resolved(
    alerts: SqlAlertStore, incident_id: int
) -> None:
    record(alerts, incident_id, row("a"), row("b"))
    resolving = iter([row("a", AlertStatus.RESOLVED), row("b", AlertStatus.RESOLVED)])
    picked = threading.Lock()

    def resolve_one() -> bool:
        with picked:
            mine = next(resolving)
        return record(alerts, incident_id, mine)

    assert sorted(race(2, resolve_one)) == [False, True]  # type: ignore[type-var]
    assert record(alerts, incident_id, row("a", AlertStatus.RESOLVED)) is False  # a repeat


def test_triage_repeats_are_all_counted_on_the_one_waiting(
    engine: Engine, alerts: SqlAlertStore
) -> None:
    def triage() -> AlertTriage:
        return AlertTriage.model_validate(
            {
                "pending_key": "k",
                "source": "grafana",
                "state": TriageState.PENDING,
                "notification": {"source": "grafana", "events": []},
                "severity": "sev3",
                "channel_id": "C_TRIAGE",
                "created_at": START,
                "last_seen_at": START,
            }
        )

    results = race(10, lambda: alerts.add_triage(triage(), START - timedelta(days=1)))

    assert sum(1 for _, created in results if created) == 1  # type: ignore[misc]
    with Session(engine) as session:
        [waiting] = session.exec(select(AlertTriage)).all()
    assert waiting.times_seen == 10
    assert [t.id for t in alerts.pending_triage()] == [waiting.id]
    outbox = SqlOutboxStore(engine)
    outbox.enqueue([triage_notice(waiting)], START)
    [claimed] = outbox.claim(START, START + timedelta(minutes=1), 10, "token")
    assert claimed.id is not None
    outbox.mark_sent(claimed.id, "token", "1700000000.000100", START, None)
    assert alerts.pending_triage() == []  # posted: not owed again
    assert alerts.triage_post(waiting.id or 0) == ("C_TRIAGE", "1700000000.000100")
