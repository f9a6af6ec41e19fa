"""The runbook library: which runbooks an incident needs, searching them, and the policy's
`[[runbooks]]` refused clearly when wrong."""

from pathlib import Path

import pytest

from bot.commands import parse
from bot.config import Policy, Runbook, load_policy
from bot.errors import ConfigError, UsageError
from bot.requests import FindRunbooks
from bot.runbooks import matching, search

DISK = Runbook(title="Disk full", file="disk-full.md", alerts=("Disk*", "NodeFilesystem*"))
API = Runbook(title="API errors", url="https://wiki.example.com/api", services=("api",))
DB = Runbook(title="Database failover", url="https://wiki.example.com/db", services=("db",))
LATER = Runbook(title="Security", url="https://wiki.example.com/sec", categories=("security",))
LIBRARY = (DISK, API, DB, LATER)


def test_a_runbook_matches_an_incident_sharing_a_service_whatever_the_case() -> None:
    assert matching(LIBRARY, ["API", "web"], []) == [API]
    assert matching(LIBRARY, [], []) == []


def test_alert_patterns_match_alert_names_shell_style_and_case_insensitively() -> None:
    assert matching(LIBRARY, [], ["diskSpaceLow"]) == [DISK]
    assert matching(LIBRARY, [], ["NodeFilesystemAlmostFull"]) == [DISK]
    assert matching(LIBRARY, [], ["HighErrorRate", ""]) == []


def test_services_and_alerts_together_give_each_runbook_once_in_library_order() -> None:
    assert matching(LIBRARY, ["db", "api"], ["DiskFull"]) == [DISK, API, DB]


def test_categories_match_the_incidents_category_and_its_subcategories() -> None:
    assert matching(LIBRARY, ["security"], ["security"]) == []  # a category is no service
    assert matching(LIBRARY, [], [], "Security") == [LATER]
    assert matching(LIBRARY, [], [], "Security/authentication") == [LATER]
    replication = Runbook(
        title="Lag", url="https://wiki.example.com/lag", categories=("Database/replication",)
    )
    assert matching([replication], [], [], "database/Replication") == [replication]
    assert matching([replication], [], [], "Database") == []  # too broad for it
    assert matching([replication], [], [], "Database/caching") == []
    assert matching([replication], [], [], None) == []


def test_search_ranks_titles_above_tags_above_text() -> None:
    texts = {"disk-full.md": "# Disk full\nFree space on the database volume; check the db."}
    assert search(LIBRARY, texts, "disk") == [DISK]
    # The DB runbook has "database" in its title; the disk runbook only in its text.
    assert search(LIBRARY, texts, "database") == [DB, DISK]
    assert search(LIBRARY, texts, "nothing-like-it") == []
    assert search(LIBRARY, texts, "") == []


def test_search_terms_match_the_words_they_begin() -> None:
    assert search(LIBRARY, {}, "fail") == [DB]
    assert search(LIBRARY, {}, "API") == [API]


def test_the_runbook_command_takes_optional_words() -> None:
    assert parse("runbook", ["sev1"]) == FindRunbooks("")
    assert parse("runbooks disk full", ["sev1"]) == FindRunbooks("disk full")
    with pytest.raises(UsageError, match="Search the runbooks with words") as refused:
        parse("runbook ???", ["sev1"])
    assert "/incident runbook [words]" in refused.value.usage


def _load(tmp_path: Path, text: str) -> Policy:
    path = tmp_path / "sitrep.toml"
    path.write_text(text)
    return load_policy(path)


def test_runbooks_load_from_the_policy_file(tmp_path: Path) -> None:
    policy = _load(
        tmp_path,
        '[[runbooks]]\ntitle = "Disk full"\nfile = "disk/full.md"\nalerts = ["Disk*"]\n'
        '[[runbooks]]\ntitle = "API"\nurl = "https://wiki.example.com/api"\nservices = ["api"]\n',
    )
    assert [r.title for r in policy.runbooks] == ["Disk full", "API"]
    assert policy.runbooks_folder == "runbooks"


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ('title = "X"', "runbooks.0: give either url or file"),
        ('title = "X"\nurl = "https://a.example"\nfile = "x.md"', "runbooks.0: give either"),
        ('title = "X"\nurl = "ftp://files.example/x"', "runbooks.0.url: `ftp://files.example/x`"),
        ('title = "X"\nfile = "../secrets.md"', "runbooks.0.file: '../secrets.md' must be"),
        ('title = "X"\nfile = "notes.txt"', "runbooks.0.file: 'notes.txt' must be a Markdown"),
        ('title = ""\nurl = "https://a.example"', "runbooks.0.title:"),
        ('title = "X"\nurl = "https://a.example"\nowner = "me"', "runbooks.0.owner: unknown key"),
    ],
)
def test_a_bad_runbook_is_refused_naming_its_key(tmp_path: Path, entry: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message.replace("?", r"\?")):
        _load(tmp_path, f"[[runbooks]]\n{entry}\n")


def test_runbook_titles_are_unique_and_services_come_from_the_catalogue(tmp_path: Path) -> None:
    twice = '[[runbooks]]\ntitle = "A"\nurl = "https://a.example"\n'
    with pytest.raises(ConfigError, match="runbooks: each title must be unique"):
        _load(tmp_path, twice + twice.replace('A"', 'a"'))
    unknown = (
        '[[services]]\nname = "api"\n'
        '[[runbooks]]\ntitle = "A"\nurl = "https://a.example"\nservices = ["api", "web"]\n'
    )
    with pytest.raises(ConfigError, match=r"runbooks\.0\.services: web is not in the service"):
        _load(tmp_path, unknown)
