"""Closing on real storage (SQLite and PostgreSQL): the checklist read from the stores,
enforced inside the close, and a workaround handed over to exactly one problem however
many people click at once."""

from datetime import timedelta

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session

from bot.adapters.db.action_items import SqlActionItemStore
from bot.adapters.db.alerts import SqlAlertStore
from bot.adapters.db.postmortems import SqlPostmortemStore
from bot.adapters.db.problems import SqlProblemStore
from bot.adapters.db.store import SqlIncidentStore
from bot.checklist import Answers
from bot.closing import ClosingCheck, ClosingService
from bot.config import Policy
from bot.errors import ChecklistIncomplete
from bot.incidents import Declaration, IncidentService
from bot.problems import ProblemService
from models import AlertStatus, Fix, IncidentAlert, Problem, Role, Status
from tests.storage.test_incident_store import Clock, declare, race

POLICY = Policy()


@pytest.fixture
def checked(store: SqlIncidentStore, engine: Engine, clock: Clock) -> IncidentService:
    check = ClosingCheck(SqlPostmortemStore(engine), SqlActionItemStore(engine), POLICY)
    return IncidentService(store, POLICY, clock, checklist=check)


@pytest.fixture
def closing(engine: Engine, checked: IncidentService, clock: Clock) -> ClosingService:
    check = ClosingCheck(SqlPostmortemStore(engine), SqlActionItemStore(engine), POLICY)
    problems = ProblemService(SqlProblemStore(engine), checked, clock)
    return ClosingService(checked, check, problems, POLICY)


def test_the_close_is_refused_until_the_answers_complete_the_checklist(
    checked: IncidentService, closing: ClosingService
) -> None:
    incident = declare(checked, "Search index stale")  # SEV2: the post-mortem too
    assert incident.id is not None
    checked.resolve(incident.id, "U_ALICE", "Reindexed")
    with pytest.raises(ChecklistIncomplete, match="root cause"):
        closing.close(incident.id, "U_ALICE")
    checked.assign_role(incident.id, Role.COMMANDER, "U_ALICE", "U_ALICE")
    answers = Answers(
        root_cause_unknown=True, category="Application/batch", postmortem_waiver="Minor",
        no_follow_up="Covered by INC-2026-0001's items", runbook="not_applicable",
    )  # fmt: skip
    closed = closing.close(incident.id, "U_ALICE", answers)
    assert closed.incident.status is Status.CLOSED
    [entry] = closed.entries
    assert all(item["done"] for item in entry.data["checklist"])


def test_racing_workaround_clicks_open_one_problem_linked_both_ways(
    engine: Engine, checked: IncidentService, closing: ClosingService
) -> None:
    incident = declare(checked, "Orders database connections maxed out")
    assert incident.id is not None
    incident_id = incident.id
    checked.resolve(incident_id, "U_ALICE", "Restarted pgbouncer")

    race(6, lambda: closing.record_fix(incident_id, "U_BOB", Fix.WORKAROUND))

    linked = checked.get(incident_id)
    problems = SqlProblemStore(engine)
    assert linked.fix is Fix.WORKAROUND and linked.problem_id is not None
    problem = problems.by_id(linked.problem_id)
    assert isinstance(problem, Problem) and problem.workaround == "Restarted pgbouncer"
    assert [p.id for p, _ in problems.problems(include_resolved=True, limit=10)] == [problem.id]


def test_an_alert_of_an_incident_in_its_window_finds_it_and_after_it_does_not(
    engine: Engine, checked: IncidentService, clock: Clock
) -> None:
    incident = checked.declare(Declaration("Error rate high", "sev1", "U_ALICE"))  # 24h window
    assert incident.id is not None
    alerts = SqlAlertStore(engine)
    with Session(engine) as session:
        session.add(IncidentAlert.model_validate({
            "incident_id": incident.id, "source": "alertmanager", "fingerprint": "fp-1",
            "status": AlertStatus.FIRING, "title": "HighErrorRate",
            "first_seen_at": clock(), "last_seen_at": clock(),
        }))  # fmt: skip
        session.commit()
    checked.resolve(incident.id, "U_ALICE", "Rolled back")
    assert alerts.monitored_incident("alertmanager", ["fp-1"], clock()) is not None
    assert alerts.monitored_incident("alertmanager", ["fp-2"], clock()) is None
    assert alerts.monitored_incident("grafana", ["fp-1"], clock()) is None
    later = clock() + timedelta(hours=25)
    assert alerts.monitored_incident("alertmanager", ["fp-1"], later) is None
