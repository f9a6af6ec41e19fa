"""The periods insights cover: the last N days, a calendar quarter, a week. Pure.

A period is half-open, [start, end), in UTC; quarters and weeks are counted on the
organisation's calendar."""

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.errors import UsageError

_DAYS = re.compile(r"^(\d{1,3})d$")
_QUARTER = re.compile(r"^(\d{4})-?q([1-4])$", re.IGNORECASE)
# Before it, a quarter's midnight can fall outside what dates and time zones can hold.
FIRST_YEAR = 1970
RANGES = "7d, 30d, 90d, quarter or a quarter like 2026-Q3"


def check_range(text: str) -> str:
    """`text` if it has the shape of a range (which period it names depends on the
    clock); raises UsageError otherwise."""
    word = text.strip().lower()
    if not (_DAYS.match(word) or word == "quarter" or _QUARTER.match(word)):
        raise UsageError(f"`{text[:20]}` is not a range. Use {RANGES}.")
    return word


@dataclass(frozen=True)
class Period:
    start: datetime
    end: datetime
    label: str  # how people name it: "the last 30 days", "2026-Q3"
    # A calendar quarter (whole, or so far: then `end` is before the quarter's end): the
    # period before is the previous quarter (as far into it). Otherwise the same length.
    quarter: tuple[int, int] | None = None

    @property
    def length(self) -> timedelta:
        return self.end - self.start

    def previous(self) -> "Period":
        """The period of the same kind just before this one."""
        if self.quarter is None:
            label = f"the {self.length_words} before"
            return Period(self.start - self.length, self.start, label)
        year, number = self.quarter
        year, number = (year - 1, 4) if number == 1 else (year, number - 1)
        zone = self.start.tzinfo
        assert isinstance(zone, ZoneInfo)
        before = quarter_period(year, number, zone)
        whole = quarter_period(*self.quarter, zone)
        if self.end >= whole.end:
            return before
        # This quarter so far: the previous one as far in (wall-clock days and time).
        local_end = self.end.astimezone(zone).replace(tzinfo=None)
        elapsed = local_end - self.start.astimezone(zone).replace(tzinfo=None)
        end = (before.start.replace(tzinfo=None) + elapsed).replace(tzinfo=zone)
        return Period(
            before.start, min(end, before.end), f"{before.label} as far in", before.quarter
        )

    @property
    def length_words(self) -> str:
        """The length in words: "7 days", or "20 seconds" for a demo's periods."""
        for unit, size in (("day", 86_400), ("hour", 3_600), ("minute", 60), ("second", 1)):
            count = round(self.length.total_seconds() / size)
            if count >= 1 or unit == "second":
                return f"{count} {unit}{'s' if count != 1 else ''}"
        raise AssertionError("unreachable")

    def __contains__(self, moment: datetime) -> bool:
        return self.start <= moment < self.end


def parse_range(text: str, now: datetime, zone: ZoneInfo) -> Period:
    """`7d`, `30d`, `90d` (up to now), `quarter` (this quarter so far) or `2026-Q3`.
    Raises UsageError otherwise."""
    text = text.strip().lower() or "30d"
    if match := _DAYS.match(text):
        days = int(match[1])
        if not 1 <= days <= 366:
            raise UsageError(f"Pick from 1 to 366 days, not {days}.")
        return Period(now - timedelta(days=days), now, f"the last {days} days")
    local = now.astimezone(zone)
    if text == "quarter":
        current = quarter_period(local.year, (local.month - 1) // 3 + 1, zone)
        return Period(current.start, now, f"{current.label} so far", current.quarter)
    if match := _QUARTER.match(text):
        year, quarter = int(match[1]), int(match[2])
        if year < FIRST_YEAR:
            raise UsageError(f"Pick a quarter from {FIRST_YEAR} on, not {year:04d}.")
        if (year, quarter) > (local.year, (local.month - 1) // 3 + 1):
            raise UsageError(f"{year}-Q{quarter} hasn't started yet.")
        return quarter_period(year, quarter, zone)
    raise UsageError(f"`{text[:20]}` is not a range. Use {RANGES}.")


def quarter_period(year: int, quarter: int, zone: ZoneInfo) -> Period:
    first = date(year, 3 * quarter - 2, 1)
    after = date(year + 1, 1, 1) if quarter == 4 else date(year, 3 * quarter + 1, 1)
    return Period(
        _midnight(first, zone), _midnight(after, zone), f"{year}-Q{quarter}", (year, quarter)
    )


def week_start(moment: datetime, zone: ZoneInfo) -> datetime:
    """Midnight of the Monday starting the week `moment` falls in."""
    local = moment.astimezone(zone).date()
    return _midnight(local - timedelta(days=local.weekday()), zone)


def weeks_before(end: datetime, count: int, zone: ZoneInfo) -> list[datetime]:
    """The starts of the `count` weeks ending with the one `end` falls in, oldest first."""
    last = week_start(end, zone).date()
    return [_midnight(last - timedelta(weeks=n), zone) for n in range(count - 1, -1, -1)]


# Repeating slots are counted from this Monday; any Monday would do.
_FIRST_MONDAY = date(2024, 1, 1)


def slot_start(
    now: datetime, weekday: int, at: time, period: timedelta, zone: ZoneInfo
) -> datetime:
    """The start of the slot `now` falls in, for slots of `period` from a `weekday` (Monday
    0) at `at`: a weekly digest or summary. Counted on the wall clock, so a weekly one stays
    at its hour across daylight-saving changes."""
    first = datetime.combine(_FIRST_MONDAY + timedelta(days=weekday), at)
    local = now.astimezone(zone).replace(tzinfo=None)
    return (first + ((local - first) // period) * period).replace(tzinfo=zone)


def _midnight(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(), tzinfo=zone)
