"""Timeline use cases: what people say in an incident channel becomes the record."""

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from bot.commands import clean_text
from bot.ports import Clock, IncidentStore

KEY_EVENT_REACTION = "pushpin"
_MAX_ATTEMPTS = 5


@dataclass(frozen=True)
class ChannelMessage:
    """A human message as Slack delivered it (text in Slack's own markup)."""

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
    """Events arrive late, twice or out of order (retries, replicas); each method gives the
    same timeline whatever the order it is called in."""

    def __init__(self, store: IncidentStore, clock: Clock) -> None:
        self._store, self._clock = store, clock

    def record_message(
        self, message: ChannelMessage, *, hidden: bool = False, edited_at: datetime | None = None
    ) -> bool:
        """Stores a message said in an incident channel, once however often it arrives.
        False when the channel is not an incident's or the message is already stored."""
        return self._store.add_channel_message(
            message.channel_id,
            {
                "occurred_at": slack_time(message.ts),
                "author": message.user,
                "text": clean_text(message.text),
                "slack_ts": message.ts,
                # A top-level message carries its own ts as thread_ts once replied to; keep
                # thread_ts only for replies.
                "thread_ts": message.thread_ts if message.thread_ts != message.ts else None,
                "files": message.files,
                "hidden": hidden,
                "edited_at": edited_at,
            },
        )

    def edit_message(self, edited: ChannelMessage, edited_ts: str | None) -> bool:
        """Applies an edit, keeping earlier text in the entry's history. An edit older than
        the one stored is ignored; an edit of a message not yet stored stores it."""
        incident = self._store.by_channel(edited.channel_id)
        if incident is None or incident.id is None:
            return False
        text = clean_text(edited.text)
        edited_at = slack_time(edited_ts) if edited_ts else self._clock()
        for _ in range(_MAX_ATTEMPTS):
            entry = self._store.entry_by_ts(incident.id, edited.ts)
            if entry is None:
                if self.record_message(edited, edited_at=edited_at):
                    return True
                continue  # the original arrived meanwhile: edit it
            if entry.text == text or (entry.edited_at and entry.edited_at >= edited_at):
                return False
            if self._store.edit_entry(entry, text, edited_at):
                return True
        return False

    def delete_message(
        self, channel_id: str, ts: str, previous: ChannelMessage | None = None
    ) -> bool:
        """Hides a deleted message; the row stays for the audit trail. A deletion that
        arrives before the message stores it hidden, so the late original stays hidden."""
        incident = self._store.by_channel(channel_id)
        if incident is None or incident.id is None:
            return False
        if self._store.flag_entry(incident.id, ts, hidden=True):
            return True
        if previous is not None and self.record_message(previous, hidden=True):
            return True
        return self._store.flag_entry(incident.id, ts, hidden=True)

    def mark_key_event(self, channel_id: str, ts: str) -> bool:
        incident = self._store.by_channel(channel_id)
        if incident is None or incident.id is None:
            return False
        return self._store.flag_entry(incident.id, ts, key_event=True)
