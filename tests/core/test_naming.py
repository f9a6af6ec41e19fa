"""Incident channel names follow Slack's rules."""

import re

from hypothesis import given
from hypothesis import strategies as st

from bot.naming import MAX_CHANNEL_NAME, channel_name, slug

SLACK_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]*$")


def test_name_is_prefix_id_and_title() -> None:
    assert channel_name("inc", "INC-2026-0042", "Checkout API returning 500s") == (
        "inc-2026-0042-checkout-api-returning-500s"
    )


def test_a_taken_name_gets_a_numbered_suffix() -> None:
    assert channel_name("inc", "INC-2026-0042", "Checkout", attempt=3) == "inc-2026-0042-checkout-3"


def test_accents_and_symbols_become_ascii_words() -> None:
    assert slug("Ünïcödé — ça marche?") == "unicode-ca-marche"


@given(st.text(max_size=300), st.integers(min_value=1, max_value=99))
def test_every_title_gives_a_valid_slack_name(title: str, attempt: int) -> None:
    name = channel_name("inc", "INC-2026-0042", title, attempt)
    assert len(name) <= MAX_CHANNEL_NAME
    assert SLACK_NAME.match(name)
    assert name.startswith("inc-2026-0042")
