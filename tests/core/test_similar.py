"""Which words an incident is compared by, and how candidates are ranked. Pure."""

from datetime import UTC, datetime, timedelta

import pytest

from bot.config import Policy
from bot.ports import Related, Term
from bot.similar import (
    CATEGORY,
    FAILURE_MODE,
    MAX_TERMS,
    SERVICE,
    TEXT,
    THRESHOLD,
    WRITTEN_UP,
    rank,
    snapshot,
    terms,
)
from models import Incident, Status

START = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)


def incident(
    n: int,
    title: str,
    *,
    services: tuple[str, ...] = (),
    category: str | None = None,
    resolved: bool = False,
    days: int = 0,
) -> Incident:
    return Incident.model_validate(
        {
            "id": n,
            "ref": f"INC-2026-{n:04d}",
            "title": title,
            "severity": "sev2",
            "status": Status.RESOLVED if resolved else Status.DECLARED,
            "services": list(services),
            "category": category,
            "reporter": "U_ALICE",
            "declared_at": START + timedelta(days=days),
            "resolved_at": START + timedelta(days=days, hours=1) if resolved else None,
            "updated_at": START,
        }
    )


def test_title_words_count_double_and_stop_words_and_services_go() -> None:
    found = terms("The checkout-api is down", "Orders were failing in checkout", ["checkout-api"])
    assert found == (Term(("orders",), 1.0), Term(("failing",), 1.0))


def test_synonyms_are_one_term_in_any_spelling() -> None:
    [k8s, pods] = terms("K8s pods", "kubernetes pods again")
    assert set(k8s.words) == {"k8s", "kubernetes", "kube"} and k8s.weight == 2.0
    assert pods == Term(("pods",), 2.0)


def test_long_numbers_and_lone_characters_are_not_words_and_terms_are_capped() -> None:
    assert terms("Error 1234567 in a b c", "") == (Term(("error",), 2.0),)
    many = " ".join(f"word{n}" for n in range(100))
    assert len(terms(many, many)) == MAX_TERMS


def test_rank_weighs_words_services_category_and_a_write_up() -> None:
    new = incident(9, "Orders database replica lag", services=("orders-db",))
    words_only = incident(1, "Replica lag", days=1)
    words_and_service = incident(2, "Replica lag", services=("Orders-DB",))
    everything = incident(3, "Replica lag", services=("orders-db",), resolved=True)
    shown = rank(
        new,
        [
            Related(words_only, 0.5),
            Related(words_and_service, 0.5),
            Related(everything, 0.5, "https://example.slack.com/docs/T1/F1"),
        ],
        Policy(),
    )
    assert [s.incident.id for s in shown] == [3, 2, 1]
    # The same words, failure mode (replica lag), service and category (both suggested
    # Database/replication), written up.
    assert shown[0].score == pytest.approx(
        TEXT * 0.5 + FAILURE_MODE + SERVICE + CATEGORY + WRITTEN_UP
    )
    assert shown[0].failure_modes == ("replication lag",)


def test_rank_drops_weak_candidates_itself_and_keeps_three() -> None:
    new = incident(9, "Login page slow", category="Security/authentication")
    weak = incident(1, "Something else")
    assert rank(new, [Related(weak, (THRESHOLD - 0.01) / TEXT)], Policy()) == []
    assert rank(new, [Related(new, 1.0)], Policy()) == []
    many = [Related(incident(n, "Login page slow", days=n), 0.9) for n in range(1, 6)]
    # Equal scores: the most recent first.
    assert [s.incident.id for s in rank(new, many, Policy())] == [5, 4, 3]


def test_a_category_shared_only_at_the_top_counts_half() -> None:
    new = incident(9, "Lag", category="Database/replication")
    top = incident(1, "Other", category="Database/caching")
    assert rank(new, [Related(top, 1.0)], Policy())[0].score == pytest.approx(TEXT + CATEGORY / 2)


def test_a_failure_mode_in_common_counts_without_a_word_in_common() -> None:
    new = incident(9, "Checkout 504s: FATAL: sorry, too many clients already")
    pooled = incident(1, "PgBouncer max_client_conn reached after autoscale")
    [shown] = rank(new, [Related(pooled, 0.0)], Policy())
    assert shown.failure_modes == ("connection pool exhausted",)
    assert shown.score >= FAILURE_MODE > THRESHOLD
    unrelated = incident(2, "Checkout 504s after the release")
    assert rank(new, [Related(unrelated, 0.0)], Policy()) == []


def test_snapshot_keeps_what_the_post_shows() -> None:
    past = incident(1, "Replica lag", resolved=True)
    past.resolution_summary, past.channel_id = "Rebuilt the replica", "C1"
    [item] = snapshot(rank(incident(9, "Replica lag"), [Related(past, 1.0, "https://x")], Policy()))
    assert item["ref"] == "INC-2026-0001" and item["resolution"] == "Rebuilt the replica"
    assert item["channel_id"] == "C1" and item["postmortem_url"] == "https://x"
    assert item["status"] == "resolved"
    assert item["failure_modes"] == ["replication lag"]
