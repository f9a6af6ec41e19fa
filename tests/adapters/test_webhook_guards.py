"""The webhook endpoint's guards, as functions: secrets from the environment, and the
per-source rate limit."""

import pytest

from bot.config import Policy
from bot.errors import ConfigError
from handlers.webhooks import RateLimit, secrets_of


def test_a_token_kept_in_the_environment_must_be_set() -> None:
    configured = Policy.model_validate(
        {"alerts": {"sources": {"alertmanager": {"token_env": "AM_TOKEN"}}}}
    )

    assert secrets_of(configured, {"AM_TOKEN": "abc"})["alertmanager"].token == "abc"
    with pytest.raises(ConfigError, match="AM_TOKEN is not set"):
        secrets_of(configured, {})


def test_the_rate_limit_counts_a_sliding_minute() -> None:
    now = [0.0]
    limit = RateLimit(2, clock=lambda: now[0])

    assert [limit.wait_for(), limit.wait_for()] == [0, 0]
    assert limit.wait_for() == 61
    now[0] = 59.5
    assert limit.wait_for() == 1
    now[0] = 60.0
    assert limit.wait_for() == 0
