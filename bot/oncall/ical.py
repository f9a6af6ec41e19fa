"""On-call shifts as an iCalendar feed (RFC 5545), for calendar apps to subscribe to.
Pure: shifts and names in, bytes out.

Written by hand rather than with a library: a feed of plain events needs only the
format's line rules (CRLF, folding at 75 octets, escaped text) and UTC times."""

from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Final

from bot.oncall.rotation import Shift

PRODUCT: Final = "-//Sitrep//On-call schedules//EN"
_LINE_OCTETS: Final = 75


def calendar(
    title: str, shifts: Iterable[Shift], name_of: Callable[[str], str], stamp: datetime
) -> bytes:
    """A VCALENDAR of one VEVENT per shift; `stamp` is when it was made (DTSTAMP)."""
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODUCT}",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{escape(title)}",
    ]
    for shift in shifts:
        lines += _event(shift, name_of(shift.user), stamp)
    lines.append("END:VCALENDAR")
    return b"".join(fold(line) for line in lines)


def _event(shift: Shift, name: str, stamp: datetime) -> list[str]:
    kind = "override" if shift.is_override else "rotation"
    about = f"{shift.schedule}, layer {shift.layer}, {kind}. Slack user {shift.user}."
    return [
        "BEGIN:VEVENT",
        # The same shift keeps its UID from one fetch to the next, so calendars update it.
        f"UID:{shift.schedule}.{shift.layer}.{shift.source}.{int(shift.start.timestamp())}"
        "@oncall.sitrep",
        f"DTSTAMP:{utc_stamp(stamp)}",
        f"DTSTART:{utc_stamp(shift.start)}",
        f"DTEND:{utc_stamp(shift.end)}",
        f"SUMMARY:{escape(f'On call: {name} ({shift.schedule} {shift.layer})')}",
        f"DESCRIPTION:{escape(about)}",
        "TRANSP:TRANSPARENT",
        "END:VEVENT",
    ]


def utc_stamp(moment: datetime) -> str:
    """A DATE-TIME in UTC form: 20261224T180000Z."""
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def escape(text: str) -> str:
    """TEXT as RFC 5545 writes it: backslash, semicolon, comma and newlines escaped."""
    return (
        text.replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
        .replace("\r", "\\n")
    )


def fold(line: str) -> bytes:
    """One content line, folded so no physical line exceeds 75 octets (never inside a
    UTF-8 character), each ended by CRLF."""
    data = line.encode("utf-8")
    parts, limit = [], _LINE_OCTETS
    while len(data) > limit:
        cut = limit
        while cut > 0 and (data[cut] & 0xC0) == 0x80:  # a continuation byte: step back
            cut -= 1
        parts.append(data[:cut])
        data = data[cut:]
        limit = _LINE_OCTETS - 1  # continuation lines start with a space
    parts.append(data)
    return b"\r\n ".join(parts) + b"\r\n"
