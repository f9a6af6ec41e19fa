"""The fake Slack workspace the benchmark drives (tests.fakes.slack_api.FakeSlack), hosted in
this process or in a process of its own.

`SlackWorkspace` takes and returns plain data only and builds payloads in batches, so it works
the same called directly or through a multiprocessing proxy (one round trip per batch)."""

import contextlib
import signal
import uuid
from collections.abc import Iterator
from multiprocessing.managers import BaseManager
from typing import Any, Literal, cast

from bot.naming import channel_name
from tests.fakes.slack_api import TEAM_ID, FakeSlack, rich_text

JSON = dict[str, Any]
Hosting = Literal["process", "thread"]


class SlackWorkspace:
    """A started FakeSlack, plus builders for what Slack would send the app."""

    def __init__(self) -> None:
        self._fake = FakeSlack().start()

    def close(self) -> None:
        self._fake.stop()

    def api_url(self) -> str:
        return self._fake.api_url

    def channel_id(self, name: str) -> str:
        channel = self._fake.channel_by_name(name)
        if channel is None:
            raise LookupError(f"the fake workspace has no #{name}")
        return channel.id

    def call_count(self) -> int:
        """Web API calls received so far: it stops growing once the app's slow work is done."""
        return len(self._fake.calls)

    # -- payloads ------------------------------------------------------------------------------

    def slash_commands(
        self, command: str, texts: list[str], *, user: str, channel: str
    ) -> list[JSON]:
        """One `slash_commands` payload per text, each with a live trigger_id and response_url."""
        return [
            self._fake.slash_command(command, text, user=user, channel=channel) for text in texts
        ]

    def message_envelopes(
        self, channel_id: str, user: str, messages: list[tuple[str, str]]
    ) -> list[JSON]:
        """Events API envelopes around `message` events for `(ts, text)` pairs, shaped like
        FakeSlack.user_posts' events but not stored in the fake (it would only grow)."""
        channel_type = self._fake.channel(channel_id).channel_type
        return [
            self._fake.event_callback(
                {
                    "type": "message",
                    "text": text,
                    "user": user,
                    "ts": ts,
                    "client_msg_id": str(uuid.uuid4()),
                    "blocks": rich_text(text),
                    "team": TEAM_ID,
                    "channel": channel_id,
                    "event_ts": ts,
                    "channel_type": channel_type,
                }
            )
            for ts, text in messages
        ]

    def block_actions(
        self, channel_id: str, ts: str, action_id: str, *, user: str, values: list[str]
    ) -> list[JSON]:
        """One `block_actions` payload per value, as a person picks it in the message's
        element `action_id` (each with its own trigger_id and response_url)."""
        return [self._fake.click(channel_id, ts, action_id, user, value) for value in values]

    # -- waiting and reading back ----------------------------------------------------------------

    def wait_for_room(self, prefix: str, ref: str, title: str, timeout: float) -> tuple[str, str]:
        """Waits until the incident's channel exists with its announcement pinned; returns
        (channel ID, announcement ts)."""
        name = channel_name(prefix, ref, title)
        fake = self._fake
        channel = fake.wait_for(lambda: fake.channel_by_name(name), timeout)
        assert channel is not None  # wait_for returns only once it is
        [announcement, *_] = fake.wait_for(lambda: fake.pins(channel.id), timeout)
        return channel.id, announcement.ts

    def rooms_opened(self, prefix: str, incidents: list[tuple[str, str]]) -> int:
        """How many of the (ref, title) incidents have a channel with a pinned announcement."""
        opened = 0
        for ref, title in incidents:
            channel = self._fake.channel_by_name(channel_name(prefix, ref, title))
            opened += channel is not None and bool(self._fake.pins(channel.id))
        return opened

    def responses_to(self, urls: list[str]) -> list[str]:
        """The texts the app posted to these response_urls."""
        wanted = set(urls)
        return [post.text for post in self._fake.responses() if post.url in wanted]


class _Manager(BaseManager):
    pass


_Manager.register("SlackWorkspace", SlackWorkspace)


@contextlib.contextmanager
def hosted_workspace(hosting: Hosting) -> Iterator[tuple[SlackWorkspace, int | None]]:
    """A SlackWorkspace and the PID of the process serving it (None: this one)."""
    if hosting == "thread":
        workspace = SlackWorkspace()
        try:
            yield workspace, None
        finally:
            workspace.close()
        return
    manager = _Manager()
    # Ctrl-C reaches the whole process group; the benchmark, not the fake, decides when to stop.
    manager.start(initializer=signal.signal, initargs=(signal.SIGINT, signal.SIG_IGN))
    try:
        proxy = cast(SlackWorkspace, manager.SlackWorkspace())  # type: ignore[attr-defined]
        try:
            yield proxy, manager._process.pid  # type: ignore[attr-defined]
        finally:
            with contextlib.suppress(Exception):
                proxy.close()
    finally:
        manager.shutdown()
