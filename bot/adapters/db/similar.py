"""Candidates for similar incidents, on the full-text indexes of migration 0007 (only the
incidents' own texts: title, description, resolution summary; timelines and post-mortems
share too much boilerplate to say what an incident was about).

Both databases score alike: each query term counts its weight times its rarity among all
incidents (BM25's IDF, from the index's document counts), more when it is in the title;
the sum is divided by what a perfect match (every word, in the title) would score.
Every word is a bound parameter."""

import math
from typing import Any, Final

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import col, select

from bot.adapters.db.engine import Sessions
from bot.adapters.db.search import VISIBLE, fts5_string
from bot.ports import Related, SimilarQuery, Term
from models import Incident, Postmortem

_SERVICE_CANDIDATES: Final = 20
_SIGN_CANDIDATES: Final = 20
# How much more a word counts in a past incident's title than in its other texts.
TITLE_BONUS: Final = 0.5
_PUBLIC: Final = "NOT i.private"

# The expression PostgreSQL's GIN index `search_incident` covers (migration 0007).
_PG_DOCUMENT: Final = (
    "(setweight(to_tsvector('english'::regconfig, i.title), 'A') || "
    "to_tsvector('english'::regconfig, i.description || ' ' || i.resolution_summary))"
)
_PG_TITLE: Final = "to_tsvector('english'::regconfig, i.title)"

_SHARES_SERVICE: Final = {
    "sqlite": "EXISTS (SELECT 1 FROM json_each(i.services) s WHERE lower(s.value) IN ({}))",
    "postgresql": "EXISTS (SELECT 1 FROM json_array_elements_text(i.services) s "
    "WHERE lower(s) IN ({}))",
}


class SqlSimilarIndex:
    def __init__(self, engine: Engine) -> None:
        self._sessions = Sessions(engine)
        self._dialect = engine.dialect.name

    def related(self, query: SimilarQuery) -> list[Related]:
        params: dict[str, Any] = {
            "exclude": query.exclude_id if query.exclude_id is not None else -1,
            "viewer": query.viewer,
            "channel": query.channel_id,
            "limit": query.limit,
        }
        where = "i.id != :exclude AND " + (_PUBLIC if query.public_only else VISIBLE)
        postgres = self._dialect == "postgresql"
        with self._sessions.read() as session:
            scores = self._text_scores(session, query.terms, where, dict(params), postgres)
            if query.services:
                for n, service in enumerate(query.services):
                    params[f"s{n}"] = service.casefold()
                names = ", ".join(f":s{n}" for n in range(len(query.services)))
                shares = _SHARES_SERVICE[self._dialect].format(names)
                rows = session.execute(
                    sa.text(
                        f"SELECT i.id FROM incident i WHERE {where} AND {shares} "
                        "ORDER BY i.declared_at DESC LIMIT :services_limit"
                    ),
                    {**params, "services_limit": _SERVICE_CANDIDATES},
                ).all()
                for (incident_id,) in rows:
                    scores.setdefault(incident_id, 0.0)
            if query.signs:
                for incident_id in self._showing(session, query.signs, where, dict(params)):
                    scores.setdefault(incident_id, 0.0)
            ids = list(scores)
            incidents = session.exec(select(Incident).where(col(Incident.id).in_(ids))).all()
            write_ups = dict(
                session.exec(
                    select(Postmortem.incident_id, Postmortem.canvas_url).where(
                        col(Postmortem.incident_id).in_(ids)
                    )
                ).all()
            )
        return [
            Related(incident, scores[incident.id], write_ups.get(incident.id))
            for incident in incidents
            if incident.id is not None
        ]

    def _showing(
        self, session: Any, signs: tuple[str, ...], where: str, params: dict[str, Any]
    ) -> list[int]:
        """The most recent incidents whose own texts hold any of `signs` as a phrase."""
        if self._dialect == "postgresql":
            for n, sign in enumerate(signs):
                params[f"p{n}"] = sign
            either = " || ".join(
                f"phraseto_tsquery('english'::regconfig, :p{n})" for n in range(len(signs))
            )
            match = f"{_PG_DOCUMENT} @@ ({either})"
        else:
            params["phrases"] = " OR ".join(fts5_string(sign) for sign in signs)
            match = (
                "i.id IN (SELECT incident_id FROM search_index "
                "WHERE search_index MATCH :phrases AND rowid % 4 = 0)"
            )
        rows = session.execute(
            sa.text(
                f"SELECT i.id FROM incident i WHERE {where} AND {match} "
                "ORDER BY i.declared_at DESC LIMIT :signs_limit"
            ),
            {**params, "signs_limit": _SIGN_CANDIDATES},
        ).all()
        return [incident_id for (incident_id,) in rows]

    def _text_scores(
        self,
        session: Any,
        terms: tuple[Term, ...],
        where: str,
        params: dict[str, Any],
        postgres: bool,
    ) -> dict[int, float]:
        """Incident id -> its text score (0 to 1), for the best `limit` by that score."""
        if not terms:
            return {}
        matches, in_title = (
            _pg_queries(terms, params) if postgres else _sqlite_queries(terms, params)
        )
        table = "incident i" if postgres else "search_index"
        restrict = "" if postgres else " AND rowid % 4 = 0"
        counts = ", ".join(
            f"(SELECT count(*) FROM {table} WHERE {match}{restrict})" for match in matches
        )
        row = session.execute(
            sa.text(f"SELECT (SELECT count(*) FROM incident), {counts}"), params
        ).one()
        total, frequencies = row[0], row[1:]
        weights = [
            term.weight * _idf(total, frequency)
            for term, frequency in zip(terms, frequencies, strict=True)
        ]
        best = (1 + TITLE_BONUS) * sum(weights)
        scored = [n for n, frequency in enumerate(frequencies) if frequency]
        if not scored or best <= 0:
            return {}
        parts = []
        for n in scored:
            params[f"w{n}"], params[f"tw{n}"] = weights[n], weights[n] * TITLE_BONUS
            if postgres:
                parts.append(
                    f"SELECT i.id AS incident_id, :w{n} + :tw{n} * ({in_title[n]})::int AS w "
                    f"FROM incident i WHERE {matches[n]}"
                )
            else:
                for weight, match in ((f"w{n}", matches[n]), (f"tw{n}", in_title[n])):
                    parts.append(
                        f"SELECT incident_id, :{weight} AS w FROM search_index "
                        f"WHERE {match}{restrict}"
                    )
        sql = (
            "SELECT s.incident_id, SUM(s.w) AS score FROM (" + " UNION ALL ".join(parts) + ") s "
            f"JOIN incident i ON i.id = s.incident_id WHERE {where} "
            "GROUP BY s.incident_id, i.declared_at "
            "ORDER BY score DESC, i.declared_at DESC LIMIT :limit"
        )
        rows = session.execute(sa.text(sql), params).all()
        return {int(incident_id): float(score) / best for incident_id, score in rows}


def _idf(total: int, frequency: int) -> float:
    """BM25's inverse document frequency: rare words count, words most incidents have don't."""
    return math.log(1 + (total - frequency + 0.5) / (frequency + 0.5))


def _sqlite_queries(terms: tuple[Term, ...], params: dict[str, Any]) -> tuple[list[str], list[str]]:
    """Per term: the FTS5 condition matching it anywhere, and in the title only."""
    anywhere, in_title = [], []
    for n, term in enumerate(terms):
        either = " OR ".join(fts5_string(word) for word in term.words)
        params[f"q{n}"], params[f"tq{n}"] = either, f"title : ({either})"
        anywhere.append(f"search_index MATCH :q{n}")
        in_title.append(f"search_index MATCH :tq{n}")
    return anywhere, in_title


def _pg_queries(terms: tuple[Term, ...], params: dict[str, Any]) -> tuple[list[str], list[str]]:
    """Per term: the condition matching it anywhere, and in the title only."""
    anywhere, in_title = [], []
    for n, term in enumerate(terms):
        queries = []
        for m, word in enumerate(term.words):
            params[f"q{n}_{m}"] = word
            queries.append(f"plainto_tsquery('english'::regconfig, :q{n}_{m})")
        query = "(" + " || ".join(queries) + ")"
        anywhere.append(f"{_PG_DOCUMENT} @@ {query}")
        in_title.append(f"{_PG_TITLE} @@ {query}")
    return anywhere, in_title
