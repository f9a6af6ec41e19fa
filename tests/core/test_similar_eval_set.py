"""The labelled 'similar incident' evaluation set is well formed (the data, not the algorithm)."""

import json
from datetime import UTC, datetime
from pathlib import Path

from bot.categories import DEFAULT_CATEGORIES, category_names

DATA = Path(__file__).parent.parent / "data" / "similar_incidents.json"

CATEGORIES = set(category_names(DEFAULT_CATEGORIES))  # what Sitrep accepts
SEVERITIES = {"sev1", "sev2", "sev3", "sev4"}
FIELDS = {
    "id",
    "title",
    "description",
    "services",
    "category",
    "severity",
    "declared",
    "resolution",
    "postmortem",
    "similar",
}
LIMITS = {"title": 200, "description": 1000, "resolution": 1000}
EARLIEST = datetime(2025, 6, 1, tzinfo=UTC)
LATEST = datetime(2026, 12, 1, tzinfo=UTC)


def load() -> dict:
    return json.loads(DATA.read_text(encoding="utf-8"))


def incidents() -> list[dict]:
    return load()["incidents"]


def test_the_file_has_a_description_and_at_least_fifty_incidents() -> None:
    data = load()
    assert set(data) == {"about", "incidents"}
    assert isinstance(data["about"], str) and data["about"].strip()
    assert len(data["incidents"]) >= 50


def test_every_incident_has_exactly_the_expected_fields() -> None:
    for incident in incidents():
        assert set(incident) == FIELDS, incident.get("id")


def test_ids_are_unique() -> None:
    ids = [incident["id"] for incident in incidents()]
    assert len(ids) == len(set(ids))


def test_every_similar_id_exists_and_is_listed_once() -> None:
    ids = {incident["id"] for incident in incidents()}
    for incident in incidents():
        similar = incident["similar"]
        assert isinstance(similar, list)
        assert len(similar) == len(set(similar)), incident["id"]
        assert set(similar) <= ids, incident["id"]


def test_no_incident_lists_itself() -> None:
    for incident in incidents():
        assert incident["id"] not in incident["similar"]


def test_similarity_is_symmetric() -> None:
    similar = {incident["id"]: set(incident["similar"]) for incident in incidents()}
    for one, others in similar.items():
        for other in others:
            assert one in similar[other], f"{one} lists {other} but not the reverse"


def test_at_least_five_incidents_have_no_similar_ones() -> None:
    assert sum(1 for incident in incidents() if not incident["similar"]) >= 5


def test_categories_are_from_the_taxonomy() -> None:
    for incident in incidents():
        assert incident["category"] in CATEGORIES, incident["id"]


def test_severities_services_and_postmortem_flags_are_well_formed() -> None:
    for incident in incidents():
        assert incident["severity"] in SEVERITIES, incident["id"]
        services = incident["services"]
        assert isinstance(services, list) and services, incident["id"]
        assert all(isinstance(s, str) and s for s in services), incident["id"]
        assert len(services) == len(set(services)), incident["id"]
        assert isinstance(incident["postmortem"], bool), incident["id"]


def test_declared_dates_parse_as_utc_within_the_covered_period() -> None:
    for incident in incidents():
        declared = incident["declared"]
        assert declared.endswith("Z"), incident["id"]
        when = datetime.fromisoformat(declared.replace("Z", "+00:00"))
        assert when.utcoffset() is not None and not when.utcoffset(), incident["id"]
        assert EARLIEST <= when < LATEST, incident["id"]


def test_text_fields_are_non_empty_and_within_length_limits() -> None:
    for incident in incidents():
        for field, limit in LIMITS.items():
            text = incident[field]
            assert isinstance(text, str) and text.strip(), (incident["id"], field)
            assert len(text) <= limit, (incident["id"], field, len(text))
