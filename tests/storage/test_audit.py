"""The audit log on real storage (SQLite and PostgreSQL): every change, of an incident, an
on-call override or rotation, a problem or an API token, is audited in its own transaction,
with the surface it came from; refused or retried changes leave no trace, and a change
whose audit row can't be written is not made."""

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session

from bot.adapters.db.audit import SqlAuditLog
from bot.adapters.db.oncall import SqlOverrideStore, SqlRotationStore
from bot.adapters.db.problems import SqlProblemStore
from bot.adapters.db.store import SqlIncidentStore
from bot.adapters.db.tokens import SqlTokenStore
from bot.api_tokens import TokenService
from bot.audit import AuditService, Surface, as_csv, change_audit, via
from bot.config import Policy
from bot.errors import IncidentError, NothingChanged
from bot.incidents import IncidentService
from bot.oncall.service import OncallService
from bot.permissions import NotPermitted, Permissions, PermissionsPolicy
from bot.problems import ProblemService
from bot.requests import EditRotation
from models import ApiToken, RotationEdit, Status, TokenScope
from tests.storage.test_incident_store import Clock, declare, race
from tests.storage.test_oncall import POLICY, People, at, cover


@contextmanager
def audit_refused(engine: Engine) -> Iterator[None]:
    """Meanwhile the database refuses audit rows (a trigger, as a full disk or a revoked
    grant would), once the change's own statements in its transaction have run."""
    if engine.dialect.name == "sqlite":
        create = [
            "CREATE TRIGGER refuse_audit BEFORE INSERT ON audit_entry "
            "BEGIN SELECT RAISE(ABORT, 'audit refused'); END"
        ]
        drop = ["DROP TRIGGER refuse_audit"]
    else:
        create = [
            "CREATE FUNCTION refuse_audit() RETURNS trigger LANGUAGE plpgsql "
            "AS $$ BEGIN RAISE EXCEPTION 'audit refused'; END $$",
            "CREATE TRIGGER refuse_audit BEFORE INSERT ON audit_entry "
            "FOR EACH ROW EXECUTE FUNCTION refuse_audit()",
        ]
        drop = ["DROP TRIGGER refuse_audit ON audit_entry", "DROP FUNCTION refuse_audit()"]
    with engine.begin() as connection:
        for statement in create:
            connection.exec_driver_sql(statement)
    try:
        yield
    finally:
        with engine.begin() as connection:
            for statement in drop:
                connection.exec_driver_sql(statement)


def audit_of(engine: Engine, clock: Clock) -> AuditService:
    return AuditService(SqlAuditLog(engine), Permissions(PermissionsPolicy()), clock)


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
    entry = change_audit(clock(), "U_ADMIN", "override.created", "payments", {"user": "U_BOB"})
    with Session(engine) as session:
        session.add(entry)
        session.commit()
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


def test_an_override_is_made_and_cancelled_with_its_audit_row_or_not_at_all(
    engine: Engine, clock: Clock
) -> None:
    oncall = OncallService(
        SqlOverrideStore(engine), SqlRotationStore(engine), People(), POLICY, clock
    )
    request = cover("U_DAVE", at(date(2026, 11, 22), 18), at(1, 9))
    with audit_refused(engine), pytest.raises(sa.exc.DBAPIError, match="audit refused"):
        oncall.override(request, "U_BOB", "key-1")
    assert oncall.upcoming(None) == []  # the override went with its audit row

    made = oncall.override(request, "U_BOB", "key-1")  # tried again: made, audited
    assert made.id is not None
    made_id = made.id
    assert oncall.override(request, "U_BOB", "key-1").id == made_id  # a retry: nothing more
    with audit_refused(engine), pytest.raises(sa.exc.DBAPIError, match="audit refused"):
        oncall.cancel(made_id, "U_BOB")
    assert [o.id for o in oncall.upcoming(None)] == [made_id]  # still on
    results = race(4, lambda: oncall.cancel(made_id, "U_BOB"))  # racing cancellations
    assert sum(not isinstance(r, NothingChanged) for r in results) == 1
    assert oncall.upcoming(None) == []

    audit = audit_of(engine, clock)
    found = reversed(audit.find("U_ANYONE", audit.query("7d")))
    assert [(e.actor, e.action, e.target, e.details["override"]) for e in found] == [
        ("U_BOB", "override_created", "payments/primary", made_id),
        ("U_BOB", "override_cancelled", "payments/primary", made_id),
    ]


def test_a_problem_is_opened_and_changed_with_its_audit_row_or_not_at_all(
    engine: Engine, incidents: IncidentService, clock: Clock
) -> None:
    problems = ProblemService(SqlProblemStore(engine), incidents, clock)
    with audit_refused(engine), pytest.raises(sa.exc.DBAPIError, match="audit refused"):
        problems.open("Disk fills on batch hosts", "U_ALICE")
    assert problems.list_problems(include_resolved=True) == []  # no problem without its row

    opened = problems.open("Disk fills on batch hosts", "U_ALICE").problem
    ref, version = opened.ref, opened.version  # PRB-0002: a number is never given twice
    with audit_refused(engine), pytest.raises(sa.exc.DBAPIError, match="audit refused"):
        problems.set_owner(ref, "U_CAROL", "U_BOB")
    unchanged = problems.get(ref)
    assert (unchanged.owner, unchanged.version, len(unchanged.history)) == (None, version, 1)
    results = race(4, lambda: problems.set_owner(ref, "U_CAROL", "U_BOB"))  # racing replicas
    assert sum(not isinstance(r, NothingChanged) for r in results) == 1
    assert problems.get(ref).owner == "U_CAROL"

    audit = audit_of(engine, clock)
    found = reversed(audit.find("U_ANYONE", audit.query(ref)))
    assert [(e.actor, e.action, e.surface, e.details) for e in found] == [
        ("U_ALICE", "problem_opened", "system", {"title": "Disk fills on batch hosts"}),
        ("U_BOB", "problem_owner", "system", {"to": "U_CAROL", "note": ""}),
    ]
    assert len(audit.export(None, audit.query("7d"))) == 2


def test_a_rotation_edit_is_made_with_its_audit_row_or_not_at_all_and_once(
    engine: Engine, clock: Clock
) -> None:
    oncall = OncallService(
        SqlOverrideStore(engine), SqlRotationStore(engine), People(), POLICY, clock
    )
    asked = EditRotation("payments", None, "add", ("U_CAROL",), None)
    with audit_refused(engine), pytest.raises(sa.exc.DBAPIError, match="audit refused"):
        oncall.edit_rotation(asked, "U_OWNER", "edit-1")
    assert SqlRotationStore(engine).of_schedule("payments") == []  # went with its audit row

    made = oncall.edit_rotation(asked, "U_OWNER", "edit-1")  # tried again: made, audited
    results = race(4, lambda: oncall.edit_rotation(asked, "U_OWNER", "edit-1"))  # retries
    assert {r.id for r in results if isinstance(r, RotationEdit)} == {made.id}
    with pytest.raises(IncidentError):  # refused: Carol is in it already
        oncall.edit_rotation(asked, "U_OWNER", "edit-2")

    audit = audit_of(engine, clock)
    [entry] = audit.find("U_ANYONE", audit.query("7d"))
    assert (entry.actor, entry.action, entry.target) == (
        "U_OWNER", "rotation_edited", "payments/primary",
    )  # fmt: skip
    assert entry.details == {
        "edit": "add",
        "users": ["U_CAROL"],
        "position": None,
        "members": made.members,
        "version": 1,
        "effective_at": made.effective_at.isoformat(),
    }


def test_api_tokens_are_created_and_revoked_with_their_audit_rows_never_their_secrets(
    engine: Engine, clock: Clock
) -> None:
    tokens = TokenService(
        SqlTokenStore(engine), clock, Permissions(PermissionsPolicy(admins=("U_ADMIN",)))
    )
    with audit_refused(engine), pytest.raises(sa.exc.DBAPIError, match="audit refused"):
        tokens.create("deploy-bot", TokenScope.WRITE, True, "U_ADMIN")
    assert tokens.live(None) == []  # no token without its audit row

    issued = tokens.create("deploy-bot", TokenScope.WRITE, True, "U_ADMIN")
    with pytest.raises(IncidentError, match="already exists"):
        tokens.create("deploy-bot", TokenScope.READ, False, "U_ADMIN")
    with pytest.raises(NotPermitted):
        tokens.create("mine", TokenScope.READ, False, "U_MALLORY")
    with pytest.raises(NotPermitted):
        tokens.revoke("deploy-bot", "U_MALLORY")
    with audit_refused(engine), pytest.raises(sa.exc.DBAPIError, match="audit refused"):
        tokens.revoke("deploy-bot", "U_ADMIN")
    assert tokens.authenticate(issued.secret) == issued.token  # still live
    clock.advance(minutes=1)

    def revoke() -> ApiToken:
        with via(Surface.CLI):  # the operator, from the command line
            return tokens.revoke("deploy-bot", None)

    results = race(4, revoke)  # racing
    assert sum(not isinstance(r, IncidentError) for r in results) == 1
    with pytest.raises(IncidentError, match="no live token"):
        tokens.revoke("deploy-bot", "U_ADMIN")

    audit = audit_of(engine, clock)
    found = list(reversed(audit.find("U_ANYONE", audit.query("7d"))))
    assert [(e.actor, e.action, e.surface, e.target, e.details) for e in found] == [
        ("U_ADMIN", "api_token_created", "system", "deploy-bot", {"scope": "write",
                                                                  "private": True}),
        (None, "api_token_revoked", "cli", "deploy-bot", {"scope": "write", "private": True}),
    ]  # fmt: skip
    assert found[1].at == clock()
    exported = as_csv(audit.export(None, audit.query("7d")))
    assert issued.secret not in exported and issued.token.secret_hash not in exported
