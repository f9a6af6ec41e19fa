"""Web API methods: bookmarks (links in a channel's header).

Rules from docs.slack.dev/reference/methods/bookmarks.add: `channel_id`, `title` and `type`
are required, `type` is only `link`, whose `link` must begin with http:// or https://
(`invalid_link`), an emoji must look like `:name:` (`invalid_emoji`), and a conversation
holds at most 100 bookmarks (`too_many_bookmarks`). The docs do not say whether the caller
must be a member; like chat.postMessage the fake asks it (`not_in_channel`), and refuses
an archived channel (`is_archived`), so code that passes here passes on Slack either way.
"""

from __future__ import annotations

import re
import string
from typing import Final

from ..decoding import Args, SlackError, invalid_arguments
from ..identities import JSON
from ..records import Bookmark
from ..workspace import Workspace
from .registry import api

MAX_BOOKMARKS: Final = 100
_EMOJI: Final = re.compile(r"^:[a-z0-9_+'-]+:$")
_LINK: Final = re.compile(r"^https?://\S+$", re.IGNORECASE)


@api("bookmarks.add")
def bookmarks_add(ws: Workspace, args: Args) -> JSON:
    channel = ws.joined_channel(args.text("channel_id") or "")
    if channel.is_archived:
        raise SlackError("is_archived")
    title = args.text("title")
    if not title or not title.strip():
        raise invalid_arguments("missing required field: title")
    kind = args.text("type")
    if kind is None:
        raise invalid_arguments("missing required field: type")
    if kind != "link":
        raise SlackError("invalid_bookmark_type")
    link = args.text("link") or ""
    if not _LINK.match(link):
        raise SlackError("invalid_link")
    emoji = args.text("emoji")
    if emoji is not None and not _EMOJI.match(emoji):
        raise SlackError("invalid_emoji")
    kept = ws.bookmarks[channel.id]
    if len(kept) >= MAX_BOOKMARKS:
        raise SlackError("too_many_bookmarks")
    bookmark = Bookmark(
        id=ws.new_id("Bk"),
        channel_id=channel.id,
        title=title,
        link=link,
        created=ws.now(),
        emoji=emoji,
        rank=_rank(len(kept)),
    )
    kept.append(bookmark)
    return {"bookmark": bookmark.to_slack()}


@api("bookmarks.list")
def bookmarks_list(ws: Workspace, args: Args) -> JSON:
    channel = ws.visible_channel(args.text("channel_id") or "")
    return {"bookmarks": [b.to_slack() for b in ws.bookmarks[channel.id]]}


def _rank(index: int) -> str:
    """Slack orders bookmarks by an opaque `rank` string; later ones sort after."""
    letters = string.ascii_lowercase
    return "z" * (index // len(letters)) + letters[index % len(letters)]
