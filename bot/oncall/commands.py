"""Parsing `/incident oncall …` into typed requests (`bot.requests`). Pure: any text gives
a request or a UsageError."""

import re
from datetime import date, datetime, time
from typing import Final

from bot.errors import UsageError
from bot.refs import MENTION
from bot.requests import (
    AddOverride,
    CancelOverride,
    EditRotation,
    ListOverrides,
    LocalMoment,
    OncallRequest,
    ShowLoad,
    ShowOncall,
    TakeShift,
)

ONCALL_USAGE: Final = (
    "/incident oncall [schedule | service]"
    "\n/incident oncall override @person <from> <to> [schedule] [layer]"
    "  (e.g. 2026-12-24 18:00 2026-12-27 09:00, or today 18:00 tomorrow 09:00: your time)"
    "\n/incident oncall take [schedule] [layer]  (takes the current or next shift)"
    "\n/incident oncall overrides [schedule]"
    "\n/incident oncall cancel <override #>"
    "\n/incident oncall load [schedule]  (pages, out-of-hours pages and hours, last 7 days)"
    "\n/incident oncall rotation [schedule] [layer] add @person [place] | remove @person"
    " | swap @person @person  (from the next handoff)"
)
_EDITS: Final = ("add", "remove", "swap")

_DAYS: Final = {"today": 0, "tomorrow": 1}
_CLOCK: Final = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")
_NAME: Final = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,79}$")
_ID: Final = re.compile(r"^#?(\d{1,9})$")


def parse_oncall(rest: str, _: list[str]) -> OncallRequest:
    """`override`, `take`, `overrides`, `cancel`, `load`, or a schedule or service name (or nothing)
    to show who is on call."""
    words = rest.split()
    verb = words[0].lower() if words else ""
    match verb:
        case "":
            return ShowOncall(None)
        case "override":
            return _override(words[1:])
        case "take":
            return TakeShift(*_names(words[1:], 2))
        case "overrides":
            return ListOverrides(*_names(words[1:], 1))
        case "load":
            return ShowLoad(*_names(words[1:], 1))
        case "rotation":
            return _rotation(words[1:])
        case "cancel":
            found = _ID.match(words[1]) if len(words) == 2 else None
            if found is None:
                raise UsageError(
                    "Which override? Give its number, e.g. `/incident oncall cancel 12`."
                )
            return CancelOverride(int(found[1]))
    if len(words) > 1:
        raise UsageError(f"`{rest[:40]}` is not an on-call command or a schedule name.")
    return ShowOncall(_names(words, 1)[0])


def _names(words: list[str], most: int) -> list[str | None]:
    """Up to `most` schedule or layer names, lower case; missing ones None."""
    if len(words) > most:
        raise UsageError(f"Too many words: `{' '.join(words)[:60]}`.")
    for word in words:
        if not _NAME.match(word):
            raise UsageError(f"`{word[:40]}` is not a schedule, service or layer name.")
    found: list[str | None] = [w.lower() for w in words]
    return found + [None] * (most - len(found))


def _rotation(words: list[str]) -> ShowOncall | EditRotation:
    """`[schedule] [layer]`, then `add @person [place]`, `remove @person` or `swap @a @b`;
    without an edit, the schedule is shown."""
    at = next((i for i, w in enumerate(words) if w.lower() in _EDITS), len(words))
    schedule, layer = _names(words[:at], 2)
    if at == len(words):
        return ShowOncall(schedule)
    action, rest = words[at].lower(), words[at + 1 :]
    people = [m[1] for w in rest if (m := MENTION.match(w))]
    others = [w for w in rest if not MENTION.match(w)]
    wanted = 2 if action == "swap" else 1
    if len(people) != wanted:
        whom = "two people" if wanted == 2 else "one person"
        raise UsageError(f"`{action}` takes {whom}, mentioned with @.", ONCALL_USAGE)
    position = None
    if action == "add" and len(others) == 1 and others[0].isdigit() and 0 < int(others[0]) < 100:
        position, others = int(others[0]), []
    if others:
        extra = " ".join(others)[:40]
        raise UsageError(f"`{extra}`: I don't know what that is here.", ONCALL_USAGE)
    return EditRotation(schedule, layer, action, tuple(people), position)


def _override(words: list[str]) -> AddOverride:
    if not words or not (mention := MENTION.match(words[0])):
        raise UsageError("Who covers? Mention them with @ first, then from and to.")
    starts, words = _moment(words[1:], "from")
    ends, words = _moment(words, "to")
    schedule, layer = _names(words, 2)
    return AddOverride(mention[1], starts, ends, schedule, layer)


def _moment(words: list[str], what: str) -> tuple[LocalMoment, list[str]]:
    """A day and a time (`2026-12-24 18:00`, `today 18:00`, or `2026-12-24T18:00`) at the
    start of `words`, and the words after it."""
    if not words:
        raise UsageError(f"When {what}? Write a day and a time, like `2026-12-24 18:00`.")
    first = words[0].lower()
    if "t" in first and first[:1].isdigit():
        try:
            both = datetime.fromisoformat(first.upper())
        except ValueError:
            raise UsageError(f"`{words[0][:30]}` is not a date and time.") from None
        if both.tzinfo is not None:
            raise UsageError("Leave out the timezone: times are read in yours.")
        return LocalMoment(both.date(), both.time().replace(second=0, microsecond=0)), words[1:]
    day = _day(words[0])
    if len(words) < 2:
        raise UsageError(f"At what time {what}? Write it after the day, like `18:00`.")
    return LocalMoment(day, _clock(words[1])), words[2:]


def _day(word: str) -> date | int:
    if word.lower() in _DAYS:
        return _DAYS[word.lower()]
    try:
        return date.fromisoformat(word)
    except ValueError:
        raise UsageError(
            f"`{word[:30]}` is not a day: write `today`, `tomorrow` or a date like `2026-12-24`."
        ) from None


def _clock(word: str) -> time:
    found = _CLOCK.match(word)
    if found is None:
        raise UsageError(f"`{word[:30]}` is not a time like `18:00`.")
    return time(int(found[1]), int(found[2]))
