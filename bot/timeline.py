"""Timeline use cases: what people say in an incident channel becomes the record."""

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from bot.commands import clean_text
from bot.ports import Clock, IncidentStore
from models import EntryKind, TimelineEntry

KEY_EVENT_REACTION = "pushpin"


@dataclass(frozen=True)
class ChannelMessage:
    """A human message as Slack delivered it."""

    channel_id: str
    ts: str
    user: str
    text: str
    thread_ts: str | None = None
    files: list[dict[str, Any]] = field(default_factory=list)


def slack_time(ts: str) -> datetime:
    """Slack's message timestamp ('1732272000.000100') as an aware UTC datetime."""
    return datetime.fromtimestamp(float(ts), tz=UTC)


class TimelineService:
    def __init__(self, store: IncidentStore, clock: Clock) -> None:
        self._store, self._clock = store, clock

    def record_message(self, message: ChannelMessage) -> TimelineEntry | None:
        """Stores a message said in an incident channel, once however often it arrives.
        None when the channel is not an incident's or the message is already stored."""
        incident = self._store.by_channel(message.channel_id)
        if incident is None or incident.id is None:
            return None
        entry = TimelineEntry.model_validate(
            {
                "incident_id": incident.id,
                "kind": EntryKind.MESSAGE,
                "occurred_at": slack_time(message.ts),
                "author": message.user,
                "text": clean_text(message.text),
                "slack_ts": message.ts,
                # A top-level message carries its own ts as thread_ts once replied to; keep
                # thread_ts only for replies.
                "thread_ts": message.thread_ts if message.thread_ts != message.ts else None,
                "files": message.files,
            }
        )
        return entry if self._store.add_message(entry) else None

    def edit_message(self, channel_id: str, ts: str, text: str, edited_ts: str | None) -> bool:
        """Applies an edit, keeping the earlier text in the entry's history."""
        incident = self._store.by_channel(channel_id)
        if incident is None or incident.id is None:
            return False
        entry, text = self._store.entry_by_ts(incident.id, ts), clean_text(text)
        if entry is None or entry.text == text:
            return False
        edited_at = slack_time(edited_ts) if edited_ts else self._clock()
        entry.revisions = [*entry.revisions, {"text": entry.text, "until": edited_at.isoformat()}]
        entry.text, entry.edited_at = text, edited_at
        self._store.update_entry(entry)
        return True

    def delete_message(self, channel_id: str, ts: str) -> bool:
        """Hides a deleted message from the timeline; the row stays for the audit trail."""
        return self._update(channel_id, ts, hidden=True)

    def mark_key_event(self, channel_id: str, ts: str) -> bool:
        return self._update(channel_id, ts, key_event=True)

    def _update(self, channel_id: str, ts: str, **changes: bool) -> bool:
        incident = self._store.by_channel(channel_id)
        if incident is None or incident.id is None:
            return False
        entry = self._store.entry_by_ts(incident.id, ts)
        if entry is None or all(getattr(entry, k) == v for k, v in changes.items()):
            return False
        for key, value in changes.items():
            setattr(entry, key, value)
        self._store.update_entry(entry)
        return True
