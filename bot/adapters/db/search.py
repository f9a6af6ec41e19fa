"""Full-text search on SQLite (FTS5, ranked by BM25) and PostgreSQL (tsvector with GIN
indexes, ranked by ts_rank_cd), behind one `search`. The indexes are migration 0007's,
kept in sync by the database itself.

Every word of a query is a bound parameter: SQLite gets each as an FTS5 string (quoted,
its quotes doubled), PostgreSQL through `plainto_tsquery`, so neither FTS syntax nor SQL
in a query is ever run. An incident matches when each word appears in one of its texts
(not necessarily the same one); it ranks by its best-matching text, whose passage is the
snippet."""

from typing import Any, Final

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import col, select

from bot.adapters.db.engine import Sessions
from bot.ports import Hit, SearchQuery
from bot.search import MARK_END, MARK_START
from models import Incident
from models.columns import UTCDateTime

# What migration 0007 makes that the models do not declare (the drift check ignores them).
SEARCH_TABLES: Final = frozenset(
    f"search_index{part}" for part in ("", "_data", "_idx", "_content", "_docsize", "_config")
)
SEARCH_INDEXES: Final = frozenset({"search_incident", "search_timeline", "search_postmortem"})


def modelled(item: object, name: str | None, kind: str, reflected: bool, _: object) -> bool:
    """Alembic's include_object: False only for the search objects migration 0007 made,
    which the models cannot declare (an FTS5 table; expression indexes on PostgreSQL)."""
    search = SEARCH_TABLES if kind == "table" else SEARCH_INDEXES if kind == "index" else ()
    return not (reflected and name in search)


_SNIPPET_WORDS: Final = 16
_HEADLINE: Final = (
    f"StartSel={MARK_START}, StopSel={MARK_END}, MaxWords={_SNIPPET_WORDS}, MinWords=6, "
    'MaxFragments=2, FragmentDelimiter=" … "'
)

_SQLITE: Final = """
WITH found AS MATERIALIZED (
    SELECT incident_id, bm25(search_index, 4.0, 1.0) AS score,
           snippet(search_index, -1, :mark_start, :mark_end, '…', {words}) AS snippet
    FROM search_index WHERE search_index MATCH :any
), best AS (
    -- SQLite takes the other columns from the row holding the MIN
    SELECT incident_id, MIN(score) AS score, snippet FROM found GROUP BY incident_id
)
SELECT best.incident_id, -best.score AS score, best.snippet
FROM best JOIN incident i ON i.id = best.incident_id
WHERE {where}
ORDER BY best.score, i.declared_at DESC
LIMIT :limit
"""

_POSTGRES_ROWS: Final = """
    SELECT id AS incident_id,
           setweight(to_tsvector('english'::regconfig, title), 'A') ||
           to_tsvector('english'::regconfig, description || ' ' || resolution_summary) AS doc,
           title || E'\\n' || description || E'\\n' || resolution_summary AS body
    FROM incident
    WHERE (setweight(to_tsvector('english'::regconfig, title), 'A') ||
           to_tsvector('english'::regconfig, description || ' ' || resolution_summary)) @@ {any}
    UNION ALL
    SELECT incident_id, to_tsvector('english'::regconfig, text), text
    FROM timeline_entry
    WHERE kind IN ('message', 'note', 'update') AND NOT hidden
      AND to_tsvector('english'::regconfig, text) @@ {any}
    UNION ALL
    SELECT incident_id, to_tsvector('english'::regconfig, markdown), markdown
    FROM postmortem WHERE to_tsvector('english'::regconfig, markdown) @@ {any}
"""

_POSTGRES: Final = """
WITH found AS (
    SELECT incident_id, doc, body, ts_rank_cd(doc, {any}) AS score FROM ({rows}) AS texts
), matched AS (
    SELECT incident_id, MAX(score) AS score FROM found GROUP BY incident_id HAVING {every}
), best AS (
    SELECT DISTINCT ON (incident_id) incident_id, body
    FROM found ORDER BY incident_id, score DESC
)
SELECT m.incident_id, m.score, ts_headline('english'::regconfig, b.body, {any}, :headline)
FROM matched m JOIN best b ON b.incident_id = m.incident_id
JOIN incident i ON i.id = m.incident_id
WHERE {where}
ORDER BY m.score DESC, i.declared_at DESC
LIMIT :limit
"""

# A private incident only for its declarer and role holders, or asked in its channel: the
# rule of bot.incidents.visible_to, which the service applies again.
VISIBLE: Final = """(NOT i.private OR i.channel_id = :channel OR i.reporter = :viewer
    OR EXISTS (SELECT 1 FROM incident_role r WHERE r.incident_id = i.id AND r.user_id = :viewer))"""

_SERVICE: Final = {
    "sqlite": "EXISTS (SELECT 1 FROM json_each(i.services) s WHERE lower(s.value) = :service)",
    "postgresql": "EXISTS (SELECT 1 FROM json_array_elements_text(i.services) s "
    "WHERE lower(s) = :service)",
}


class SqlSearchIndex:
    def __init__(self, engine: Engine) -> None:
        self._sessions = Sessions(engine)
        self._dialect = engine.dialect.name

    def search(self, query: SearchQuery) -> list[Hit]:
        if not query.terms:
            return []
        params: dict[str, Any] = {
            "limit": query.limit,
            "viewer": query.viewer,
            "channel": query.channel_id,
            "service": query.service.lower() if query.service else None,
            "severity": query.severity,
            "status": query.status.value if query.status else None,
            "after": query.after,
            "before": query.before,
        }
        where = _filters(query, self._dialect)
        if self._dialect == "postgresql":
            sql = _postgres(query.terms, where, params)
        else:
            sql = _sqlite(query.terms, where, params)
        moments = [sa.bindparam(name, type_=UTCDateTime()) for name in ("after", "before")]
        statement = sa.text(sql).bindparams(*(m for m in moments if params[m.key] is not None))
        with self._sessions.read() as session:
            rows = session.execute(statement, params).all()
            ids = [row[0] for row in rows]
            incidents = {
                i.id: i for i in session.exec(select(Incident).where(col(Incident.id).in_(ids)))
            }
        return [Hit(incidents[row[0]], row[2] or "", float(row[1])) for row in rows]


def _filters(query: SearchQuery, dialect: str) -> str:
    """The WHERE clause of the filters `query` sets: constant SQL, values bound."""
    clauses = [VISIBLE]
    if query.service:
        clauses.append(_SERVICE[dialect])
    if query.severity:
        clauses.append("i.severity = :severity")
    if query.status:
        clauses.append("i.status = :status")
    if query.after:
        clauses.append("i.declared_at >= :after")
    if query.before:
        clauses.append("i.declared_at < :before")
    return " AND ".join(clauses)


def fts5_string(term: str) -> str:
    """`term` as an FTS5 string: whatever it holds is text to find, never query syntax."""
    return '"' + term.replace('"', '""') + '"'


def _sqlite(terms: tuple[str, ...], where: str, params: dict[str, Any]) -> str:
    strings = [fts5_string(t) for t in terms]
    params.update(any=" OR ".join(strings), mark_start=MARK_START, mark_end=MARK_END)
    every = []
    for n, string in enumerate(strings if len(strings) > 1 else ()):
        params[f"t{n}"] = string
        every.append(
            f"i.id IN (SELECT incident_id FROM search_index WHERE search_index MATCH :t{n})"
        )
    return _SQLITE.format(words=_SNIPPET_WORDS, where=" AND ".join([where, *every]))


def _postgres(terms: tuple[str, ...], where: str, params: dict[str, Any]) -> str:
    queries = []
    for n, term in enumerate(terms):
        params[f"t{n}"] = term
        queries.append(f"plainto_tsquery('english'::regconfig, :t{n})")
    params["headline"] = _HEADLINE
    # A word PostgreSQL does not index (a stop word such as "the") asks for nothing.
    every = " AND ".join(f"(numnode({q}) = 0 OR bool_or(doc @@ {q}))" for q in queries)
    any_ = "(" + " || ".join(queries) + ")"
    rows = _POSTGRES_ROWS.format(any=any_)
    return _POSTGRES.format(any=any_, rows=rows, every=every, where=where)
