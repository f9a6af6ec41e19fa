"""Status updates as timeline entries: the shape every update has, and the final public one
resolving a published incident posts. Pure."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Final

from bot.errors import UsageError
from models import EntryKind, Incident, TimelineEntry

MAX_UPDATE_FIELD: Final = 1000
# Stored as Slack markup, where `<` is `&lt;`: room for what the form allows, escaped.
_MAX_STORED: Final = 5 * MAX_UPDATE_FIELD
# The choices of "next update expected in" the form and the command offer.
NEXT_UPDATE_CHOICES: Final = ("15m", "30m", "1h", "2h", "4h")


@dataclass(frozen=True)
class Update:
    """One status update in the proven shape. Texts are Slack markup, as stored."""

    happening: str
    impact: str = ""
    next_steps: str = ""
    # Also shown on the status page (once the incident is published).
    public: bool = False
    # When the next update is promised; the commander is reminded then.
    next_update_in: timedelta | None = None

    def check(self) -> None:
        """Raises UsageError for an update that can't be posted."""
        if not self.happening.strip():
            raise UsageError("Say what is happening.")
        for label, text in (
            ("What is happening", self.happening),
            ("Impact", self.impact),
            ("What we are doing", self.next_steps),
        ):
            if len(text) > _MAX_STORED:
                raise UsageError(
                    f"{label} is too long; keep it under {MAX_UPDATE_FIELD} characters."
                )
        if self.next_update_in is not None and not (
            timedelta(minutes=1) <= self.next_update_in <= timedelta(days=1)
        ):
            raise UsageError("The next update can be promised between 1 minute and 1 day ahead.")


def update_entry(
    update: Update, actor: str | None, now: datetime, *, final: bool = False
) -> TimelineEntry:
    """The timeline entry recording `update` (a key event)."""
    next_at = now + update.next_update_in if update.next_update_in else None
    data: dict[str, Any] = {
        "happening": update.happening,
        "impact": update.impact,
        "next_steps": update.next_steps,
        "public": update.public,
        "next_update_at": next_at.isoformat() if next_at else None,
        "final": final,
    }
    return TimelineEntry.model_validate(
        {
            "incident_id": 0,
            "kind": EntryKind.UPDATE,
            "occurred_at": now,
            "author": actor,
            "text": f"Update: {update.happening}",
            "data": data,
            "key_event": True,
        }
    )


def as_update(entry: TimelineEntry) -> Update:
    """What an update entry said (the next update's delay is not kept)."""
    data = entry.data
    return Update(
        happening=str(data.get("happening", "")),
        impact=str(data.get("impact", "")),
        next_steps=str(data.get("next_steps", "")),
        public=bool(data.get("public", False)),
    )


def final_update(incident: Incident, actor: str | None, now: datetime, note: str) -> TimelineEntry:
    """Resolving a published incident tells the status page's readers it is over."""
    said = note or incident.resolution_summary
    happening = "This incident has been resolved." + (f" {said}" if said else "")
    update = Update(happening=happening[:MAX_UPDATE_FIELD], public=True)
    return update_entry(update, actor, now, final=True)
