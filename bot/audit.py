"""The audit log: who changed what, when, from which surface. Every timeline entry an
incident change records is audited in the same transaction (the store writes
`incident_audit` rows beside the entries); changes outside incidents (on-call overrides,
problems) are recorded by their services. Admins query and export it."""

import contextvars
import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, Final

from bot.errors import IncidentError
from bot.permissions import Permissions
from bot.ports import AuditLog, Clock
from models import AuditEntry, EntryKind, Incident, TimelineEntry

AUDIT_PAGE: Final = 10
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


def _plain(data: dict[str, Any]) -> dict[str, Any]:
    """The entry's data, without what is long (drafts, checklists): the timeline has it."""
    return {k: v for k, v in data.items() if len(repr(v)) <= MAX_DETAIL}


@dataclass(frozen=True)
class AuditQuery:
    """`7d`/`30d` (since then) or an incident ref."""

    since: datetime | None
    ref: str | None
    label: str


class AuditService:
    def __init__(self, log: AuditLog, permissions: Permissions, clock: Clock) -> None:
        self._log, self._permissions, self._clock = log, permissions, clock

    def record(self, actor: str | None, action: str, target: str, details: dict[str, Any]) -> None:
        """Audits a change made outside an incident (its own transaction)."""
        self._log.add(
            AuditEntry.model_validate(
                {
                    "at": self._clock(),
                    "actor": actor or None,
                    "action": action,
                    "surface": current_surface().value,
                    "target": target,
                    "details": details,
                }
            )
        )

    def query(self, text: str) -> AuditQuery:
        """`7d`, `30d` (default), `90d` or an incident ref such as `INC-2026-0042`."""
        word = text.strip() or "30d"
        days = {"7d": 7, "30d": 30, "90d": 90}.get(word.lower())
        if days is not None:
            since = self._clock() - timedelta(days=days)
            return AuditQuery(since, None, f"the last {days} days")
        if word.upper().startswith("INC-"):
            return AuditQuery(None, word.upper(), word.upper())
        raise IncidentError(f"`{word[:30]}` is not 7d, 30d, 90d or an incident ID.")

    def find(
        self, viewer: str, query: AuditQuery, *, offset: int = 0, limit: int = AUDIT_PAGE
    ) -> list[AuditEntry]:
        """The entries `query` asks for, newest first: for admins (anyone without admins)."""
        self._permissions.check_admin(viewer, "read the audit log")
        return self._log.find(since=query.since, target=query.ref, offset=offset, limit=limit)

    def export(self, viewer: str | None, query: AuditQuery) -> list[dict[str, str]]:
        """Every entry `query` asks for as CSV rows, oldest first (`viewer` None: the CLI)."""
        if viewer is not None:
            self._permissions.check_admin(viewer, "export the audit log")
        found = self._log.find(since=query.since, target=query.ref, offset=0, limit=None)
        return [as_row(entry) for entry in reversed(found)]


AUDIT_FIELDS: Final = ("at", "actor", "action", "surface", "target", "details")


def as_row(entry: AuditEntry) -> dict[str, str]:
    return {
        "at": entry.at.isoformat(),
        "actor": entry.actor or "sitrep",
        "action": entry.action,
        "surface": entry.surface,
        "target": entry.target,
        "details": json.dumps(entry.details, sort_keys=True, default=str),
    }
