"""Documents on Slack: the post-mortem as the incident channel's canvas and as a file, charts
and exports as files."""

import logging
import re
import time
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.adapters.slack.client import error_code, in_plain_words
from bot.errors import ChatUnavailable
from bot.ports import CanvasRef, Chart

log = logging.getLogger(__name__)

# Slack documents no canvas size; this stays well inside what canvases are known to hold.
CANVAS_MAX_CHARS = 90_000
# Where a channel canvas can't be made, a standalone canvas tabbed in the channel can.
_NO_CHANNEL_CANVAS = {
    "channel_canvas_already_exists",
    "team_tier_cannot_create_channel_canvases",
    "channel_canvas_creation_failed",
    "free_team_canvas_tab_already_exists",
}
_GONE = {"canvas_not_found", "canvas_deleted"}
_LOCKED_RETRIES = 2
_CANVAS_MENTION = re.compile(r"!\[\]\(@([UW][A-Za-z0-9_]+)\)")
_CANVAS_CHANNEL = re.compile(r"!\[\]\(#([CG][A-Za-z0-9_]+)\)")


@dataclass
class SlackDocuments:
    client: WebClient
    max_chars: int = CANVAS_MAX_CHARS
    _names: dict[str, str] = field(default_factory=dict)

    def write_canvas(
        self, channel_id: str, title: str, markdown: str, canvas_id: str | None, *, ours: str
    ) -> CanvasRef:
        content = {"type": "markdown", "markdown": markdown}
        if canvas_id is not None and self._replace(canvas_id, content):
            return CanvasRef(canvas_id, self.url(canvas_id))
        try:
            created = self.client.conversations_canvases_create(
                channel_id=channel_id, title=title, document_content=content
            )
        except SlackApiError as error:
            if error_code(error) not in _NO_CHANNEL_CANVAS:
                raise _refused("create the post-mortem canvas", error) from error
            adopted = self._channel_canvas_if_ours(channel_id, ours)
            if adopted is not None and self._replace(adopted, content):
                return CanvasRef(adopted, self.url(adopted))
            created = self._tabbed_canvas(channel_id, title, content)
        new_id = str(created["canvas_id"])
        return CanvasRef(new_id, self.url(new_id))

    def _replace(self, canvas_id: str, content: dict[str, str]) -> bool:
        """Replaces the whole canvas; False when it is gone. Someone editing the canvas
        locks it for a moment: that is waited out, briefly."""
        for attempt in range(_LOCKED_RETRIES + 1):
            try:
                self.client.canvases_edit(
                    canvas_id=canvas_id,
                    changes=[{"operation": "replace", "document_content": content}],
                )
                return True
            except SlackApiError as error:
                code = error_code(error)
                if code in _GONE:
                    log.info("canvas %s is gone; creating a new one", canvas_id)
                    return False
                if code != "canvas_editing_locked" or attempt == _LOCKED_RETRIES:
                    raise _refused("update the post-mortem canvas", error) from error
                time.sleep(1 + attempt)
        return False

    def _channel_canvas_if_ours(self, channel_id: str, ours: str) -> str | None:
        """The channel's canvas when it is the one a dead process wrote (its first heading
        contains `ours`); None when the canvas is someone else's."""
        try:
            info = self.client.conversations_info(channel=channel_id)["channel"]
            canvas_id = ((info.get("properties") or {}).get("canvas") or {}).get("file_id")
            if not canvas_id:
                return None
            found = self.client.canvases_sections_lookup(
                canvas_id=canvas_id, criteria={"section_types": ["h1"], "contains_text": ours}
            )["sections"]
        except SlackApiError as error:
            log.warning("could not look at the canvas of %s: %s", channel_id, error_code(error))
            return None
        return str(canvas_id) if found else None

    def _tabbed_canvas(self, channel_id: str, title: str, content: dict[str, str]) -> Any:
        """A standalone canvas in a tab of the channel, which its members may edit."""
        try:
            created = self.client.canvases_create(
                title=title, document_content=content, channel_id=channel_id
            )
            self.client.canvases_access_set(
                canvas_id=created["canvas_id"], access_level="write", channel_ids=[channel_id]
            )
        except SlackApiError as error:
            raise _refused("create the post-mortem canvas", error) from error
        return created

    def replace_line(self, canvas_id: str, marker: str, markdown: str) -> bool:
        try:
            found = self.client.canvases_sections_lookup(
                canvas_id=canvas_id,
                criteria={"section_types": ["any_header"], "contains_text": marker},
            )["sections"]
            if not found:
                return False
            self.client.canvases_edit(
                canvas_id=canvas_id,
                changes=[
                    {
                        "operation": "replace",
                        "section_id": found[0]["id"],
                        "document_content": {"type": "markdown", "markdown": markdown},
                    }
                ],
            )
        except SlackApiError as error:
            if error_code(error) in _GONE:
                return False
            raise _refused("update the post-mortem canvas", error) from error
        return True

    def upload_markdown(
        self, channel_id: str, filename: str, title: str, content: str, comment: str
    ) -> None:
        """Uploads `content` (canvas Markdown) as a portable Markdown file: canvas-only
        mentions become @names."""
        portable = _CANVAS_MENTION.sub(lambda m: f"@{self._name(m[1])}", content)
        portable = _CANVAS_CHANNEL.sub(lambda m: f"<#{m[1]}>", portable)
        try:
            self.client.files_upload_v2(
                channel=channel_id,
                content=portable,
                filename=filename,
                title=title,
                snippet_type="markdown",
                initial_comment=comment,
            )
        except SlackApiError as error:
            raise _refused("upload the post-mortem", error) from error

    def upload_image(self, chart: Chart) -> str:
        try:
            uploaded = self.client.files_upload_v2(
                file=chart.png, filename=chart.filename, title=chart.title, alt_txt=chart.alt_text
            )
        except SlackApiError as error:
            raise _refused("upload the chart", error) from error
        return str(uploaded["file"]["id"])

    def upload_text(self, to: str, filename: str, title: str, content: str, comment: str) -> None:
        try:
            channel = to
            if to[:1] in ("U", "W"):  # a person: their direct messages with Sitrep
                channel = str(self.client.conversations_open(users=to)["channel"]["id"])
            self.client.files_upload_v2(
                channel=channel,
                content=content,
                filename=filename,
                title=title,
                initial_comment=comment,
            )
        except SlackApiError as error:
            raise _refused(f"upload {filename}", error) from error

    def url(self, canvas_id: str) -> str:
        """The canvas's address: the workspace's URL, its team and the canvas's file ID."""
        return f"{self._workspace['url'].rstrip('/')}/docs/{self._workspace['team_id']}/{canvas_id}"

    @cached_property
    def _workspace(self) -> dict[str, str]:
        try:
            answer = self.client.auth_test()
        except SlackApiError as error:
            raise _refused("find the workspace's address", error) from error
        return {"url": str(answer["url"]), "team_id": str(answer["team_id"])}

    def _name(self, user_id: str) -> str:
        if user_id not in self._names:
            try:
                user = self.client.users_info(user=user_id)["user"]
                profile = user.get("profile") or {}
                self._names[user_id] = (
                    profile.get("display_name") or user.get("real_name") or user_id
                )
            except SlackApiError:
                return user_id
        return self._names[user_id]


def _refused(what: str, error: SlackApiError) -> ChatUnavailable:
    log.error("could not %s: %s", what, error_code(error))
    return ChatUnavailable(f"I couldn't {what}: {in_plain_words(error)}")
