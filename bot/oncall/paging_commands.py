"""Parsing `/incident ack` and `/incident page …` into typed requests. Pure."""

import re
from typing import Final

from bot.errors import UsageError
from bot.refs import MENTION, normalise_ref
from bot.requests import AckPages, PageSomeone

PAGING_USAGE: Final = {
    "ack": "/incident ack [INC-…]  (acknowledges your pages: escalation stops)",
    "page": "/incident page @person | <schedule>[/<layer>] [INC-…]",
}
_SCHEDULE: Final = re.compile(
    r"^[A-Za-z0-9][A-Za-z0-9._-]{0,79}(?:/[A-Za-z0-9][A-Za-z0-9_-]{0,39})?$"
)


def parse_ack(rest: str, _: list[str]) -> AckPages:
    words = rest.split()
    if not words:
        return AckPages(None)
    ref = normalise_ref(words[0]) if len(words) == 1 else None
    if ref is None:
        raise UsageError(f"`{rest[:40]}` is not an incident ID like INC-2026-0042.")
    return AckPages(ref)


def parse_page(rest: str, _: list[str]) -> PageSomeone:
    """A mentioned person or a schedule (its first layer, or `schedule/layer`), then
    optionally the incident."""
    words = rest.split()
    if not words:
        raise UsageError("Whom should I page? Mention a person with @ or name a schedule.")
    ref = None
    if len(words) > 1:
        ref = normalise_ref(words[-1])
        if ref is None or len(words) > 2:
            raise UsageError(f"`{rest[:60]}`: page one person or schedule, then the incident.")
    who = words[0]
    if mention := MENTION.match(who):
        return PageSomeone(mention[1], ref)
    if who.startswith("@") or who.startswith("<"):
        raise UsageError(f"Mention the person with @ so Slack links them (got `{who[:40]}`).")
    if not _SCHEDULE.match(who):
        raise UsageError(f"`{who[:40]}` is not a person or a schedule like `payments/secondary`.")
    return PageSomeone(who.lower(), ref)
