"""The calendar feed's format (RFC 5545): CRLF lines folded at 75 octets, escaped text,
UTC times, a stable UID per shift; read back as a calendar app would."""

import re
from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st

from bot.oncall.ical import calendar, escape, fold
from bot.oncall.rotation import Shift

STAMP = datetime(2026, 11, 29, 12, tzinfo=UTC)


def shift(user: str = "U1", source: str = "r3", day: int = 1) -> Shift:
    start = datetime(2026, 12, day, 9, tzinfo=UTC)
    return Shift("payments", "primary", user, start, start.replace(day=day + 1), source)


def unfolded(data: bytes) -> list[str]:
    """Content lines as a reader sees them: CRLF-ended, folds joined, UTF-8 decoded."""
    assert data.endswith(b"\r\n")
    assert b"\n" not in data.replace(b"\r\n", b"") and b"\r" not in data.replace(b"\r\n", b"")
    for physical in data.split(b"\r\n")[:-1]:
        assert len(physical) <= 75
    return data.replace(b"\r\n ", b"").decode("utf-8").split("\r\n")[:-1]


def unescape(text: str) -> str:
    return re.sub(r"\\([\\;,nN])", lambda m: "\n" if m[1] in "nN" else m[1], text)


def events(data: bytes) -> list[dict[str, str]]:
    found: list[dict[str, str]] = []
    for line in unfolded(data):
        name, _, value = line.partition(":")
        if line == "BEGIN:VEVENT":
            found.append({})
        elif found and name not in ("END", "BEGIN"):
            found[-1][name] = value
    return found


def test_each_shift_is_an_event_in_utc_with_a_stable_uid() -> None:
    names = {"U1": "Alice, the SRE; on call", "U2": "Zoë 🚒"}
    data = calendar("On call: payments", [shift(), shift("U2", "o7", 2)], names.__getitem__, STAMP)
    lines = unfolded(data)
    assert lines[:2] == ["BEGIN:VCALENDAR", "VERSION:2.0"] and lines[-1] == "END:VCALENDAR"
    first, second = events(data)
    assert first["DTSTART"] == "20261201T090000Z" and first["DTEND"] == "20261202T090000Z"
    assert first["DTSTAMP"] == "20261129T120000Z"
    assert unescape(first["SUMMARY"]) == "On call: Alice, the SRE; on call (payments primary)"
    assert first["SUMMARY"].count("\\,") == 1 and "\\;" in first["SUMMARY"]
    assert "override" in second["DESCRIPTION"] and "Zoë 🚒" in second["SUMMARY"]
    again = events(calendar("On call: payments", [shift()], names.__getitem__, STAMP))
    assert again[0]["UID"] == first["UID"] != second["UID"]


def test_text_escapes_backslashes_separators_and_newlines() -> None:
    assert escape("a\\b;c,d\ne\r\nf") == "a\\\\b\\;c\\,d\\ne\\nf"


@given(st.text(max_size=400))
def test_folding_never_exceeds_75_octets_or_splits_a_character(text: str) -> None:
    line = "SUMMARY:" + escape(text)
    folded = fold(line)
    assert unfolded(folded) == [line]
