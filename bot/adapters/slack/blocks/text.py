"""Text for Slack: its limits, its markup and its times. Pure."""

import html
import re
from datetime import datetime
from typing import Final

from bot.actors import api_name
from models import Status

# Slack's limits (https://docs.slack.dev/reference/block-kit): exceeding any is invalid_blocks.
MAX_BLOCKS: Final = 50
MAX_SECTION: Final = 3000
MAX_FIELD: Final = 2000
MAX_HEADER: Final = 150
MAX_OPTION: Final = 75
MAX_FALLBACK: Final = 3000

STATUS_EMOJI: Final = {
    Status.DECLARED: ":rotating_light:",
    Status.INVESTIGATING: ":mag:",
    Status.IDENTIFIED: ":dart:",
    Status.MITIGATED: ":adhesive_bandage:",
    Status.RESOLVED: ":white_check_mark:",
    Status.CLOSED: ":lock:",
}


def actor_mention(author: str | None) -> str:
    """Who did something, in mrkdwn: a person, a system through the API, or Sitrep itself."""
    if not author:
        return "Sitrep"
    if (name := api_name(author)) is not None:
        return f"*{escape(name)}* (API)"
    return f"<@{author}>"


def clip(text: str, limit: int) -> str:
    """`text` cut to `limit` characters, marked with an ellipsis when cut."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def escape(text: str) -> str:
    """Raw text (modal input, policy, file names) into Slack markup: &, < and > escaped, so
    it shows as typed and cannot forge mentions or links."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


_BROADCAST = re.compile(r"<!(channel|here|everyone|subteam\^[A-Z0-9]+)(?:\|([^>]*))?>")


def defang(markup: str) -> str:
    """Slack markup (what commands and messages carry, and what Sitrep stores) made safe to
    post again: people mentions stay, but @channel, @here, @everyone and group mentions are
    shown without notifying anyone."""
    return _BROADCAST.sub(lambda m: f"`{m[2] or '@' + m[1]}`", markup)


def plain(markup: str) -> str:
    """Slack markup as plain text, for plain_text fields such as headers."""
    return html.unescape(markup)


_LINK = re.compile(r"<((?:https?|mailto):[^|>\s]+)(?:\|([^>]*))?>", re.IGNORECASE)
_MENTION_TYPED = re.compile(r"&lt;([@#][UWCG][A-Za-z0-9_]+(?:\|[^&<>]*)?)&gt;")


def editable(markup: str) -> str:
    """Slack markup as a person would type it into a form: links as their text and address,
    entities unescaped. Mentions stay as Slack writes them (`from_form` keeps them)."""

    def link(match: re.Match[str]) -> str:
        url, label = match[1], match[2]
        return f"{label} ({url})" if label and label != url else url

    return html.unescape(_LINK.sub(link, markup))


def from_form(text: str) -> str:
    """What a person typed in a form, as markup that shows it as typed, except that people
    and channel mentions (`<@U123>`, `<#C123>`, as `editable` leaves them) stay mentions."""
    return _MENTION_TYPED.sub(lambda m: f"<{m[1]}>", escape(text))


def when(moment: datetime, fmt: str = "{date_short_pretty} {time}") -> str:
    """A time each reader sees in their own timezone (Slack's date formatting)."""
    fallback = moment.strftime("%Y-%m-%d %H:%M UTC")
    return f"<!date^{int(moment.timestamp())}^{fmt}|{fallback}>"


def duration(start: datetime, end: datetime) -> str:
    seconds = max(0, int((end - start).total_seconds()))
    if seconds < 60:  # second-scale cadences, in demos and tests
        return f"{seconds}s"
    minutes = seconds // 60
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    parts = [f"{days}d"] if days else []
    parts += [f"{hours}h"] if hours else []
    parts.append(f"{minutes}m")
    return " ".join(parts)
