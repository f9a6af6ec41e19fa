"""The category taxonomy in the policy, suggesting a category from keywords, and tags."""

from pathlib import Path

import pytest

from bot.categories import (
    DEFAULT_CATEGORIES,
    MAX_TAG,
    category_names,
    find_category,
    normalise_tags,
    suggest,
    within,
)
from bot.commands import parse
from bot.config import Policy, load_policy
from bot.errors import ConfigError, UsageError
from bot.requests import AddTags, SetCategory, SetDetection, SetImpactScope
from models import Detection, ImpactScope

SEVERITIES = ["sev1", "sev2", "sev3", "sev4"]


def test_the_default_taxonomy_is_the_issues_five_categories() -> None:
    names = category_names(Policy().categories)
    assert [n for n in names if "/" not in n] == [
        "Network", "Application", "Infrastructure", "Database", "Security",
    ]  # fmt: skip
    assert "Database/replication" in names and "Security/DDoS" in names
    assert "Network/CDN" in names and "Application/microservices" in names


def test_a_category_is_found_whatever_its_case_and_spacing() -> None:
    assert find_category(DEFAULT_CATEGORIES, "database / REPLICATION") == "Database/replication"
    assert find_category(DEFAULT_CATEGORIES, "network") == "Network"
    assert find_category(DEFAULT_CATEGORIES, "Database/sharding") is None
    assert find_category(DEFAULT_CATEGORIES, "Replication") is None


def test_the_policy_file_sets_its_own_taxonomy(tmp_path: Path) -> None:
    path = tmp_path / "sitrep.toml"
    path.write_text(
        '[[categories]]\nname = "Payments"\nkeywords = ["payment"]\n'
        '[[categories.sub]]\nname = "card processing"\nkeywords = ["stripe", "card declined"]\n'
        '[[categories]]\nname = "Email"\n'
    )
    policy = load_policy(path)
    assert category_names(policy.categories) == ["Payments", "Payments/card processing", "Email"]
    assert suggest(policy.categories, "Stripe payment webhooks failing") == (
        "Payments/card processing"
    )


def test_a_third_level_is_set_found_suggested_and_contained(tmp_path: Path) -> None:
    path = tmp_path / "sitrep.toml"
    path.write_text(
        '[[categories]]\nname = "Database"\nkeywords = ["postgres"]\n'
        '[[categories.sub]]\nname = "replication"\nkeywords = ["replica"]\n'
        '[[categories.sub.sub]]\nname = "lag"\nkeywords = ["lag", "behind"]\n'
        '[[categories.sub.sub]]\nname = "split brain"\nkeywords = ["two primaries"]\n'
    )
    categories = load_policy(path).categories
    assert category_names(categories) == [
        "Database", "Database/replication", "Database/replication/lag",
        "Database/replication/split brain",
    ]  # fmt: skip
    assert find_category(categories, "database / Replication / LAG") == "Database/replication/lag"
    assert suggest(categories, "Postgres replica lag on orders") == "Database/replication/lag"
    assert suggest(categories, "Postgres replica down") == "Database/replication"
    assert suggest(categories, "lag") == "Database/replication/lag"  # its own word is enough
    assert within("Database/replication/lag", "database")
    assert within("Database/replication/lag", "Database/replication")
    assert not within("Database/replication", "Database/replication/lag")
    assert not within("Database/replicationx", "Database/replication")


@pytest.mark.parametrize(
    ("toml", "key"),
    [
        ('[[categories]]\nname = "A/B"\n', "categories.0.name"),
        ('[[categories]]\nname = "' + "a" * 40 + '"\n[[categories.sub]]\nname = "' + "b" * 40
         + '"\n[[categories.sub.sub]]\nname = "' + "c" * 30 + '"\n', "categories.0"),
        ('[[categories]]\nname = "Db"\n[[categories.sub]]\nname = "x"\n'
         '[[categories.sub.sub]]\nname = "y"\n[[categories.sub.sub]]\nname = "Y"\n',
         "categories.0.sub.0"),
        ('[[categories]]\nname = "Db"\ncolour = "red"\n', "categories.0.colour"),
        ('[[categories]]\nname = "Db"\n[[categories.sub]]\nname = "x"\nkeywords = [""]\n',
         "categories.0.sub.0.keywords.0"),
        ('[[categories]]\nname = "Db"\n[[categories]]\nname = "DB"\n', "categories"),
        ('[[categories]]\nname = "Db"\n[[categories.sub]]\nname = "x"\n'
         '[[categories.sub]]\nname = "X"\n', "categories.0"),
    ],
)  # fmt: skip
def test_a_bad_taxonomy_is_refused_naming_the_key(tmp_path: Path, toml: str, key: str) -> None:
    path = tmp_path / "sitrep.toml"
    path.write_text(toml)
    with pytest.raises(ConfigError, match=key.replace(".", r"\.")):
        load_policy(path)


@pytest.mark.parametrize(
    ("words", "expected"),
    [
        (("Primary database replica lag over 5 minutes",), "Database/replication"),
        (("Checkout API returning 500s",), "Application/API"),
        (("NXDOMAIN for api.example.com",), "Network/DNS"),
        (("Pods crash-looping",), "Infrastructure/containers"),
        (
            ("Suspicious logins", "Possible intrusion from unknown IPs"),
            "Security/unauthorised access",
        ),
        (("Redis evictions", "", "checkout"), "Database/caching"),
        (("Postgres is slow",), "Database"),
        (("Slow", "", "", "PostgresReplicationLag"), "Database/replication"),
        (("Slow", "CoreDNSErrors"), "Network/DNS"),
        (("Everything is on fire",), None),
        # Whole words only: "unhappy" holds no "api".
        (("unhappy customers",), None),
    ],
)
def test_keywords_suggest_a_category(words: tuple[str, ...], expected: str | None) -> None:
    assert suggest(DEFAULT_CATEGORIES, *words) == expected


def test_tags_are_lower_case_without_hashes_or_repeats() -> None:
    assert normalise_tags(["#DB", "Replica-Lag,db", "eu-west-1"]) == (
        "db", "replica-lag", "eu-west-1",
    )  # fmt: skip
    with pytest.raises(UsageError, match="at most"):
        normalise_tags(["x" * (MAX_TAG + 1)])
    with pytest.raises(UsageError, match="not a tag"):
        normalise_tags(["<script>"])


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("category Database/replication", SetCategory(None, "Database/replication")),
        ("category INC-2026-0001 network", SetCategory("INC-2026-0001", "network")),
        ("tag #DB replica-lag DB", AddTags(None, ("db", "replica-lag"))),
        ("tags INC-2026-0001 eu", AddTags("INC-2026-0001", ("eu",))),
        ("detection user-report", SetDetection(None, Detection.USER_REPORT)),
        ("detection monitoring", SetDetection(None, Detection.MONITORING)),
        ("scope company-wide", SetImpactScope(None, ImpactScope.COMPANY_WIDE)),
        ("scope INC-2026-0001 department", SetImpactScope("INC-2026-0001", ImpactScope.DEPARTMENT)),
    ],
)
def test_classification_commands_parse(text: str, expected: object) -> None:
    assert parse(text, SEVERITIES) == expected


@pytest.mark.parametrize(
    ("text", "usage"),
    [
        ("category", "/incident category"),
        ("tag", "/incident tag"),
        ("tag " + " ".join(f"t{i}" for i in range(21)), "/incident tag"),
        ("detection psychic", "/incident detection"),
        ("scope galaxy", "/incident scope"),
    ],
)
def test_bad_classification_commands_show_their_usage(text: str, usage: str) -> None:
    with pytest.raises(UsageError) as caught:
        parse(text, SEVERITIES)
    assert caught.value.usage.startswith(usage)
