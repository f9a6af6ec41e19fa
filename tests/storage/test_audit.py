"""The audit log on real storage (SQLite and PostgreSQL): every incident change is audited
in its own transaction, with the surface it came from; refused changes leave no trace."""

import pytest
from sqlalchemy.engine import Engine

from bot.adapters.db.audit import SqlAuditLog
from bot.adapters.db.store import SqlIncidentStore
from bot.audit import AuditService, Surface, via
from bot.config import Policy
from bot.errors import NothingChanged
from bot.incidents import IncidentService
from bot.permissions import NotPermitted, Permissions, PermissionsPolicy
from models import Status
from tests.storage.test_incident_store import Clock, declare


def test_every_change_is_audited_with_who_what_and_surface(
    incidents: IncidentService, engine: Engine, clock: Clock
) -> None:
    with via(Surface.SLASH_COMMAND):
        incident = declare(incidents)
    assert incident.id is not None
    clock.advance(minutes=1)
    with via(Surface.BUTTON):
        incidents.change_status(incident.id, Status.INVESTIGATING, "U_BOB")
    clock.advance(minutes=1)
    with via(Surface.ALERT):
        incidents.resolve(incident.id, "", "alerts resolved")
    with pytest.raises(NothingChanged):
        incidents.change_severity(incident.id, incident.severity, "U_BOB")

    audit = AuditService(SqlAuditLog(engine), Permissions(PermissionsPolicy()), clock)
    found = audit.find("U_ANYONE", audit.query(incident.ref))
    assert [(e.actor, e.action, e.surface, e.target) for e in found] == [
        (None, "status_changed", "alert", incident.ref),
        ("U_BOB", "status_changed", "button", incident.ref),
        ("U_ALICE", "declared", "slash_command", incident.ref),
    ]
    assert found[0].details["to"] == "resolved" and found[0].incident_id == incident.id
    assert [e.action for e in audit.find("U_ANYONE", audit.query("7d"))] == [
        "status_changed", "status_changed", "declared",
    ]  # fmt: skip
    assert len(audit.export(None, audit.query("30d"))) == 3


def test_only_admins_read_the_audit_log_once_admins_are_configured(
    engine: Engine, clock: Clock
) -> None:
    policy = PermissionsPolicy(admins=("U_ADMIN",))
    audit = AuditService(SqlAuditLog(engine), Permissions(policy), clock)
    with pytest.raises(NotPermitted, match="only Sitrep's admins may read the audit log"):
        audit.find("U_BOB", audit.query("7d"))
    audit.record("U_ADMIN", "override.created", "payments", {"user": "U_BOB"})
    [entry] = audit.find("U_ADMIN", audit.query("7d"))
    assert (entry.actor, entry.surface, entry.details) == (
        "U_ADMIN", "system", {"user": "U_BOB"},
    )  # fmt: skip


def test_a_refused_change_changes_nothing_and_is_not_audited(
    store: SqlIncidentStore, engine: Engine, clock: Clock
) -> None:
    policy = Policy.model_validate({"permissions": {"resolve": "commander"}})
    incidents = IncidentService(store, policy, clock)
    incident = declare(incidents)
    assert incident.id is not None
    with pytest.raises(NotPermitted, match="only its commander may resolve"):
        incidents.resolve(incident.id, "U_BOB", "fixed")
    assert incidents.get(incident.id).status is Status.DECLARED
    audit = AuditService(SqlAuditLog(engine), Permissions(policy.permissions), clock)
    assert [e.action for e in audit.find("U_X", audit.query(incident.ref))] == ["declared"]
