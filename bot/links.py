"""Links attached to incidents: how they are named and when the linked thing happened. Pure."""

from datetime import UTC, datetime, time, timedelta
from typing import Final
from urllib.parse import quote, urlsplit
from zoneinfo import ZoneInfo

from bot.errors import UsageError
from models import LinkKind

# A time as a command gives it: a time of day, or a date and time (naive or aware).
Moment = time | datetime

MAX_URL: Final = 2000
MAX_LINK_TITLE: Final = 200
# Characters a URL may carry as they are; anything else (spaces, quotes, `<>|{}`, non-ASCII)
# is percent-encoded, so the stored link is one browsers and Slack's markup both take.
_URL_SAFE: Final = "!#$%&'()*+,-./:;=?@[]_~"

_ARTICLE: Final = {LinkKind.ALERT: "an"}


def web_address(text: str) -> str:
    """`text` as an absolute http(s) URL, percent-encoded where it must be (the same URL
    again for one it returned); raises UsageError, saying why, for anything else."""
    refused = UsageError(
        f"`{text[:60]}` is not a web address. Paste the whole link, starting with https://."
    )
    url = text.strip()
    if any(c.isspace() or ord(c) < 32 or ord(c) == 127 for c in url):
        raise refused
    try:
        parts = urlsplit(url)
        port = parts.port  # raises for a port that is not a number
    except ValueError:
        raise refused from None
    scheme, host = parts.scheme.lower(), parts.hostname
    if scheme not in ("http", "https") or not host:
        raise refused
    if not url.lower().startswith(f"{scheme}://{parts.netloc.lower()}"):
        raise refused  # e.g. `https:example.com`, which urlsplit reads leniently
    if "@" in parts.netloc:
        raise UsageError("That link carries a user name or password; share it without them.")
    if not host.isascii():
        try:
            host = host.encode("idna").decode("ascii")
        except UnicodeError:
            raise refused from None
    host = f"[{host}]" if ":" in host else host
    netloc = host + (f":{port}" if port is not None else "")
    after = url[len(scheme) + 3 + len(parts.netloc) :]
    normal = f"{scheme}://{netloc}{quote(after, safe=_URL_SAFE)}"
    if len(normal) > MAX_URL:
        raise UsageError(f"That link is {len(normal)} characters; links take at most {MAX_URL}.")
    return normal


def described(kind: LinkKind) -> str:
    """`a deploy`, `an alert`; `a link` for the kind that names nothing more."""
    return f"{_ARTICLE.get(kind, 'a')} {kind.value}"


def resolved(moment: Moment, now: datetime, zone: ZoneInfo) -> datetime:
    """`moment` as an aware UTC datetime. A time of day is the latest one not after `now`
    (today, else yesterday) in `zone`; a naive datetime is read in `zone`."""
    if isinstance(moment, datetime):
        aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=zone)
        return aware.astimezone(UTC)
    local = now.astimezone(zone)
    today = datetime.combine(local.date(), moment, tzinfo=zone)
    if today > local:
        today = datetime.combine(local.date() - timedelta(days=1), moment, tzinfo=zone)
    return today.astimezone(UTC)


def markup(url: str, label: str = "") -> str:
    """The link as Slack markup, `<url|label>`, `label` (markup or plain text) shown as its
    text: `&`, `<` and `>` escaped in both, so nothing can end the link early or forge one."""
    target = escaped(url).replace("|", "%7C")
    shown = escaped(unescaped(label)).replace("\n", " ")
    return f"<{target}|{shown}>" if shown.strip() else f"<{target}>"


def unescaped(markup: str) -> str:
    """Slack markup's text as typed: Slack escapes exactly &, < and > (no other entity)."""
    return markup.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def escaped(text: str) -> str:
    """Text as Slack-style markup, the form Sitrep stores text in: shown as written, never
    a mention or a link (`unescaped` undoes it)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
