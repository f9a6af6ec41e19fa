"""Similar incidents on real storage, SQLite (FTS5) and PostgreSQL (tsvector): candidates
scored by their words, private incidents kept to their people, and the labelled set."""

from pathlib import Path

import pytest
from sqlalchemy import event
from sqlalchemy.engine import Engine

from bot.adapters.db.similar import SqlSimilarIndex
from bot.config import Policy
from bot.errors import NothingChanged
from bot.incidents import Declaration, IncidentService
from bot.ports import SimilarQuery
from bot.similar import SimilarService, terms
from bot.timeline import ChannelMessage, TimelineService
from models import EntryKind, Incident
from tests.similar_eval import BLIND, BLIND2, BLIND3, EVAL_SET, HELD_OUT, evaluate
from tests.storage.test_incident_store import Clock


@pytest.fixture
def similar(engine: Engine, incidents: IncidentService) -> SimilarService:
    return SimilarService(SqlSimilarIndex(engine), incidents, Policy())


def past(
    incidents: IncidentService,
    clock: Clock,
    title: str,
    resolution: str = "",
    *,
    services: tuple[str, ...] = (),
    private: bool = False,
    reporter: str = "U_ALICE",
) -> Incident:
    """A resolved incident, declared an hour after the one before."""
    clock.advance(hours=1)
    incident = incidents.declare(
        Declaration(title, "sev2", reporter, services=services, private=private)
    )
    assert incident.id is not None
    if resolution:
        incidents.resolve(incident.id, reporter, resolution)
    return incidents.get(incident.id)


def query(incident: Incident, **given: object) -> SimilarQuery:
    return SimilarQuery(
        terms=terms(incident.title, incident.description, incident.services),
        services=tuple(incident.services),
        exclude_id=incident.id,
        **given,  # type: ignore[arg-type]
    )


def test_candidates_score_by_shared_rare_words_and_title(
    engine: Engine, incidents: IncidentService, clock: Clock
) -> None:
    index = SqlSimilarIndex(engine)
    same = past(incidents, clock, "Kafka consumer lag on billing", "Added two partitions")
    body = past(incidents, clock, "Billing delayed", "Kafka consumer lag after a rebalance")
    other = past(incidents, clock, "Login page down")
    for n in range(6):  # "billing" is common, "kafka" rare
        past(incidents, clock, f"Billing report {n} late")
    new = past(incidents, clock, "Kafka consumer lag on billing again")

    scores = {r.incident.id: r.text for r in index.related(query(new))}
    assert new.id not in scores and other.id not in scores
    assert scores[same.id] == pytest.approx(1.0)  # every word, all in the title
    assert 0.4 < scores[body.id] < scores[same.id]  # the rare words, in the body
    billing = [s for i, s in scores.items() if i not in (same.id, body.id)]
    assert billing and max(billing) < 0.2  # only the common word


def test_synonyms_match_and_syntax_in_words_is_only_text(
    engine: Engine, incidents: IncidentService, clock: Clock
) -> None:
    index = SqlSimilarIndex(engine)
    k8s = past(incidents, clock, "Kubernetes nodes NotReady")
    new = past(incidents, clock, 'k8s nodes "NotReady" OR title: * NEAR( -- ; DROP TABLE incident')
    found = {r.incident.id for r in index.related(query(new))}
    assert k8s.id in found
    assert incidents.get(k8s.id).title == "Kubernetes nodes NotReady"  # nothing was run


def test_private_incidents_only_for_their_people_and_never_in_public_posts(
    engine: Engine, incidents: IncidentService, clock: Clock
) -> None:
    index = SqlSimilarIndex(engine)
    secret = past(incidents, clock, "Payroll export failed", private=True, reporter="U_BOB")
    assert secret.id is not None
    secret = incidents.attach_channel(secret.id, "G_PAYROLL", "inc-payroll")
    new = past(incidents, clock, "Payroll export failed again")

    def found(**given: object) -> set[int | None]:
        return {r.incident.id for r in index.related(query(new, **given))}

    assert secret.id not in found(public_only=True)
    assert secret.id not in found(public_only=False, viewer="U_DAVE", channel_id="C_ELSEWHERE")
    assert secret.id in found(public_only=False, viewer="U_BOB")
    assert secret.id in found(public_only=False, viewer="U_DAVE", channel_id=secret.channel_id)


def test_a_shared_service_brings_a_candidate_without_shared_words(
    engine: Engine, incidents: IncidentService, clock: Clock
) -> None:
    index = SqlSimilarIndex(engine)
    mine = past(incidents, clock, "Stale reports", services=("Reporting",))
    past(incidents, clock, "Stale dashboards", services=("grafana",))
    new = past(incidents, clock, "Numbers look wrong", services=("reporting",))
    [related] = index.related(query(new))
    assert (related.incident.id, related.text) == (mine.id, 0.0)


def test_a_failure_mode_in_common_brings_a_candidate_without_shared_words(
    engine: Engine, incidents: IncidentService, clock: Clock, similar: SimilarService
) -> None:
    index = SqlSimilarIndex(engine)
    pooled = past(
        incidents, clock, "Checkout 504s", "PgBouncer max_client_conn reached; raised it to 400"
    )
    past(incidents, clock, "Checkout 504s after the release", "Rolled back")
    past(incidents, clock, "Search down", "NEAR( * AND (")
    new = past(incidents, clock, "Orders: FATAL: remaining connection slots are reserved")
    # Syntax in a sign is only text.
    signs = ("remaining connection slots are reserved", "max client conn", 'max" OR *')
    found = {r.incident.id: r.text for r in index.related(query(new, signs=signs))}
    assert found == {pooled.id: 0.0}
    assert new.id is not None
    [shown] = similar.find(new.id)
    assert shown.incident.id == pooled.id
    assert shown.failure_modes == ("connection pool exhausted",)


def test_a_message_naming_a_new_failure_mode_asks_again_and_only_then(
    similar: SimilarService, incidents: IncidentService, timeline: TimelineService, clock: Clock
) -> None:
    pooled = past(incidents, clock, "Checkout 504s", "PgBouncer max_client_conn reached")
    new = past(incidents, clock, "Order history page spinning")
    assert new.id is not None
    new = incidents.attach_channel(new.id, "C_NEW", "inc-new")
    assert similar.find(new.id) == []  # nothing in its own words

    def said(text: str, ts: str) -> int | None:
        assert timeline.record_message(ChannelMessage("C_NEW", ts, "U_BOB", text))
        return similar.follow("C_NEW", text, ts)

    assert said("looking at it", "1700000001.000100") is None
    assert said("FATAL: sorry, too many clients already", "1700000002.000100") == new.id
    [entry] = [e for e in incidents.timeline(new.id) if e.kind is EntryKind.SIMILAR_INCIDENTS]
    assert entry.data["refs"] == [pooled.ref]
    assert entry.data["similar"][0]["failure_modes"] == ["connection pool exhausted"]
    assert said("still too many clients", "1700000003.000100") is None  # nothing new named
    # The button's answer takes the conversation into account too.
    assert [s.incident.ref for s in similar.find(new.id)] == [pooled.ref]


def test_a_message_naming_no_failure_mode_looks_nothing_up(
    similar: SimilarService, engine: Engine
) -> None:
    statements: list[str] = []
    record = lambda _conn, _cursor, sql, *_: statements.append(sql)  # noqa: E731
    event.listen(engine, "before_cursor_execute", record)
    try:
        assert similar.follow("C_NOBODYS", "looking at it", "1700000001.000100") is None
        assert statements == []
        # One that names a failure mode looks its channel's incident up (it has none).
        assert similar.follow("C_NOBODYS", "too many clients", "1700000002.000100") is None
        assert statements
    finally:
        event.remove(engine, "before_cursor_execute", record)


def test_suggestions_are_recorded_once_for_the_same_answer(
    similar: SimilarService, incidents: IncidentService, clock: Clock
) -> None:
    old = past(incidents, clock, "Redis cache evictions spike", "Raised maxmemory to 8 GB")
    new = past(incidents, clock, "Redis cache evictions spike again")
    assert new.id is not None
    [found] = similar.suggest(new.id)
    assert found.incident.id == old.id
    similar.suggest(new.id)
    clock.advance(minutes=5)
    with pytest.raises(NothingChanged):  # the rule suggest relies on, raced or repeated
        incidents.record_event(
            new.id, EntryKind.SIMILAR_INCIDENTS, "", "", {"refs": [old.ref]}, unless_same="refs"
        )
    [entry] = [e for e in incidents.timeline(new.id) if e.kind is EntryKind.SIMILAR_INCIDENTS]
    assert entry.data["refs"] == [old.ref]
    assert entry.data["similar"][0]["resolution"] == "Raised maxmemory to 8 GB"

    past(incidents, clock, "Redis cache evictions again", "Raised maxmemory")
    assert len(similar.suggest(new.id)) == 2  # another answer: recorded again
    kinds = [e.kind for e in incidents.timeline(new.id)]
    assert kinds.count(EntryKind.SIMILAR_INCIDENTS) == 2


@pytest.mark.parametrize(
    ("eval_set", "asked", "loners", "precision", "recall"),
    [
        (EVAL_SET, 60, 9, 0.82, 0.75),
        (HELD_OUT, 59, 9, 0.73, 0.61),
        (BLIND, 58, 10, 0.20, 0.17),
        (BLIND2, 57, 10, 0.26, 0.23),
        (BLIND3, 64, 10, 0.30, 0.25),
    ],
    ids=["first", "held-out", "blind", "blind-2", "blind-3"],
)
def test_the_labelled_sets_score_no_worse_than_reported(
    engine: Engine, eval_set: Path, asked: int, loners: int, precision: float, recall: float
) -> None:
    """A floor under the figures benchmarks/similar.py reports on both databases, at
    declaration (only the first set meets the issue's 0.8 target)."""
    score = evaluate(engine, Policy(), eval_set=eval_set)
    assert (score.asked, score.loners) == (asked, loners)
    assert score.precision >= precision - 0.01 and score.recall >= recall - 0.01
