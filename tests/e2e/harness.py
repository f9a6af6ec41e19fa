"""Drives Sitrep the way Slack does: the fake workspace builds the payloads Slack would
send when people type, click and submit; this driver signs them and POSTs them."""

import hashlib
import hmac
import json
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

import sqlalchemy as sa
from sqlmodel import Session, col, select

from bot.adapters.slack.ids import Field
from models import OutboxMessage
from tests.fakes.slack_api import FakeSlack

if TYPE_CHECKING:
    from tests.e2e.conftest import Running

SIGNING_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"


def sign(body: bytes, timestamp: int, secret: str = SIGNING_SECRET) -> str:
    base = b"v0:" + str(timestamp).encode() + b":" + body
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class Reply:
    """The app's HTTP answer to one Slack request."""

    status: int
    body: str

    @property
    def json(self) -> Any:
        return json.loads(self.body) if self.body else None

    @property
    def text(self) -> str:
        """What a person sees of an ack: its text and the text of its blocks."""
        data = self.json or {}
        return "\n".join([data.get("text", ""), *(json.dumps(b) for b in data.get("blocks", []))])


class SlackDriver:
    def __init__(self, app_url: str, slack: FakeSlack) -> None:
        self.url = app_url
        self.slack = slack

    def post(
        self,
        body: bytes,
        content_type: str,
        *,
        timestamp: int | None = None,
        signature: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> Reply:
        timestamp = int(time.time()) if timestamp is None else timestamp
        request = urllib.request.Request(
            self.url + "/slack/events",
            data=body,
            method="POST",
            headers={
                "Content-Type": content_type,
                "X-Slack-Request-Timestamp": str(timestamp),
                "X-Slack-Signature": signature or sign(body, timestamp),
                **(headers or {}),
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return Reply(response.status, response.read().decode())
        except urllib.error.HTTPError as error:
            return Reply(error.code, error.read().decode())

    def command(self, text: str, *, user: str = "U_ALICE", channel: str | None = None) -> Reply:
        """A person types `/incident <text>` in `channel` (default #general)."""
        channel = channel or self.slack.channel_by_name("general").id  # type: ignore[union-attr]
        self.last_command = self.slack.slash_command("/incident", text, user=user, channel=channel)
        return self.post(urlencode(self.last_command).encode(), "application/x-www-form-urlencoded")

    def event(
        self,
        event: dict[str, Any],
        *,
        retry_num: int | None = None,
        envelope: dict[str, Any] | None = None,
    ) -> Reply:
        """Slack delivers an event; pass the same `envelope` again to model a retry."""
        envelope = envelope or self.slack.event_callback(event)
        self.last_envelope = envelope
        headers = {}
        if retry_num is not None:
            headers = {"X-Slack-Retry-Num": str(retry_num), "X-Slack-Retry-Reason": "http_timeout"}
        return self.post(json.dumps(envelope).encode(), "application/json", headers=headers)

    def say(
        self, channel: str, text: str, *, user: str = "U_BOB", thread_ts: str | None = None
    ) -> str:
        """A person posts in a channel and Slack delivers the event; returns the message ts."""
        event = self.slack.user_posts(channel, user, text, thread_ts=thread_ts)
        reply = self.event(event)
        assert reply.status == 200, reply
        return str(event["ts"])

    def interact(self, payload: dict[str, Any]) -> Reply:
        body = urlencode({"payload": json.dumps(payload)}).encode()
        return self.post(body, "application/x-www-form-urlencoded")

    def click(self, channel: str, ts: str, label: str, *, user: str) -> Reply:
        """A person clicks the button labelled `label` on the message at `ts`."""
        action_id = _button(self.slack.message(channel, ts).blocks, label)["action_id"]
        return self.interact(self.slack.click(channel, ts, action_id, user))

    def choose(self, channel: str, ts: str, action_id: str, value: str, *, user: str) -> Reply:
        """A person picks an option (or, in a users select, a person) on a message."""
        payload = self.slack.click(channel, ts, action_id, user, value)
        return self.interact(payload)

    def shortcut(self, callback_id: str, *, user: str = "U_ALICE") -> Reply:
        payload = {
            "type": "shortcut",
            "token": "verification_token",
            "action_ts": f"{time.time():.6f}",
            "team": {"id": "T_TEST", "domain": "sitrep-test"},
            "user": {"id": user, "username": user.lower(), "team_id": "T_TEST"},
            "is_enterprise_install": False,
            "enterprise": None,
            "callback_id": callback_id,
            "trigger_id": self.slack.issue_trigger_id(user),
        }
        return self.interact(payload)

    def submit(self, view_id: str, values: dict[str, Any], *, user: str = "U_ALICE") -> Reply:
        """A person submits the open modal `view_id` with `values` as view.state.values."""
        return self.interact(self.slack.submit_view(view_id, user, values))


def _button(blocks: list[dict[str, Any]], label: str) -> dict[str, Any]:
    for block in blocks:
        for element in [*block.get("elements", []), block.get("accessory") or {}]:
            if element.get("type") == "button" and element["text"]["text"] == label:
                return element
    labels = [
        e["text"]["text"]
        for b in blocks
        for e in b.get("elements", [])
        if isinstance(e, dict) and e.get("type") == "button"
    ]
    raise AssertionError(f"no button {label!r}; the message has {labels}")


def declare_form(
    title: str,
    severity: str | None,
    *,
    description: str | None = None,
    started: int | None = None,
    commander: str | None = None,
    private: bool = False,
) -> dict[str, Any]:
    """The declare modal's view.state.values as Slack sends them when a person submits it."""
    option = (
        None
        if severity is None
        else {"text": {"type": "plain_text", "text": severity.upper()}, "value": severity}
    )
    values: dict[str, Any] = {
        Field.TITLE: {"type": "plain_text_input", "value": title},
        Field.SEVERITY: {"type": "static_select", "selected_option": option},
        Field.PRIVATE: {
            "type": "checkboxes",
            "selected_options": [
                {"text": {"type": "plain_text", "text": "Private"}, "value": "private"}
            ]
            if private
            else [],
        },
    }
    if description is not None:
        values[Field.DESCRIPTION] = {"type": "plain_text_input", "value": description}
    if started is not None:
        values[Field.IMPACT_STARTED] = {"type": "datetimepicker", "selected_date_time": started}
    if commander is not None:
        values[Field.COMMANDER] = {"type": "users_select", "selected_user": commander}
    return {block: {block: state} for block, state in values.items()}


def eventually(condition: Callable[[], bool], timeout: float = 60) -> None:
    """Polls the database until `condition` holds: nothing notifies the test of its changes."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition still false"
        time.sleep(0.05)


def close_form(
    *,
    resolution: str | None = None,
    root_cause: str | None = None,
    unknown: bool = False,
    category: str | None = None,
    waiver: str | None = None,
    no_follow_up: str | None = None,
    runbook: str | None = None,
) -> dict[str, Any]:
    """The closing checklist's view.state.values for the answers given (the fields of items
    already done are not on the form)."""

    def option(value: str) -> dict[str, Any]:
        return {"text": {"type": "plain_text", "text": value}, "value": value}

    values: dict[str, Any] = {}
    texts = {
        Field.CLOSE_RESOLUTION: resolution,
        Field.CLOSE_ROOT_CAUSE: root_cause,
        Field.CLOSE_POSTMORTEM: waiver,
        Field.CLOSE_FOLLOW_UP: no_follow_up,
    }
    for field, text in texts.items():
        if text is not None:
            values[field] = {"type": "plain_text_input", "value": text}
    if unknown:
        values[Field.CLOSE_ROOT_UNKNOWN] = {
            "type": "checkboxes", "selected_options": [option("unknown")],
        }  # fmt: skip
    if category is not None:
        values[Field.CLOSE_CATEGORY] = {
            "type": "static_select",
            "selected_option": option(category),
        }
    if runbook is not None:
        values[Field.CLOSE_RUNBOOK] = {"type": "radio_buttons", "selected_option": option(runbook)}
    return {block: {block: state} for block, state in values.items()}


def tick(running: "Running") -> None:
    """The scheduler's job, then what a sender already at work sends once done: a channel's
    posts go out in order, so a notice due now may wait behind a change's post still being
    sent after its command (and that sender may take what the tick queued). Waits for all
    that is due when the tick ends (the app's clock, the test's too): a page or burnout
    warning the tick queues is due at its own reading of the clock. Not for a message
    waiting out a refusal nor for those behind it to the same place (a later tick's), so a
    tick during or after Slack's refusals ends."""
    running.sitrep.tick()
    ended = running.sitrep.deps.clock()
    eventually(lambda: not _owed(running, ended))


def _owed(running: "Running", now: datetime) -> list[OutboxMessage]:
    """Messages due and not sent, none of them waiting out a refusal or queued behind one."""
    earlier = sa.orm.aliased(OutboxMessage)
    behind_a_refusal = (
        sa.select(col(earlier.id))
        .where(
            col(earlier.target) == col(OutboxMessage.target),
            col(earlier.id) < col(OutboxMessage.id),
            col(earlier.sent_at).is_(None),
            col(earlier.cancelled_at).is_(None),
            col(earlier.due_at) <= now,
            col(earlier.last_error) != "",
        )
        .exists()
    )
    with Session(running.sitrep.engine) as session:
        return list(
            session.exec(
                select(OutboxMessage).where(
                    col(OutboxMessage.sent_at).is_(None),
                    col(OutboxMessage.cancelled_at).is_(None),
                    col(OutboxMessage.due_at) <= now,
                    col(OutboxMessage.last_error) == "",
                    ~behind_a_refusal,
                )
            )
        )
