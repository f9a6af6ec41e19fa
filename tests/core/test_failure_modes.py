"""Recognising what went wrong from how responders write it. Pure."""

from pathlib import Path

import pytest

from bot.config import Policy, load_policy
from bot.errors import ConfigError
from bot.failure_modes import DEFAULT_FAILURE_MODES, FailureMode, modes_in, signs_of

MODES = DEFAULT_FAILURE_MODES


@pytest.mark.parametrize(
    ("text", "mode"),
    [
        ("Postgres log: 'FATAL: sorry, too many clients already'", "connection pool exhausted"),
        ("PgBouncer max_client_conn reached", "connection pool exhausted"),
        ("ERROR 1040 (HY000): Too many connections", "connection pool exhausted"),
        ("QueuePool limit of size 10 overflow 5 reached", "connection pool exhausted"),
        ("x509: certificate has expired or is not yet valid", "certificate expired"),
        ("NET::ERR_CERT_DATE_INVALID on the login page", "certificate expired"),
        ("Nodes reporting DiskPressure", "disk full"),
        ("write /data: no space left on device", "disk full"),
        ("search pods CrashLoopBackOff, Last State: OOMKilled", "out of memory"),
        ("pods cycling, exit code 137", "out of memory"),
        ("ETL failing: Name or service not known", "dns resolution"),
        ("Read replica 40 min behind", "replication lag"),
        ("Redis restarted: thundering herd of cache misses", "cold cache"),
    ],
)
def test_log_strings_and_plain_words_show_their_failure_mode(text: str, mode: str) -> None:
    assert mode in modes_in(MODES, text)


def test_signs_are_whole_words_in_any_case_punctuation_or_plural() -> None:
    assert modes_in(MODES, "CERTS rotated") >= {"certificate expired"}
    assert "certificate expired" not in modes_in(MODES, "Certification exam portal down")
    assert "disk full" not in modes_in(MODES, "diskful")  # not a word of any sign
    # A phrase never spans two texts.
    assert "connection pool exhausted" not in modes_in(MODES, "too many", "clients")


def test_nothing_shown_is_no_failure_mode() -> None:
    assert modes_in(MODES, "Checkout 500s after the release", "KeyError in the serializer") == (
        frozenset()
    )


def test_signs_of_the_modes_named_each_once_in_order() -> None:
    modes = (
        FailureMode(name="one", signs=("a b", "c d")),
        FailureMode(name="two", signs=("c d", "e f")),
        FailureMode(name="three", signs=("g h",)),
    )
    assert signs_of(modes, {"two", "one"}) == ("a b", "c d", "e f")
    assert signs_of(modes, ()) == ()


def test_a_policy_file_replaces_the_defaults(tmp_path: Path) -> None:
    path = tmp_path / "policy.toml"
    path.write_text('[[failure_modes]]\nname = "flaky vendor"\nsigns = ["acme api", "acme"]\n')
    policy = load_policy(path)
    assert [m.name for m in policy.failure_modes] == ["flaky vendor"]
    assert modes_in(policy.failure_modes, "ACME API timing out") == {"flaky vendor"}
    assert Policy().failure_modes == MODES


def test_a_failure_mode_without_signs_is_refused_by_name(tmp_path: Path) -> None:
    path = tmp_path / "policy.toml"
    path.write_text('[[failure_modes]]\nname = "empty"\nsigns = []\n')
    with pytest.raises(ConfigError, match="failure_modes"):
        load_policy(path)
