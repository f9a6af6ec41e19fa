"""Slack's side of the wire: what people do in the sandbox reaches the bot as Slack's signed
HTTP requests to `/slack/events`, and the bot's answers are applied as Slack applies them."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from .slack.identities import JSON
from .slack.server import FakeSlack

log = logging.getLogger(__name__)


def sign(body: bytes, timestamp: int, secret: str) -> str:
    """Slack's request signature (v0): HMAC-SHA256 of `v0:<timestamp>:<body>`."""
    base = b"v0:" + str(timestamp).encode() + b":" + body
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class Answer:
    """The bot's HTTP answer to one request."""

    status: int
    body: str

    @property
    def json(self) -> JSON:
        try:
            data = json.loads(self.body) if self.body else {}
        except ValueError:
            return {"text": self.body}
        return data if isinstance(data, dict) else {}


class Delivery:
    """Sends what people do to the bot, as Slack does, and applies its answers."""

    def __init__(self, slack: FakeSlack, events_url: str, signing_secret: str) -> None:
        self.slack = slack
        self.url = events_url
        self.secret = signing_secret

    def _post(self, body: bytes, content_type: str) -> Answer:
        timestamp = int(time.time())
        request = urllib.request.Request(
            self.url,
            data=body,
            method="POST",
            headers={
                "Content-Type": content_type,
                "X-Slack-Request-Timestamp": str(timestamp),
                "X-Slack-Signature": sign(body, timestamp, self.secret),
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return Answer(response.status, response.read().decode())
        except urllib.error.HTTPError as error:
            return Answer(error.code, error.read().decode())

    def event(self, event: JSON) -> Answer:
        return self._post(json.dumps(self.slack.event_callback(event)).encode(), "application/json")

    def interact(self, payload: JSON) -> Answer:
        body = urlencode({"payload": json.dumps(payload)}).encode()
        return self._post(body, "application/x-www-form-urlencoded")

    # -- what people do -------------------------------------------------------------------------

    def ensure_member(self, channel: str, user: str) -> None:
        """Posting in a public channel one is not in joins it first, as Slack's client does."""
        if user not in self.slack.members(channel):
            self.event(self.slack.user_joins(channel, user))

    def say(self, channel: str, user: str, text: str, thread_ts: str | None = None) -> None:
        self.ensure_member(channel, user)
        self.event(self.slack.user_posts(channel, user, text, thread_ts=thread_ts))

    def command(self, channel: str, user: str, line: str) -> None:
        """A person types `/command text`; the acknowledgement is shown as Slack shows it."""
        command, _, text = line.strip().partition(" ")
        payload = self.slack.slash_command(command, text.strip(), user=user, channel=channel)
        answer = self._post(urlencode(payload).encode(), "application/x-www-form-urlencoded")
        if answer.status != 200:
            body = {"text": f'/{command.lstrip("/")} failed with the error "{answer.status}"'}
            self.slack.show_ack(channel, user, body)
        else:
            self.slack.show_ack(channel, user, answer.json)

    def click(self, payload: JSON) -> None:
        self.interact(payload)

    def submit(self, view_id: str, user: str, values: JSON) -> JSON:
        """Submits a modal; returns the errors the bot answered with (none: it closed)."""
        answer = self.interact(self.slack.submit_view(view_id, user, values))
        if answer.status != 200:
            return {"": f"The app answered {answer.status}"}
        return self.slack.answer_submission(view_id, user, answer.json)

    def open_home(self, user: str) -> None:
        """A person opens the app's Home tab: Slack sends `app_home_opened`."""
        view = self.slack.home_view(user)
        event: dict[str, Any] = {
            "type": "app_home_opened",
            "user": user,
            "channel": self.slack.im_channel(user),
            "tab": "home",
            "event_ts": f"{time.time():.6f}",
        }
        if view is not None:
            event["view"] = view.to_slack()
        self.event(event)
