"""The policy file: the README's example is valid, defaults are sane, bad keys are named."""

import re
from datetime import time, timedelta
from pathlib import Path

import pytest

from bot.config import Policy, load_policy, parse_duration
from bot.errors import ConfigError

README = Path(__file__).resolve().parents[2] / "README.md"


def test_the_readme_policy_example_loads(tmp_path: Path) -> None:
    example = re.search(r"```toml\n(.*?)```", README.read_text(), re.S)
    assert example is not None
    path = tmp_path / "sitrep.toml"
    path.write_text(example[1])
    policy = load_policy(path)
    assert policy.timezone == "Europe/London"
    assert policy.severity("sev0") is not None
    assert policy.due_after("p1") == timedelta(days=14)
    assert policy.alerts.rules[0].action == "ignore"
    assert policy.alerts.sources["pagerduty"].signing_secret_env == "SITREP_PAGERDUTY_SECRET"
    [hook] = policy.outgoing_webhooks.endpoints
    assert hook.secret_env == "SITREP_WEBHOOK_WAREHOUSE_SECRET" and not hook.include_private


def test_serious_severities_draft_their_post_mortem_on_resolve_by_default() -> None:
    policy = Policy()
    automatic = {s.key: s.draft_postmortem_on_resolve for s in policy.severities}
    assert automatic == {"sev1": True, "sev2": True, "sev3": False, "sev4": False}
    due = {s.key: s.postmortem_due_after for s in policy.severities}
    assert due["sev1"] == due["sev2"] == timedelta(hours=48)
    assert due["sev3"] == timedelta(days=7)
    custom = Policy.model_validate(
        {"severities": [{"key": "sev2", "name": "Major", "response_target": "30m",
                         "draft_postmortem_on_resolve": False}]}
    )  # fmt: skip
    assert custom.severities[0].draft_postmortem_on_resolve is False
    assert custom.severities[0].postmortem_due == "48h"


@pytest.mark.parametrize(
    ("text", "expected"),
    [("30s", timedelta(seconds=30)), ("15m", timedelta(minutes=15)), ("2h", timedelta(hours=2)),
     ("1d", timedelta(days=1)), ("2w", timedelta(weeks=2)), (" 5 min ", timedelta(minutes=5))],
)  # fmt: skip
def test_durations_from_seconds_to_weeks(text: str, expected: timedelta) -> None:
    assert parse_duration(text) == expected


def test_a_bad_duration_is_refused_naming_the_key(tmp_path: Path) -> None:
    path = tmp_path / "sitrep.toml"
    path.write_text('[[severities]]\nkey = "sev1"\nname = "x"\nresponse_target = "15m"\n'
                    'postmortem_due = "soon"\n')  # fmt: skip
    with pytest.raises(ConfigError, match=r"severities\.0\.postmortem_due"):
        load_policy(path)
    path.write_text('[action_item_due]\np9 = "1d"\n')
    with pytest.raises(ConfigError, match="action_item_due"):
        load_policy(path)


@pytest.mark.parametrize(
    ("line", "key"),
    [('remind_at = "9am"', "remind_at"), ('remind_at = "24:00"', "remind_at"),
     ('overdue_from = "monkey 09:00"', "overdue_from"), ('before_due = "soon"', "before_due"),
     ('overdue_every = "weekly"', "overdue_every")],
)  # fmt: skip
def test_a_bad_reminder_setting_is_refused_naming_it(tmp_path: Path, line: str, key: str) -> None:
    path = tmp_path / "sitrep.toml"
    path.write_text(f"[action_item_reminders]\n{line}\n")
    with pytest.raises(ConfigError, match=rf"action_item_reminders\.{key}"):
        load_policy(path)


def test_reminder_times_take_seconds_for_demos_and_days_by_name() -> None:
    rules = Policy.model_validate(
        {"action_item_reminders": {"remind_at": "14:05:30", "overdue_from": "friday 17:00"}}
    ).action_item_reminders
    assert str(rules.remind_time) == "14:05:30"
    assert (rules.overdue_weekday, str(rules.overdue_time)) == (4, "17:00:00")


def test_a_zero_duration_is_refused_naming_the_key(tmp_path: Path) -> None:
    path = tmp_path / "sitrep.toml"
    path.write_text('[insights]\ndigest_every = "0s"\n')
    with pytest.raises(ConfigError, match=r"insights\.digest_every"):
        load_policy(path)


def test_the_readme_policy_example_has_a_web_and_a_file_runbook(tmp_path: Path) -> None:
    example = re.search(r"```toml\n(.*?)```", README.read_text(), re.S)
    assert example is not None
    path = tmp_path / "sitrep.toml"
    path.write_text(example[1])
    policy = load_policy(path)
    assert [(r.url is not None, r.file) for r in policy.runbooks] == [
        (True, None),
        (False, "disk-full.md"),
    ]


def test_the_readme_policy_example_has_a_schedule_for_its_service(tmp_path: Path) -> None:
    example = re.search(r"```toml\n(.*?)```", README.read_text(), re.S)
    assert example is not None
    path = tmp_path / "sitrep.toml"
    path.write_text(example[1])
    policy = load_policy(path)
    [payments] = policy.oncall.schedules
    assert policy.services[0].schedule == "payments"
    assert [layer.name for layer in payments.layers] == ["primary", "secondary"]
    assert payments.layers[0].shift_length == timedelta(weeks=1)
    assert payments.layers[1].restrict is not None
    assert payments.layers[1].restrict.span == (time(9), time(17))
    assert policy.oncall.feed_token_env == "SITREP_ONCALL_FEED_TOKEN"


_SCHEDULE = """
[[oncall.schedules]]
name = "payments"
[[oncall.schedules.layers]]
name = "primary"
members = ["U1"]
start = 2026-11-30
"""


@pytest.mark.parametrize(
    ("text", "key"),
    [
        (_SCHEDULE + 'length = "fortnightly"\n', "oncall.schedules.0.layers.0.length"),
        (_SCHEDULE + 'handoff = "9am"\n', "oncall.schedules.0.layers.0.handoff"),
        (_SCHEDULE.replace('"U1"', '"alice"'), "oncall.schedules.0.layers.0.members"),
        (_SCHEDULE.replace("2026-11-30", '"soon"'), "oncall.schedules.0.layers.0.start"),
        (
            _SCHEDULE + 'restrict = { hours = "17:00-09:00" }\n',
            "oncall.schedules.0.layers.0.restrict.hours",
        ),
        (
            _SCHEDULE.replace('name = "payments"', 'name = "payments"\ntimezone = "Mars/Olympus"'),
            "oncall.schedules.0.timezone",
        ),
        (_SCHEDULE.replace('"payments"', '"take"'), "oncall.schedules.0"),
        (_SCHEDULE + _SCHEDULE, "oncall: oncall.schedules: each name must be unique"),
        (_SCHEDULE + '[[services]]\nname = "api"\nschedule = "billing"\n', "services.0.schedule"),
        ('[[services]]\nname = "api"\nschedule = "billing"\n', "services.0.schedule"),
    ],
)
def test_a_bad_schedule_is_refused_naming_the_key(tmp_path: Path, text: str, key: str) -> None:
    path = tmp_path / "sitrep.toml"
    path.write_text(text)
    with pytest.raises(ConfigError) as refused:
        load_policy(path)
    assert f"{path}: {key}" in str(refused.value)
