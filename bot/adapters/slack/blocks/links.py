"""What Slack shows of an incident's links: the announcement's list, the channel post and
the channel bookmark. Pure."""

from collections.abc import Sequence
from datetime import datetime
from typing import Final
from urllib.parse import urlsplit

from slack_sdk.models.blocks import Block, MarkdownTextObject, SectionBlock

from bot.adapters.slack.blocks.text import MAX_SECTION, clip, editable, escape, when
from bot.links import MAX_LINK_TITLE, described, markup, unescaped
from models import IncidentLink, LinkKind, TimelineEntry

SHOWN_LINKS: Final = 10  # on the announcement; the rest are counted (all are bookmarked)
_LABEL: Final = 60  # characters of a link's address shown when it has no title


def link_list(links: Sequence[IncidentLink]) -> list[Block]:
    """The announcement's section listing the links, kind first; none without links."""
    if not links:
        return []
    lines: list[str] = []
    for link in links[:SHOWN_LINKS]:
        line = f"• *{link.kind.label}* {markup(link.url, link.title or _short(link.url))}"
        # A link is shown whole or not at all: cut markup would show as garbage.
        if len("\n".join(["*Links*", *lines, line])) > MAX_SECTION - 80:
            break
        lines.append(line)
    more = len(links) - len(lines)
    if more:
        lines.append(f"_and {more} more in the channel's bookmarks_")
    text = "\n".join(["*Links*", *lines])
    return [SectionBlock(block_id="incident.links", text=MarkdownTextObject(text=text))]


def link_post(entry: TimelineEntry, who: str) -> str:
    """The post in the channel saying who linked what."""
    data = entry.data
    kind = LinkKind(data["kind"])
    url, title = data["url"], data.get("title") or ""
    link = markup(url, title)
    if len(link) > MAX_SECTION // 2:  # pathological escaping: shown unlinked, never cut
        link = escape(unescaped(title) or _short(url))
    text = f":link: {who} linked {_what(kind)}{link}"
    if data.get("happened_at"):
        text += f" (at {when(datetime.fromisoformat(data['happened_at']))})"
    return clip(text, MAX_SECTION)


def bookmark_title(entry: TimelineEntry) -> str:
    """The channel bookmark's title: the link's title as typed, else its kind and host."""
    data = entry.data
    title = editable(data.get("title") or "").strip()
    if not title:
        title = f"{LinkKind(data['kind']).label}: {urlsplit(data['url']).hostname or ''}"
    return clip(" ".join(title.split()), MAX_LINK_TITLE)


def _what(kind: LinkKind) -> str:
    return "" if kind is LinkKind.OTHER else f"{described(kind)}: "


def _short(url: str) -> str:
    """The address without its scheme, clipped: what a link without a title shows."""
    return clip(url.split("://", 1)[-1], _LABEL)
