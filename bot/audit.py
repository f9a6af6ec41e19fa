"""The audit log: who changed what, when, from which surface. Every timeline entry an
incident change records is audited in the same transaction (the store writes
`incident_audit` rows beside the entries); a change outside incidents (an on-call override,
a problem) is audited likewise: its service builds the row (`change_audit`) and the store
making the change writes it in the change's own transaction. Admins query it and export it
as CSV."""

import contextvars
import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any, Final
from zoneinfo import ZoneInfo

from bot.csv_text import csv_text
from bot.insights.periods import parse_range
from bot.permissions import Permissions
from bot.ports import AuditLog, Clock, Documents
from models import AuditEntry, EntryKind, Incident, TimelineEntry

AUDIT_PAGE: Final = 10
_UTC: Final = ZoneInfo("UTC")
MAX_DETAIL: Final = 300


class Surface(StrEnum):
    SLASH_COMMAND = "slash_command"
    BUTTON = "button"
    MODAL = "modal"
    SHORTCUT = "shortcut"
    EVENT = "event"
    API = "api"
    ALERT = "alert"
    SCHEDULER = "scheduler"
    CLI = "cli"
    SYSTEM = "system"


_SURFACE: contextvars.ContextVar[Surface] = contextvars.ContextVar(
    "sitrep_surface", default=Surface.SYSTEM
)


def current_surface() -> Surface:
    """Where the change under way came from (set by the driving side with `via`)."""
    return _SURFACE.get()


def set_surface(surface: Surface) -> None:
    """For the rest of this context (a request's thread, and work it hands on)."""
    _SURFACE.set(surface)


@contextmanager
def via(surface: Surface) -> Iterator[None]:
    token = _SURFACE.set(surface)
    try:
        yield
    finally:
        _SURFACE.reset(token)


def incident_audit(incident: Incident, entries: Sequence[TimelineEntry]) -> list[AuditEntry]:
    """The audit rows of `entries` recorded on `incident` (channel messages are not actions)."""
    return [
        AuditEntry.model_validate(
            {
                "at": entry.occurred_at,
                "actor": entry.author or None,
                "action": entry.kind.value,
                "surface": current_surface().value,
                "incident_id": incident.id,
                "target": incident.ref,
                "details": {"text": entry.text[:MAX_DETAIL], **_plain(entry.data)},
            }
        )
        for entry in entries
        if entry.kind is not EntryKind.MESSAGE
    ]


def change_audit(
    at: datetime, actor: str | None, action: str, target: str, details: dict[str, Any]
) -> AuditEntry:
    """The audit row of a change made outside an incident, from the surface under way; the
    store making the change writes it in the change's transaction, so neither is without
    the other."""
    return AuditEntry.model_validate(
        {
            "at": at,
            "actor": actor or None,
            "action": action,
            "surface": current_surface().value,
            "target": target,
            "details": details,
        }
    )


def _plain(data: dict[str, Any]) -> dict[str, Any]:
    """The entry's data, without what is long (drafts, checklists): the timeline has it."""
    return {k: v for k, v in data.items() if len(repr(v)) <= MAX_DETAIL}


@dataclass(frozen=True)
class AuditQuery:
    """A range (`7d`, `2026-Q3`…: from `since` to `until`) or a ref (INC-…, PRB-…)."""

    since: datetime | None
    ref: str | None
    label: str
    until: datetime | None = None


class AuditService:
    def __init__(
        self,
        log: AuditLog,
        permissions: Permissions,
        clock: Clock,
        *,
        documents: Documents | None = None,
        zone: ZoneInfo = _UTC,
    ) -> None:
        self._log, self._permissions, self._clock = log, permissions, clock
        self._documents, self._zone = documents, zone

    def query(self, text: str) -> AuditQuery:
        """A range as `/incident stats` takes it (`7d`, `30d` by default, `90d`, `quarter`,
        `2026-Q3`) or an incident's or problem's ref (`INC-2026-0042`, `PRB-0001`); raises
        UsageError otherwise."""
        word = text.strip() or "30d"
        if word.upper().startswith(("INC-", "PRB-")):
            return AuditQuery(None, word.upper(), word.upper())
        now = self._clock()
        period = parse_range(word, now, self._zone)
        # A range up to now has no end: what is being recorded as it is read is in it.
        return AuditQuery(
            period.start, None, period.label, period.end if period.end < now else None
        )

    def find(
        self, viewer: str, query: AuditQuery, *, offset: int = 0, limit: int = AUDIT_PAGE
    ) -> list[AuditEntry]:
        """The entries `query` asks for, newest first: for admins (anyone without admins)."""
        self._permissions.check_admin(viewer, "read the audit log")
        return self._log.find(
            since=query.since, until=query.until, target=query.ref, offset=offset, limit=limit
        )

    def export(self, viewer: str | None, query: AuditQuery) -> list[dict[str, str]]:
        """Every entry `query` asks for as CSV rows, oldest first (`viewer` None: the CLI)."""
        if viewer is not None:
            self._permissions.check_admin(viewer, "export the audit log")
        found = self._log.find(
            since=query.since, until=query.until, target=query.ref, offset=0, limit=None
        )
        return [as_row(entry) for entry in reversed(found)]

    def send_export(self, viewer: str, query: AuditQuery) -> int:
        """Sends the admin the entries `query` asks for as a CSV file, directly; returns how
        many rows it has. Raises ChatUnavailable when the upload is refused."""
        rows = self.export(viewer, query)
        assert self._documents is not None, "AuditService built without documents"
        name = query.label.removeprefix("the ").replace(" ", "-").lower()
        count = f"{len(rows)} entr{'ies' if len(rows) != 1 else 'y'}"
        self._documents.upload_text(
            viewer,
            f"audit-{name}.csv",
            f"Audit log, {query.label}",
            as_csv(rows),
            f"{count} of the audit log, {query.label}, oldest first (times in UTC).",
        )
        return len(rows)


AUDIT_FIELDS: Final = ("at", "actor", "action", "surface", "target", "details")


def as_csv(rows: Sequence[dict[str, str]]) -> str:
    """Audit rows as CSV (formulas inert), for spreadsheets and the auditors' tools."""
    return csv_text(rows, AUDIT_FIELDS)


def as_row(entry: AuditEntry) -> dict[str, str]:
    return {
        "at": entry.at.isoformat(),
        "actor": entry.actor or "sitrep",
        "action": entry.action,
        "surface": entry.surface,
        "target": entry.target,
        "details": json.dumps(entry.details, sort_keys=True, default=str),
    }
