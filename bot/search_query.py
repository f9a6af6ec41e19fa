"""Parsing `/incident search` text: words to find and filters. Pure: any text gives a
request or a UsageError. The words are data, never query syntax: the search adapters
quote or bind every one of them."""

import re
from collections.abc import Callable
from datetime import date
from typing import Final

from bot.errors import UsageError
from bot.requests import SearchIncidents
from models.enums import Status

MAX_TERMS: Final = 8  # more words than this are ignored: they rarely narrow a search
MAX_TERM: Final = 64  # characters of one word
MAX_QUERY: Final = 500  # characters of the whole text, filters included
_FILTER: Final = re.compile(r"^(service|sev|status|after|before):(.*)$", re.IGNORECASE)
_WORD: Final = re.compile(r"\w")

SEARCH_USAGE: Final = (
    "/incident search <words> [service:<name>] [sev:<N>] [status:<status>]"
    " [after:2026-01-31] [before:2026-12-31]"
)


def parse_search(text: str, severity: Callable[[str], str]) -> SearchIncidents:
    """The search `text` asks for; `severity` checks a severity (raising UsageError)."""
    text = text.strip()
    if len(text) > MAX_QUERY:
        raise UsageError(f"That search is {len(text)} characters; keep it under {MAX_QUERY}.")
    filters: dict[str, str] = {}
    terms: list[str] = []
    for word in text.split():
        match = _FILTER.match(word)
        if match and match[2]:
            filters[match[1].lower()] = match[2]
        elif _WORD.search(word):  # words of punctuation or emoji only find nothing
            terms.append(word[:MAX_TERM])
    if not terms:
        raise UsageError("What should I search for? Give a word or two, e.g. `database timeout`.")
    after, before = _day(filters.get("after")), _day(filters.get("before"))
    if after and before and after >= before:
        raise UsageError(f"`after:{after}` is not before `before:{before}`.")
    return SearchIncidents(
        terms=tuple(dict.fromkeys(terms))[:MAX_TERMS],
        service=filters.get("service"),
        severity=severity(filters["sev"]) if "sev" in filters else None,
        status=_status(filters.get("status")),
        after=after,
        before=before,
        text=text,
    )


def _status(text: str | None) -> Status | None:
    if text is None:
        return None
    try:
        return Status(text.lower())
    except ValueError:
        known = ", ".join(s.value for s in Status)
        raise UsageError(f"`{text[:30]}` is not a status: use one of {known}.") from None


def _day(text: str | None) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise UsageError(f"`{text[:20]}` is not a date like `2026-12-01`.") from None
