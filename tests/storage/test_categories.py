"""Category, tags, detection method and scope of impact on real storage (SQLite and
PostgreSQL), and migration 0008 keeping search working."""

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.config import Config

from bot.adapters.db.engine import MIGRATIONS, make_engine
from bot.adapters.db.search import SqlSearchIndex
from bot.adapters.db.store import SqlIncidentStore
from bot.errors import IncidentError, NothingChanged
from bot.incidents import Declaration, IncidentService
from bot.ports import SearchQuery
from models import Detection, EntryKind, ImpactScope
from tests.storage.test_incident_store import declare, race


def test_category_tags_detection_and_scope_are_stored_and_recorded(
    incidents: IncidentService, store: SqlIncidentStore
) -> None:
    incident = declare(incidents, "Everything is slow")
    assert incident.id is not None and incident.category is None and incident.tags == []
    incidents.set_category(incident.id, "database/REPLICATION", "U_BOB")
    incidents.add_tags(incident.id, ("db", "eu-west-1"), "U_BOB")
    incidents.add_tags(incident.id, ("eu-west-1", "primary"), "U_CAROL")
    incidents.set_detection(incident.id, Detection.USER_REPORT, "U_BOB")
    incidents.set_impact_scope(incident.id, ImpactScope.COMPANY_WIDE, "U_BOB")
    stored = incidents.get(incident.id)
    assert stored.category == "Database/replication"
    assert stored.tags == ["db", "eu-west-1", "primary"]
    assert (stored.detection, stored.impact_scope) == (
        Detection.USER_REPORT, ImpactScope.COMPANY_WIDE,
    )  # fmt: skip
    kinds = [e.kind for e in store.entries(incident.id)][1:]
    assert kinds == [
        EntryKind.CATEGORY_CHANGED, EntryKind.TAGS_ADDED, EntryKind.TAGS_ADDED,
        EntryKind.DETECTION_CHANGED, EntryKind.SCOPE_CHANGED,
    ]  # fmt: skip
    assert store.entries(incident.id)[3].data["added"] == ["primary"]


def test_unknown_categories_and_repeats_are_refused_kindly(incidents: IncidentService) -> None:
    incident = declare(incidents, "Everything is slow")
    assert incident.id is not None
    with pytest.raises(IncidentError, match=r"not a category.*Database/replication"):
        incidents.set_category(incident.id, "Database/sharding", "U_BOB")
    incidents.set_category(incident.id, "Network/DNS", "U_BOB")
    with pytest.raises(NothingChanged, match="already"):
        incidents.set_category(incident.id, "network/dns", "U_BOB")
    incidents.add_tags(incident.id, ("dns",), "U_BOB")
    with pytest.raises(NothingChanged, match="already has those tags"):
        incidents.add_tags(incident.id, ("dns",), "U_BOB")
    with pytest.raises(IncidentError, match="at most 20 tags"):
        incidents.add_tags(incident.id, tuple(f"t{i}" for i in range(20)), "U_BOB")


def test_declaration_suggests_a_category_and_alerts_mean_monitoring(
    incidents: IncidentService, store: SqlIncidentStore
) -> None:
    person = declare(incidents, "Primary database replica lag")
    alert = incidents.declare(
        Declaration(
            title="Slow",
            severity="sev3",
            reporter="",
            detected_by="alertmanager",
            hints=("CoreDNSErrors",),
        )
    )
    assert person.id is not None and alert.id is not None
    assert (person.detection, alert.detection) == (None, Detection.MONITORING)
    suggested = [e for e in store.entries(person.id) if e.kind is EntryKind.CATEGORY_SUGGESTED]
    assert [e.data["category"] for e in suggested] == ["Database/replication"]
    assert person.category is None  # suggested, not set, until someone confirms it
    [from_alert] = [e for e in store.entries(alert.id) if e.kind is EntryKind.CATEGORY_SUGGESTED]
    assert from_alert.data["category"] == "Network/DNS"


def test_racing_confirmations_set_the_category_once(
    incidents: IncidentService, store: SqlIncidentStore
) -> None:
    incident = declare(incidents, "Primary database replica lag")
    assert incident.id is not None
    incident_id = incident.id
    results = race(
        6,
        lambda: incidents.set_category(
            incident_id, "Database/replication", "U_BOB", confirming=True
        ),
    )
    assert sum(not isinstance(r, IncidentError) for r in results) == 1
    assert all("already categorised" in str(r) for r in results if isinstance(r, IncidentError))
    changed = [e for e in store.entries(incident_id) if e.kind is EntryKind.CATEGORY_CHANGED]
    assert len(changed) == 1
    # Confirming a suggestion never overrides a category someone chose.
    with pytest.raises(NothingChanged, match="already categorised as Database/replication"):
        incidents.set_category(incident_id, "Network/DNS", "U_CAROL", confirming=True)


def incident_row(title: str, detected_by: str | None, **more: object) -> dict[str, object]:
    """An incident as migrations before 0008 stored it (today's model has more columns)."""
    return {
        "ref": f"INC-2026-{sum(map(ord, title)):04d}",
        "title": title,
        "description": "",
        "severity": "sev2",
        "status": "investigating",
        "private": False,
        "services": [],
        "reporter": "U_ALICE",
        "resolution_summary": "",
        "version": 1,
        "detected_by": detected_by,
        "declared_at": sa.func.now(),
        "updated_at": sa.func.now(),
        **more,
    }


def old_incidents(*names: str) -> sa.TableClause:
    """The incident table with only `names`, for writing rows before the latest migration."""
    return sa.table(
        "incident", *(sa.column(n, sa.JSON() if n == "services" else None) for n in names)
    )


def test_migration_0008_marks_alert_incidents_and_keeps_search_working(
    database_url: str,
) -> None:
    engine = make_engine(database_url)
    old_columns = old_incidents(*incident_row("x", None))
    try:
        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS))
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, "0007")
            connection.execute(sa.insert(old_columns).values(incident_row("Kafka lag", None)))
            connection.execute(
                sa.insert(old_columns).values(incident_row("Disk full", "alertmanager"))
            )
            command.upgrade(config, "0008")
            rows = connection.execute(
                sa.text("SELECT title, detection, tags FROM incident ORDER BY title")
            ).all()
            # Searching reads today's model; the later migrations copy no table either.
            command.upgrade(config, "head")
            connection.execute(sa.insert(old_columns).values(incident_row("Zebra outage", None)))
        assert [(r[0], r[1]) for r in rows] == [("Disk full", "monitoring"), ("Kafka lag", None)]
        index = SqlSearchIndex(engine)
        for word, title in (("kafka", "Kafka lag"), ("zebra", "Zebra outage")):
            hits = index.search(SearchQuery(terms=(word,), viewer="U_ALICE"))
            assert [h.incident.title for h in hits] == [title]
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.downgrade(config, "0007")
            connection.execute(sa.insert(old_columns).values(incident_row("Yak shaved", None)))
            found = connection.execute(
                sa.text("SELECT count(*) FROM incident WHERE title = 'Yak shaved'")
            ).scalar()
        assert found == 1
        if engine.dialect.name == "sqlite":  # the triggers came back with the table copy
            with engine.connect() as connection:
                indexed = connection.execute(
                    sa.text("SELECT count(*) FROM search_index WHERE search_index MATCH 'yak'")
                ).scalar()
            assert indexed == 1
    finally:
        engine.dispose()
