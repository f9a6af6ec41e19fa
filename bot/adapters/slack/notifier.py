"""Notifier on Slack: outbox messages posted with their key in the message metadata, so a
message a dead sender posted can be found instead of posted again."""

import logging
from collections.abc import Sequence
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.models.blocks import Block

from bot.adapters.slack.blocks.action_items import reminder, reminder_text
from bot.adapters.slack.blocks.alerts import triage_post, triage_text
from bot.adapters.slack.blocks.incident import entry_post
from bot.adapters.slack.blocks.insights import digest_blocks, digest_text, without_pictures
from bot.adapters.slack.blocks.links import bookmark_title
from bot.adapters.slack.blocks.load import burnout_blocks, burnout_text
from bot.adapters.slack.blocks.notices import notice, notice_text
from bot.adapters.slack.blocks.paging import (
    acknowledged_blocks,
    escalated_blocks,
    page_blocks,
    page_text,
    unanswered_blocks,
    unanswered_text,
)
from bot.adapters.slack.blocks.text import MAX_FALLBACK, clip, defang
from bot.adapters.slack.blocks.updates import update_post, update_text
from bot.adapters.slack.blocks.webhooks import disabled_blocks, disabled_text
from bot.adapters.slack.client import (
    UNANSWERED,
    error_code,
    find_message_with_metadata,
    in_plain_words,
)
from bot.config import Policy
from bot.errors import ChannelArchived, ChatUnavailable, RateLimited, Undeliverable
from bot.insights.service import Digest
from bot.ports import Clock
from bot.scheduling.due import Situation
from bot.scheduling.followups import Followup
from models import AlertTriage, EntryKind, Incident, OutboxMessage, Page, TimelineEntry

log = logging.getLogger(__name__)

EVENT_TYPE = "sitrep_notice"
# Answers that trying again cannot change.
_PERMANENT = {
    "channel_not_found", "is_archived", "missing_scope", "not_in_channel", "user_not_found",
    "user_disabled", "cannot_dm_bot", "restricted_action", "invalid_blocks", "invalid_metadata",
    "invalid_metadata_format", "invalid_metadata_schema", "msg_too_long", "no_text",
    "thread_not_found",
}  # fmt: skip
# How far before a message was queued its post may be (clocks of replicas differ a little).
_SKEW = timedelta(minutes=2)


class SlackNotifier:
    """Its client must not sleep through rate limits (the sender holds a lease): a 429 is
    given back to the outbox to try again after Retry-After."""

    def __init__(self, client: WebClient, policy: Policy, clock: Clock) -> None:
        self._client, self._policy, self._clock = client, policy, clock

    def send(self, message: OutboxMessage, situation: Situation) -> str:
        now = self._clock()
        return self._post(
            message,
            notice(message, situation, now, self._policy.reminders.snoozes),
            notice_text(message, situation, now),
        )

    def send_followup(self, message: OutboxMessage, followups: Sequence[Followup]) -> str:
        today = self._clock().astimezone(ZoneInfo(self._policy.timezone)).date()
        return self._post(
            message,
            reminder(message.kind, followups, today),
            reminder_text(message.kind, followups, today),
        )

    def send_digest(self, message: OutboxMessage, digest: Digest) -> str:
        blocks = digest_blocks(digest, self._policy.follow_through_within)
        try:
            return self._post(message, blocks, digest_text(digest))
        except Undeliverable as error:
            if not digest.pictures or error.code != "invalid_blocks":
                raise
            # The charts are still being processed: the numbers go out without them.
            return self._post(message, without_pictures(blocks), digest_text(digest))

    def send_update(self, message: OutboxMessage) -> str:
        return self._post(message, update_post(message.data), update_text(message.data))

    def send_triage(self, message: OutboxMessage, triage: AlertTriage) -> str:
        return self._post(message, triage_post(triage), triage_text(triage))

    def send_burnout(self, message: OutboxMessage) -> str:
        return self._post(message, burnout_blocks(message.data), burnout_text(message.data))

    def send_webhook_disabled(self, message: OutboxMessage) -> str:
        return self._post(message, disabled_blocks(message.data), disabled_text(message.data))

    def send_entry(
        self, message: OutboxMessage, incident: Incident, entry: TimelineEntry
    ) -> str | None:
        post = entry_post(entry, self._policy)
        if post is None:
            return None
        # Suggestions go in the announcement's thread: there to read, not in the way.
        thread = message.data.get("thread") if entry.kind is EntryKind.SIMILAR_INCIDENTS else None
        ts = self._post(message, post, defang(entry.text), thread_ts=thread)
        if entry.kind is EntryKind.LINK:
            # After the post, so a refused post (tried again) never bookmarks twice; a
            # refused bookmark is logged and the link stays on the announcement.
            try:
                self._client.bookmarks_add(
                    channel_id=message.target,
                    title=bookmark_title(entry),
                    type="link",
                    link=entry.data["url"],
                )
            except SlackApiError as error:
                log.error("bookmark of %s failed: %s", incident.ref, error_code(error))
        return ts

    def send_page(self, message: OutboxMessage, page: Page, incident: Incident) -> str:
        return self._post(message, page_blocks(page, incident), page_text(page, incident))

    def send_unanswered(self, message: OutboxMessage, incident: Incident) -> str:
        return self._post(message, unanswered_blocks(incident), unanswered_text(incident))

    def show_acknowledged(self, page: Page, ts: str, incident: Incident) -> None:
        """The sent page now says who acknowledged, without its buttons."""
        self._update_page(page, ts, incident, acknowledged_blocks(page, incident))

    def show_escalated(self, page: Page, to: Sequence[Page], ts: str, incident: Incident) -> None:
        """The sent page now says whom its level was escalated to, without its buttons."""
        self._update_page(page, ts, incident, escalated_blocks(page, to, incident))

    def _update_page(self, page: Page, ts: str, incident: Incident, blocks: list[Block]) -> None:
        try:
            self._client.chat_update(
                channel=self._channel(page.target),
                ts=ts,
                blocks=blocks,
                text=clip(page_text(page, incident), MAX_FALLBACK),
            )
        except SlackApiError as error:
            raise _refusal(error) from error

    def _post(
        self, message: OutboxMessage, blocks: list[Block], text: str, thread_ts: str | None = None
    ) -> str:
        post: dict[str, Any] = {
            "blocks": blocks,
            "text": clip(text, MAX_FALLBACK),
            "metadata": _naming(message),
        }
        if thread_ts:
            post["thread_ts"] = thread_ts
        try:
            post["channel"] = self._channel(message.target)  # a person's: opens the DM
            try:
                posted = self._client.chat_postMessage(**post)
            except SlackApiError as error:
                if error_code(error) != "not_in_channel":
                    raise
                # An escalation channel Sitrep was never added to: public ones it can join.
                self._client.conversations_join(channel=post["channel"])
                posted = self._client.chat_postMessage(**post)
        except SlackApiError as error:
            log.warning("%s not sent: %s", message.key, error_code(error))
            raise _refusal(error) from error
        except OSError as error:
            # No answer in time (or the connection dropped): Slack may have posted it all the
            # same. Retried after a backoff, when the message's key is looked for first.
            log.warning("%s maybe not sent: %r", message.key, error)
            raise ChatUnavailable(UNANSWERED, "no_answer") from error
        return str(posted["ts"])

    def find_sent(self, message: OutboxMessage) -> str | None:
        since, metadata = message.created_at - _SKEW, _naming(message)
        try:
            channel = self._channel(message.target)
            found = find_message_with_metadata(self._client, channel, metadata, since=since)
            if found is None and message.data.get("thread"):  # a reply is not in the history
                found = find_message_with_metadata(
                    self._client, channel, metadata, since=since, thread_ts=message.data["thread"]
                )
            return found
        except SlackApiError as error:
            refusal = _refusal(error)
            if isinstance(refusal, Undeliverable):
                # The history can't be read (a scope, a channel left): sending is better than
                # never sending, at the small risk of a second copy.
                log.warning("cannot look for %s in Slack: %s", message.key, error_code(error))
                return None
            raise refusal from error
        except OSError as error:
            raise ChatUnavailable(UNANSWERED, "no_answer") from error

    def _channel(self, target: str) -> str:
        """A user ID means a direct message: its conversation's ID."""
        if target[:1] not in ("U", "W"):
            return target
        opened = self._client.conversations_open(users=target)
        return str(opened["channel"]["id"])


def _naming(message: OutboxMessage) -> dict[str, Any]:
    """Message metadata naming the outbox message: how its post is found again."""
    return {"event_type": EVENT_TYPE, "event_payload": {"key": message.key}}


def _refusal(error: SlackApiError) -> ChatUnavailable:
    code = error_code(error)
    if error.response.status_code == 429 or code == "ratelimited":
        retry_after = float(error.response.headers.get("Retry-After", "1") or 1)
        return RateLimited(in_plain_words(error), retry_after)
    if code == "is_archived":
        return ChannelArchived(in_plain_words(error), code)
    if code in _PERMANENT:
        return Undeliverable(in_plain_words(error), code)
    return ChatUnavailable(in_plain_words(error), code)
