"""Full-text search on real storage: every test runs on SQLite (FTS5) and PostgreSQL
(tsvector), against a realistic history kept in sync by the database on every write."""

from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from sqlalchemy.engine import Engine

from bot.adapters.db.engine import MIGRATIONS, make_engine, migrate, revisions_of
from bot.adapters.db.postmortems import SqlPostmortemStore
from bot.adapters.db.search import SqlSearchIndex
from bot.adapters.db.store import SqlIncidentStore
from bot.config import Policy
from bot.incidents import Declaration, IncidentService
from bot.ports import SearchQuery
from bot.requests import SearchIncidents
from bot.search import MARK_END, MARK_START, SearchService
from bot.timeline import ChannelMessage, TimelineService
from models import Incident, Postmortem, PostmortemStatus, Role, Status
from tests.storage.test_categories import incident_row, old_incidents
from tests.storage.test_incident_store import Clock


@pytest.fixture
def index(engine: Engine) -> SqlSearchIndex:
    return SqlSearchIndex(engine)


@pytest.fixture
def search(index: SqlSearchIndex, incidents: IncidentService) -> SearchService:
    return SearchService(index, incidents, "UTC")


_TS = iter(range(1_764_000_000, 1_765_000_000, 7))


def open_incident(
    incidents: IncidentService,
    title: str,
    channel: str,
    *,
    severity: str = "sev2",
    services: tuple[str, ...] = (),
    private: bool = False,
    description: str = "",
) -> Incident:
    declared = incidents.declare(
        Declaration(
            title=title,
            severity=severity,
            reporter="U_ALICE",
            services=services,
            private=private,
            description=description,
        )
    )
    assert declared.id is not None
    return incidents.attach_channel(declared.id, channel, channel.lower())


def say(timeline: TimelineService, channel: str, text: str, user: str = "U_BOB") -> str:
    ts = f"{next(_TS)}.000100"
    assert timeline.record_message(ChannelMessage(channel, ts, user, text))
    return ts


def refs(index: SqlSearchIndex, *terms: str, **filters: object) -> list[str]:
    query = SearchQuery(terms=terms, viewer="U_ALICE", **filters)  # type: ignore[arg-type]
    return [hit.incident.ref for hit in index.search(query)]


@pytest.fixture
def history(
    incidents: IncidentService, timeline: TimelineService, clock: Clock
) -> dict[str, Incident]:
    """A few weeks of incidents, as a team would have them."""
    db = open_incident(
        incidents, "Checkout failing: database timeout", "C_DB", services=("checkout", "db")
    )
    say(timeline, "C_DB", "Orders API p99 at 30s, all requests waiting on the primary")
    say(timeline, "C_DB", "connection pool exhausted, seeing timeouts from postgres")
    assert db.id is not None
    incidents.resolve(db.id, "U_BOB", "Raised the pool size and killed the runaway query")
    clock.advance(days=3)
    spread = open_incident(incidents, "Search results empty", "C_SEARCH", services=("search",))
    say(timeline, "C_SEARCH", "the indexer's database is read-only since the upgrade")
    say(timeline, "C_SEARCH", "reindex job hit a timeout after 2h")
    clock.advance(days=4)
    cdn = open_incident(
        incidents, "Images not loading", "C_CDN", severity="sev3", services=("cdn",)
    )
    say(timeline, "C_CDN", "CDN returns 503 for /img, origin looks healthy")
    clock.advance(days=2)
    dns = open_incident(incidents, "Login slow", "C_DNS", description="DNS timeout in eu-west")
    return {"db": db, "spread": spread, "cdn": cdn, "dns": dns}


def test_database_timeout_finds_the_incidents_about_it_best_first(
    index: SqlSearchIndex, history: dict[str, Incident]
) -> None:
    found = refs(index, "database", "timeout")
    # The title says both; the other has both words, in two messages; the rest lack one.
    assert found == [history["db"].ref, history["spread"].ref]
    assert refs(index, "timeouts") == refs(index, "timeout")  # stemmed alike
    assert history["dns"].ref in refs(index, "timeout")  # the description counts too


def test_a_hit_carries_a_marked_snippet_and_its_incident(
    index: SqlSearchIndex, history: dict[str, Incident]
) -> None:
    [hit] = index.search(SearchQuery(terms=("runaway",), viewer="U_ALICE"))
    assert hit.incident.ref == history["db"].ref  # found by its resolution summary
    assert f"{MARK_START}runaway{MARK_END}" in hit.snippet
    assert hit.incident.resolution_summary.startswith("Raised the pool size")


def test_filters_narrow_the_hits(
    index: SqlSearchIndex, history: dict[str, Incident], clock: Clock
) -> None:
    everyone = refs(index, "timeout")
    assert len(everyone) == 3
    assert refs(index, "timeout", service="DB") == [history["db"].ref]
    assert refs(index, "timeout", status=Status.RESOLVED) == [history["db"].ref]
    assert refs(index, "503", severity="sev3") == [history["cdn"].ref]
    assert refs(index, "503", severity="sev2") == []
    since = history["spread"].declared_at
    assert history["db"].ref not in refs(index, "timeout", after=since)
    assert refs(index, "timeout", before=since) == [history["db"].ref]


def test_messages_edits_deletions_and_postmortems_are_indexed_as_they_are_written(
    index: SqlSearchIndex,
    history: dict[str, Incident],
    timeline: TimelineService,
    incidents: IncidentService,
    engine: Engine,
) -> None:
    cdn = history["cdn"]
    ts = say(timeline, "C_CDN", "purged the cache for the thumbnails bucket")
    assert refs(index, "thumbnails") == [cdn.ref]
    edited = ChannelMessage("C_CDN", ts, "U_BOB", "purged the cache for the avatars bucket")
    assert timeline.edit_message(edited, f"{next(_TS)}.000200")
    assert refs(index, "thumbnails") == [] and refs(index, "avatars") == [cdn.ref]
    assert timeline.delete_message("C_CDN", ts)
    assert refs(index, "avatars") == []

    assert cdn.id is not None
    incidents.add_note(cdn.id, "U_BOB", "vendor confirmed a regional outage")
    assert refs(index, "vendor") == [cdn.ref]

    postmortems = SqlPostmortemStore(engine)
    now = datetime(2026, 12, 1, tzinfo=UTC)
    record = postmortems.create(
        Postmortem.model_validate(
            {
                "incident_id": cdn.id,
                "status": PostmortemStatus.DRAFT,
                "markdown": "## Root cause\nExpired TLS certificate at the edge",
                "created_at": now,
                "updated_at": now,
            }
        )
    )
    assert refs(index, "certificate") == [cdn.ref]
    record.markdown = "## Root cause\nA misrouted anycast prefix"
    assert postmortems.save(record, record.version)
    assert refs(index, "certificate") == [] and refs(index, "anycast") == [cdn.ref]


def test_title_changes_reindex_the_incident(
    index: SqlSearchIndex, history: dict[str, Incident], store: SqlIncidentStore
) -> None:
    dns = store.get(history["dns"].ref)
    assert dns is not None
    dns.title = "Login slow: resolver overloaded"
    assert store.save(dns, dns.version)
    assert refs(index, "resolver") == [dns.ref]


HOSTILE = [
    '"',
    '"database',
    "*",
    "data*",
    "NEAR(database timeout)",
    "database OR 1=1",
    "-database",
    "'; DROP TABLE incident; --",
    "title:database",
    "^database",
    "database AND NOT timeout",
    "🔥 database 🔥",
    "x" * 64,
    "\\",
    "$$ ::tsquery !",
]


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_queries_are_searched_for_never_run(
    index: SqlSearchIndex, history: dict[str, Incident], text: str
) -> None:
    index.search(SearchQuery(terms=tuple(text.split()), viewer="U_ALICE"))
    assert refs(index, "database", "timeout")[0] == history["db"].ref  # all still there


def test_query_syntax_is_taken_as_words(
    index: SqlSearchIndex, history: dict[str, Incident], timeline: TimelineService
) -> None:
    say(timeline, "C_CDN", "the flag was OR'd with NEAR(prod) in the config")
    # "OR" and "NEAR" as words: found where they are written, nothing else matched
    assert refs(index, "NEAR(prod)") == [history["cdn"].ref]
    assert refs(index, "database", "OR", "images") == []


def test_private_incidents_are_found_only_by_their_people(
    search: SearchService,
    incidents: IncidentService,
    timeline: TimelineService,
    history: dict[str, Incident],
) -> None:
    secret = open_incident(incidents, "Database timeout in payroll", "G_PAY", private=True)
    assert secret.id is not None
    incidents.assign_role(secret.id, Role.LEAD, "U_DAVE", "U_ALICE")
    say(timeline, "G_PAY", "payroll database timeout again", user="U_DAVE")
    ask = SearchIncidents(terms=("payroll",), text="payroll")
    for viewer, channel in (("U_ALICE", None), ("U_DAVE", None), ("U_ERIN", "G_PAY")):
        assert [h.incident.ref for h in search.search(ask, viewer, channel).hits] == [secret.ref]
    outsider = search.search(ask, "U_ERIN", "C_GENERAL")
    assert outsider.hits == [] and not outsider.more
    both = SearchIncidents(terms=("database", "timeout"), text="database timeout")
    shown = [h.incident.ref for h in search.search(both, "U_ERIN", None).hits]
    assert secret.ref not in shown and history["db"].ref in shown


def test_results_come_a_page_at_a_time(
    search: SearchService, incidents: IncidentService, timeline: TimelineService
) -> None:
    for n in range(12):
        open_incident(incidents, f"Queue backlog {n}", f"C_Q{n}")
    ask = SearchIncidents(terms=("backlog",), text="backlog")
    pages = [search.search(ask, "U_BOB", None, page) for page in range(3)]
    assert [len(p.hits) for p in pages] == [5, 5, 2]
    assert [p.more for p in pages] == [True, True, False]
    seen = [h.incident.ref for p in pages for h in p.hits]
    assert len(set(seen)) == 12


def test_dates_are_days_in_the_organisations_timezone(
    index: SqlSearchIndex, incidents: IncidentService, history: dict[str, Incident]
) -> None:
    tokyo = SearchService(index, incidents, "Asia/Tokyo")
    day = history["db"].declared_at.date()  # 2026-11-22, declared 18:00 in Tokyo
    ask = SearchIncidents(terms=("primary",), after=day, before=date(2026, 11, 23), text="")
    assert [h.incident.ref for h in tokyo.search(ask, "U_BOB", None).hits] == [history["db"].ref]


def test_the_migration_indexes_what_was_stored_before_it(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS))
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, "0006")  # before search
            # Written as the tables then were: today's models have columns added later.
            row = incident_row("Replica lag", None, description="binlog stalled")
            connection.execute(sa.insert(old_incidents(*row)).values(row))
            incident_id = connection.execute(sa.text("SELECT id FROM incident")).scalar_one()
            entry = sa.table(
                "timeline_entry",
                *(sa.column(n) for n in ("incident_id", "kind", "text", "key_event", "hidden")),
                *(sa.column(n, sa.JSON()) for n in ("revisions", "files", "data")),
                sa.column("occurred_at"),
            )
            connection.execute(
                sa.insert(entry).values(
                    incident_id=incident_id, kind="message", text="failover to zone b",
                    key_event=False, hidden=False, revisions=[], files=[], data={},
                    occurred_at=sa.func.now(),
                )
            )  # fmt: skip
        migrate(engine)
        index = SqlSearchIndex(engine)
        for word in ("replica", "binlog", "failover"):
            assert refs(index, word) == [str(row["ref"])]
    finally:
        engine.dispose()


def test_search_works_after_downgrading_to_base_and_upgrading_again(database_url: str) -> None:
    engine = make_engine(database_url)
    sqlite = engine.dialect.name == "sqlite"
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))

    def triggers(connection: sa.Connection) -> list[tuple[str, str]]:
        """The triggers on SQLite, with their SQL (PostgreSQL's search needs none)."""
        query = "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' ORDER BY name"
        return [(r[0], r[1]) for r in connection.execute(sa.text(query))] if sqlite else []

    try:
        migrate(engine)
        with engine.connect() as connection:
            made = triggers(connection)
        assert len(made) == (9 if sqlite else 0)
        row = incident_row("Yak shaved", None)
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            # Every step down to 0007 keeps the triggers: 0018, 0013, 0010, 0009 and 0008
            # copy the incident table, which drops its triggers, and make them again.
            while revisions_of(connection) != {"0007"}:
                command.downgrade(config, "-1")
                assert [name for name, _ in triggers(connection)] == [name for name, _ in made]
            connection.execute(sa.insert(old_incidents(*row)).values(row))
            if sqlite:  # and they index what is written now
                yak = "SELECT count(*) FROM search_index WHERE search_index MATCH 'yak'"
                assert connection.execute(sa.text(yak)).scalar() == 1
            command.downgrade(config, "base")  # 0007 drops every trigger: a missing one fails
            left = set(sa.inspect(connection).get_table_names())
        assert left <= {"alembic_version"}
        migrate(engine)
        with engine.connect() as connection:
            assert triggers(connection) == made
        incidents = IncidentService(SqlIncidentStore(engine), Policy(), Clock())
        zebra = open_incident(incidents, "Zebra outage", "C_ZEBRA", description="stripes gone")
        assert refs(SqlSearchIndex(engine), "zebra") == [zebra.ref]
        assert refs(SqlSearchIndex(engine), "stripes") == [zebra.ref]
    finally:
        engine.dispose()
