"""The sandbox workspace on disk: channels, messages, views, files and canvases are saved
beside the bot's SQLite database, so a restart keeps what the bot's incidents point at.

The file is JSON a person can read. Records are written with their kind, and only the
workspace's own record kinds are read back: loading it never builds any other object."""

from __future__ import annotations

import base64
import dataclasses
import itertools
import json
import logging
import threading
from pathlib import Path
from typing import Any, Final

from .slack import records
from .slack.server import FakeSlack

log = logging.getLogger(__name__)

_KEPT: Final = (
    "users", "channels", "messages", "pins", "bookmarks", "views", "home_views", "ephemerals",
    "files", "canvases", "deleted_canvases", "_last_ts_us",
)  # fmt: skip
_VERSION: Final = 2
_TAG: Final = "__sandbox__"  # never a key of anything Slack sends or the bot posts
_RECORDS: Final[dict[str, type[Any]]] = {
    kind.__name__: kind
    for kind in (
        records.User, records.ChannelText, records.Channel, records.Revision, records.Message,
        records.View, records.Ephemeral, records.UploadedFile, records.Section, records.Canvas,
        records.Bookmark, records._Pin,
    )
}  # fmt: skip


def _plain(value: Any) -> Any:
    """`value` as JSON's types: records, sets and bytes tagged with what they were."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        fields = {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
        return {_TAG: type(value).__name__, "fields": fields}
    if isinstance(value, dict):
        return {str(key): _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    if isinstance(value, set):
        return {_TAG: "set", "items": sorted(_plain(item) for item in value)}
    if isinstance(value, bytes):
        return {_TAG: "bytes", "base64": base64.b64encode(value).decode()}
    return value


def _restored(value: Any) -> Any:
    """The inverse of `_plain`; an unknown kind raises ValueError."""
    if isinstance(value, list):
        return [_restored(item) for item in value]
    if not isinstance(value, dict):
        return value
    kind = value.get(_TAG)
    if kind is None:
        return {key: _restored(item) for key, item in value.items()}
    if kind == "set":
        return {_restored(item) for item in value["items"]}
    if kind == "bytes":
        return base64.b64decode(value["base64"])
    if kind not in _RECORDS:
        raise ValueError(f"not a sandbox record: {kind!r}")
    record = _RECORDS[kind]
    fields = {name: _restored(item) for name, item in value["fields"].items()}
    declared = {f.name: f for f in dataclasses.fields(record)}
    made = record(**{k: v for k, v in fields.items() if k in declared and declared[k].init})
    for name, item in fields.items():
        if name in declared and not declared[name].init:
            setattr(made, name, item)
    return made


def snapshot(slack: FakeSlack) -> bytes:
    with slack._changed:
        ws = slack._ws
        serial = next(ws._serial)
        ws._serial = itertools.count(serial)
        state: dict[str, Any] = {name: _plain(getattr(ws, name)) for name in _KEPT}
    return json.dumps({"version": _VERSION, "serial": serial, **state}, indent=1).encode()


def restore(slack: FakeSlack, data: bytes) -> None:
    raw = json.loads(data)
    if raw.get("version") != _VERSION:
        return
    state = {name: _restored(raw[name]) for name in _KEPT}
    with slack._changed:
        ws = slack._ws
        for name in _KEPT:
            setattr(ws, name, state[name])
        ws._serial = itertools.count(int(raw["serial"]))
        slack._changed.notify_all()


class Saver:
    """Loads the workspace at start and saves it whenever it changed, every `interval`."""

    def __init__(self, slack: FakeSlack, path: Path, interval: float = 1.0) -> None:
        self.slack, self.path, self.interval = slack, path, interval
        self._last = b""
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="sandbox-saver", daemon=True)

    def load(self) -> bool:
        if not self.path.exists():
            return False
        try:
            restore(self.slack, self.path.read_bytes())
        except (ValueError, KeyError, TypeError) as error:
            log.warning("sandbox: could not read %s (%r); starting afresh", self.path, error)
            return False
        return True

    def start(self) -> None:
        self._thread.start()

    def save(self) -> None:
        data = snapshot(self.slack)
        if data != self._last:
            partial = self.path.with_suffix(".tmp")
            partial.write_bytes(data)
            partial.replace(self.path)
            self._last = data

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self.save()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self.save()
