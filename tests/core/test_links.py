"""Links: the time a deploy happened, and links written as Slack markup. Pure."""

from datetime import UTC, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.errors import UsageError
from bot.links import described, markup, resolved, web_address
from models import LinkKind

BERLIN = ZoneInfo("Europe/Berlin")
NOW = datetime(2026, 11, 29, 15, 0, tzinfo=UTC)  # 16:00 in Berlin


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        # A time of day is the latest one, in the organisation's timezone.
        (time(14, 5), datetime(2026, 11, 29, 13, 5, tzinfo=UTC)),
        (time(16, 0), datetime(2026, 11, 29, 15, 0, tzinfo=UTC)),
        (time(16, 1), datetime(2026, 11, 28, 15, 1, tzinfo=UTC)),  # later today: yesterday
        # A naive date and time is read in that timezone; an aware one is kept.
        (datetime(2026, 11, 29, 14, 5), datetime(2026, 11, 29, 13, 5, tzinfo=UTC)),
        (datetime(2026, 11, 29, 14, 5, tzinfo=UTC), datetime(2026, 11, 29, 14, 5, tzinfo=UTC)),
        (
            datetime(2026, 11, 29, 14, 5, tzinfo=timezone(timedelta(hours=-5))),
            datetime(2026, 11, 29, 19, 5, tzinfo=UTC),
        ),
    ],
)
def test_a_deploy_time_resolves_to_utc(moment: time | datetime, expected: datetime) -> None:
    found = resolved(moment, NOW, BERLIN)
    assert found == expected and found.tzinfo is UTC


def test_a_time_of_day_just_after_midnight_is_read_on_the_local_day() -> None:
    now = datetime(2026, 11, 28, 23, 30, tzinfo=UTC)  # 00:30 on the 29th in Berlin
    assert resolved(time(0, 10), now, BERLIN) == datetime(2026, 11, 28, 23, 10, tzinfo=UTC)
    assert resolved(time(23, 50), now, BERLIN) == datetime(2026, 11, 28, 22, 50, tzinfo=UTC)


def test_links_are_markup_that_nothing_can_break_out_of() -> None:
    assert markup("https://x.example.com/a?b=1&c=2") == "<https://x.example.com/a?b=1&amp;c=2>"
    assert markup("https://x.example.com", "A &amp; B <!channel>") == (
        "<https://x.example.com|A &amp; B &lt;!channel&gt;>"
    )
    assert markup("https://x.example.com/a|b", "t") == "<https://x.example.com/a%7Cb|t>"


def test_kinds_read_as_english() -> None:
    assert [described(k) for k in (LinkKind.ALERT, LinkKind.DEPLOY, LinkKind.OTHER)] == [
        "an alert",
        "a deploy",
        "a link",
    ]


@given(st.text(max_size=300))
def test_a_web_address_is_refused_or_stays_the_same_when_checked_again(text: str) -> None:
    try:
        url = web_address("https://example.com/" + text)
    except UsageError:
        return
    assert web_address(url) == url
    assert not any(c.isspace() or c in '<>|"' for c in url) and url.isascii()
