"""The incident store on SQLModel: one short transaction per method."""

import json
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from bot.adapters.db.engine import Sessions
from bot.audit import incident_audit
from bot.ports import IncidentQuery
from models import (
    EntryKind,
    Incident,
    IncidentLink,
    IncidentRole,
    IncidentSequence,
    NoticeKind,
    OutboxMessage,
    Status,
    TimelineEntry,
)
from models.incident import UNPOSTED

_OPEN = [s for s in Status if s.is_open]
_POSTED_KINDS = [k for k in EntryKind if k.posted_in_channel]


_MESSAGE_DEFAULTS: dict[str, Any] = {
    "kind": EntryKind.MESSAGE,
    "text": "",
    "thread_ts": None,
    "key_event": False,
    "hidden": False,
    "edited_at": None,
    "revisions": [],
    "files": [],
    "data": {},
    "posted_at": None,
}


def _insert_message(engine: Engine) -> Any:
    """The hot path of every incident, as one statement built once: find the incident by
    its channel and insert the message unless that Slack message is already stored."""
    entry: sa.Table = TimelineEntry.__table__  # type: ignore[attr-defined]
    fields = ["occurred_at", "author", "slack_ts", *_MESSAGE_DEFAULTS]
    chosen = sa.select(
        col(Incident.id), *(sa.bindparam(f"v_{name}", type_=entry.c[name].type) for name in fields)
    ).where(col(Incident.channel_id) == sa.bindparam("channel"))
    # INSERT ... ON CONFLICT DO NOTHING, which both databases spell the same way.
    insert = sqlite.insert if engine.dialect.name == "sqlite" else postgresql.insert
    return (
        insert(entry)
        .from_select(["incident_id", *fields], chosen)
        .on_conflict_do_nothing()
        .returning(entry.c.id)
    )


class SqlIncidentStore:
    def __init__(self, engine: Engine) -> None:
        self._sessions = Sessions(engine)
        self._session, self._reading = self._sessions.write, self._sessions.read
        self._insert_message = _insert_message(engine)
        self._insert = sqlite.insert if engine.dialect.name == "sqlite" else postgresql.insert

    def next_sequence(self, year: int) -> int:
        with self._session() as session:
            bump = (
                sa.update(IncidentSequence)
                .where(col(IncidentSequence.year) == year)
                .values(last=IncidentSequence.last + 1)
                .returning(col(IncidentSequence.last))
            )
            value = session.execute(bump).scalar_one_or_none()
            if value is not None:
                return int(value)
        try:
            with self._session() as session:
                session.add(IncidentSequence(year=year, last=1))
            return 1
        except IntegrityError:  # another replica created the year's row first
            return self.next_sequence(year)

    def add(
        self, incident: Incident, entries: Sequence[TimelineEntry], roles: Sequence[IncidentRole]
    ) -> Incident:
        try:
            with self._session() as session:
                session.add(incident)
                session.flush()
                assert incident.id is not None
                for row in (*entries, *roles):
                    row.incident_id = incident.id
                    session.add(row)
                session.add_all(incident_audit(incident, entries))
            return incident
        except IntegrityError:
            if incident.request_key is None:
                raise
            existing = self.by_request_key(incident.request_key)
            if existing is None:
                raise
            return existing

    def get(self, ref: str) -> Incident | None:
        with self._reading() as session:
            return session.exec(select(Incident).where(Incident.ref == ref)).one_or_none()

    def by_request_key(self, key: str) -> Incident | None:
        with self._reading() as session:
            return session.exec(select(Incident).where(Incident.request_key == key)).one_or_none()

    def by_channel(self, channel_id: str) -> Incident | None:
        with self._reading() as session:
            return session.exec(
                select(Incident).where(Incident.channel_id == channel_id)
            ).one_or_none()

    def by_id(self, incident_id: int) -> Incident | None:
        with self._reading() as session:
            return session.get(Incident, incident_id)

    def save(
        self,
        incident: Incident,
        expected_version: int,
        entries: Sequence[TimelineEntry] = (),
        roles: Sequence[IncidentRole] = (),
    ) -> bool:
        with self._session() as session:
            if not self._bump(session, incident, expected_version):
                return False
            for role in roles:
                session.execute(
                    sa.delete(IncidentRole).where(
                        col(IncidentRole.incident_id) == incident.id,
                        col(IncidentRole.role) == role.role,
                    )
                )
                role.incident_id = incident.id  # type: ignore[assignment]
                session.add(role)
            for entry in entries:
                session.add(entry)
            session.add_all(incident_audit(incident, entries))
        return True

    def add_link(
        self, incident: Incident, expected_version: int, link: IncidentLink, entry: TimelineEntry
    ) -> bool:
        try:
            with self._session() as session:
                if not self._bump(session, incident, expected_version):
                    return False
                link.incident_id = entry.incident_id = incident.id  # type: ignore[assignment]
                session.add(link)
                session.flush()  # a link to that URL already there fails here, undoing it all
                session.add(entry)
                session.add_all(incident_audit(incident, [entry]))
        except IntegrityError:
            return False  # a racing caller added it: re-read, it is "already there"
        return True

    def links(self, incident_id: int) -> list[IncidentLink]:
        query = (
            select(IncidentLink)
            .where(IncidentLink.incident_id == incident_id)
            .order_by(col(IncidentLink.added_at), col(IncidentLink.id))
        )
        with self._reading() as session:
            return list(session.exec(query))

    def _bump(self, session: Session, incident: Incident, expected_version: int) -> bool:
        values = incident.model_dump(exclude={"id", "version"})
        result = session.execute(
            sa.update(Incident)
            .where(col(Incident.id) == incident.id, col(Incident.version) == expected_version)
            .values(**values, version=expected_version + 1)
        )
        return bool(result.rowcount == 1)  # type: ignore[attr-defined]

    def list_incidents(self, *, include_resolved: bool, limit: int) -> list[Incident]:
        query = select(Incident).order_by(col(Incident.declared_at).desc()).limit(limit)
        if not include_resolved:
            query = query.where(col(Incident.status).in_(_OPEN))
        with self._reading() as session:
            return list(session.exec(query))

    def has_taken_part(self, incident_id: int, user: str) -> bool:
        query = sa.select(
            sa.exists().where(
                col(TimelineEntry.incident_id) == incident_id, col(TimelineEntry.author) == user
            )
        )
        with self._reading() as session:
            return bool(session.execute(query).scalar())

    def query(self, wanted: IncidentQuery) -> list[Incident]:
        query = select(Incident).order_by(col(Incident.id).desc()).limit(wanted.limit)
        if wanted.statuses:
            query = query.where(col(Incident.status).in_(wanted.statuses))
        if wanted.severity:
            query = query.where(col(Incident.severity) == wanted.severity)
        if wanted.service:
            # Services are a JSON array of names: match one name, quotes included.
            named = sa.cast(col(Incident.services), sa.Text)
            query = query.where(named.contains(json.dumps(wanted.service), autoescape=True))
        if wanted.declared_from:
            query = query.where(col(Incident.declared_at) >= wanted.declared_from)
        if wanted.declared_until:
            query = query.where(col(Incident.declared_at) < wanted.declared_until)
        if not wanted.include_private:
            query = query.where(sa.not_(col(Incident.private)))
        if wanted.before_id is not None:
            query = query.where(col(Incident.id) < wanted.before_id)
        with self._reading() as session:
            return list(session.exec(query))

    def involving(self, user: str, limit: int) -> list[Incident]:
        """Open incidents the person declared, holds a role in or has spoken in."""
        role = sa.exists().where(
            col(IncidentRole.incident_id) == col(Incident.id), col(IncidentRole.user_id) == user
        )
        spoke = sa.exists().where(
            col(TimelineEntry.incident_id) == col(Incident.id), col(TimelineEntry.author) == user
        )
        query = (
            select(Incident)
            .where(
                col(Incident.status).in_(_OPEN),
                sa.or_(col(Incident.reporter) == user, role, spoke),
            )
            .order_by(col(Incident.declared_at).desc())
            .limit(limit)
        )
        with self._reading() as session:
            return list(session.exec(query))

    def unopened(self, declared_before: datetime) -> list[Incident]:
        query = select(Incident).where(
            col(Incident.room_opened_at).is_(None),
            col(Incident.declared_at) < declared_before,
            col(Incident.status) != Status.CLOSED,
        )
        with self._reading() as session:
            return list(session.exec(query.order_by(col(Incident.id))))

    def with_unposted_entries(self, recorded_before: datetime) -> list[int]:
        # The partial index's own predicate, so the index serves the query.
        unposted = sa.and_(UNPOSTED, col(TimelineEntry.occurred_at) < recorded_before)
        query = (
            sa.select(col(TimelineEntry.incident_id))
            .join(Incident, col(Incident.id) == col(TimelineEntry.incident_id))
            .where(
                unposted,
                col(Incident.room_opened_at).is_not(None),
                col(Incident.channel_archived_at).is_(None),
            )
            .distinct()
        )
        with self._reading() as session:
            return sorted(session.execute(query).scalars())

    def roles(self, incident_id: int) -> list[IncidentRole]:
        with self._reading() as session:
            return list(
                session.exec(select(IncidentRole).where(IncidentRole.incident_id == incident_id))
            )

    def add_channel_message(self, channel_id: str, message: Mapping[str, Any]) -> bool:
        values = {f"v_{name}": value for name, value in {**_MESSAGE_DEFAULTS, **message}.items()}
        with self._sessions.lock, self._sessions.engine.begin() as connection:
            inserted = connection.execute(self._insert_message, {"channel": channel_id, **values})
            return inserted.first() is not None

    def entry_by_ts(self, incident_id: int, slack_ts: str) -> TimelineEntry | None:
        with self._reading() as session:
            return session.exec(
                select(TimelineEntry).where(
                    TimelineEntry.incident_id == incident_id, TimelineEntry.slack_ts == slack_ts
                )
            ).one_or_none()

    def flag_entry(
        self,
        incident_id: int,
        slack_ts: str,
        *,
        hidden: bool | None = None,
        key_event: bool | None = None,
    ) -> bool:
        flags = {k: v for k, v in (("hidden", hidden), ("key_event", key_event)) if v is not None}
        columns = {"hidden": TimelineEntry.hidden, "key_event": TimelineEntry.key_event}
        unchanged = sa.and_(*(col(columns[k]) == v for k, v in flags.items()))
        with self._session() as session:
            result = session.execute(
                sa.update(TimelineEntry)
                .where(
                    col(TimelineEntry.incident_id) == incident_id,
                    col(TimelineEntry.slack_ts) == slack_ts,
                    sa.not_(unchanged),
                )
                .values(**flags)
            )
            return bool(result.rowcount)  # type: ignore[attr-defined]

    def edit_entry(self, entry: TimelineEntry, text: str, edited_at: datetime) -> bool:
        revisions = [*entry.revisions, {"text": entry.text, "until": edited_at.isoformat()}]
        with self._session() as session:
            result = session.execute(
                sa.update(TimelineEntry)
                .where(
                    col(TimelineEntry.id) == entry.id,
                    col(TimelineEntry.text) == entry.text,
                    sa.or_(
                        col(TimelineEntry.edited_at).is_(None),
                        col(TimelineEntry.edited_at) < edited_at,
                    ),
                )
                .values(text=text, edited_at=edited_at, revisions=revisions)
            )
            return bool(result.rowcount == 1)  # type: ignore[attr-defined]

    def entries(
        self, incident_id: int, *, limit: int | None = None, include_hidden: bool = False
    ) -> list[TimelineEntry]:
        query = select(TimelineEntry).where(TimelineEntry.incident_id == incident_id)
        if not include_hidden:
            query = query.where(col(TimelineEntry.hidden).is_(False))
        newest_first = query.order_by(
            col(TimelineEntry.occurred_at).desc(), col(TimelineEntry.id).desc()
        )
        with self._reading() as session:
            rows = list(session.exec(newest_first.limit(limit) if limit else newest_first))
        return rows[::-1]

    def unqueue_entry(self, entry_id: int) -> None:
        with self._session() as session:
            session.execute(
                sa.update(TimelineEntry)
                .where(col(TimelineEntry.id) == entry_id)
                .values(posted_at=None)
            )

    def queue_unposted(self, incident_id: int, now: datetime) -> int:
        with self._session() as session:
            incident = session.get(Incident, incident_id)
            if incident is None or incident.channel_id is None:
                return 0
            pending = list(
                session.scalars(
                    sa.select(col(TimelineEntry.id))
                    .where(
                        col(TimelineEntry.incident_id) == incident_id,
                        col(TimelineEntry.kind).in_(_POSTED_KINDS),
                        col(TimelineEntry.posted_at).is_(None),
                    )
                    .order_by(col(TimelineEntry.id))
                )
            )
            if not pending:
                return 0
            outbox: sa.Table = OutboxMessage.__table__  # type: ignore[attr-defined]
            # Rows go in in timeline order, and a racing caller waits on the first key it
            # shares with this one: either way an entry's post gets a later outbox id than
            # every earlier entry's, and the outbox sends a channel's messages by id.
            # DO NOTHING rather than a conditional DO UPDATE: on PostgreSQL that locks the
            # conflicting row until this transaction ends, and a sender skipping locked rows
            # would pass the channel's next post by, with nobody left to send it.
            queue = self._insert(outbox).on_conflict_do_nothing(index_elements=["key"])
            keys = [f"entry:{entry_id}" for entry_id in pending]
            session.execute(
                queue,
                [
                    {
                        "key": key,
                        "kind": NoticeKind.ENTRY,
                        "incident_id": incident_id,
                        "target": incident.channel_id,
                        # Where a post shown in the announcement's thread goes.
                        "data": {"entry": entry_id, "thread": incident.announcement_ts},
                        "due_at": now,
                        "created_at": now,
                        "attempts": 0,
                        "last_error": "",
                    }
                    for entry_id, key in zip(pending, keys, strict=True)
                ],
            )
            # A post cancelled (the channel was archived) is owed again, in its place.
            session.execute(
                sa.update(outbox)
                .where(outbox.c.key.in_(keys), outbox.c.cancelled_at.is_not(None))
                .values(cancelled_at=None, leased_until=None, lease_token=None)
            )
            session.execute(
                sa.update(TimelineEntry)
                .where(col(TimelineEntry.id).in_(pending), col(TimelineEntry.posted_at).is_(None))
                .values(posted_at=now)
            )
            # Owed, whoever queued them: a racing caller's sender may have come and gone
            # before they were committed, so this caller sends too.
            return len(pending)
