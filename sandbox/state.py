"""The sandbox workspace on disk: channels, messages, views, files and canvases are saved
beside the bot's SQLite database, so a restart keeps what the bot's incidents point at.

The file is a pickle the sandbox itself wrote, next to the database it trusts as much."""

from __future__ import annotations

import itertools
import logging
import pickle
import threading
from pathlib import Path
from typing import Any, Final

from .slack.server import FakeSlack

log = logging.getLogger(__name__)

_KEPT: Final = (
    "users", "channels", "messages", "pins", "bookmarks", "views", "home_views", "ephemerals",
    "files", "canvases", "deleted_canvases", "_last_ts_us",
)  # fmt: skip
_VERSION: Final = 1


def snapshot(slack: FakeSlack) -> bytes:
    with slack._changed:
        ws = slack._ws
        serial = next(ws._serial)
        ws._serial = itertools.count(serial)
        state: dict[str, Any] = {name: getattr(ws, name) for name in _KEPT}
        return pickle.dumps({"version": _VERSION, "serial": serial, **state})


def restore(slack: FakeSlack, data: bytes) -> None:
    state = pickle.loads(data)
    if state.get("version") != _VERSION:
        return
    with slack._changed:
        ws = slack._ws
        for name in _KEPT:
            setattr(ws, name, state[name])
        ws._serial = itertools.count(state["serial"])
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
        except (pickle.UnpicklingError, EOFError, KeyError, AttributeError) as error:
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
