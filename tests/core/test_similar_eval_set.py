"""The labelled 'similar incident' evaluation sets are well formed (the data, not the algorithm).

There are four: the first set; a held-out set written afterwards, for another made-up
company, to measure suggestions that were tuned while looking at the first one; a blind
set, for a third made-up company, written without reading the suggestion code; and a second
blind set, for a fourth made-up company, written without reading the suggestion code or the
other held-out sets."""

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.categories import DEFAULT_CATEGORIES, category_names

DATA = Path(__file__).parent.parent / "data"


@dataclass(frozen=True)
class EvalSet:
    name: str
    earliest: datetime  # declared dates are within [earliest, latest)
    latest: datetime

    @property
    def path(self) -> Path:
        return DATA / self.name


FIRST = EvalSet(
    "similar_incidents.json",
    datetime(2025, 6, 1, tzinfo=UTC),
    datetime(2026, 12, 1, tzinfo=UTC),
)
HOLDOUT = EvalSet(
    "similar_incidents_holdout.json",
    datetime(2025, 1, 1, tzinfo=UTC),
    datetime(2026, 1, 1, tzinfo=UTC),
)
BLIND = EvalSet(
    "similar_incidents_blind.json",
    datetime(2025, 1, 1, tzinfo=UTC),
    datetime(2026, 1, 1, tzinfo=UTC),
)
BLIND2 = EvalSet(
    "similar_incidents_blind2.json",
    datetime(2025, 1, 1, tzinfo=UTC),
    datetime(2026, 1, 1, tzinfo=UTC),
)
EVAL_SETS = [FIRST, HOLDOUT, BLIND, BLIND2]

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
SMALLEST_FAMILY = 3


def load(eval_set: EvalSet) -> dict:
    return json.loads(eval_set.path.read_text(encoding="utf-8"))


@pytest.fixture(params=EVAL_SETS, ids=lambda s: s.name)
def eval_set(request: pytest.FixtureRequest) -> EvalSet:
    return request.param


@pytest.fixture
def incidents(eval_set: EvalSet) -> list[dict]:
    return load(eval_set)["incidents"]


def test_the_file_has_a_description_and_at_least_fifty_incidents(eval_set: EvalSet) -> None:
    data = load(eval_set)
    assert set(data) == {"about", "incidents"}
    assert isinstance(data["about"], str) and data["about"].strip()
    assert len(data["incidents"]) >= 50


def test_every_incident_has_exactly_the_expected_fields(incidents: list[dict]) -> None:
    for incident in incidents:
        assert set(incident) == FIELDS, incident.get("id")


def test_ids_are_unique(incidents: list[dict]) -> None:
    ids = [incident["id"] for incident in incidents]
    assert len(ids) == len(set(ids))


def test_every_similar_id_exists_and_is_listed_once(incidents: list[dict]) -> None:
    ids = {incident["id"] for incident in incidents}
    for incident in incidents:
        similar = incident["similar"]
        assert isinstance(similar, list)
        assert len(similar) == len(set(similar)), incident["id"]
        assert set(similar) <= ids, incident["id"]


def test_no_incident_lists_itself(incidents: list[dict]) -> None:
    for incident in incidents:
        assert incident["id"] not in incident["similar"]


def test_similarity_is_symmetric(incidents: list[dict]) -> None:
    similar = {incident["id"]: set(incident["similar"]) for incident in incidents}
    for one, others in similar.items():
        for other in others:
            assert one in similar[other], f"{one} lists {other} but not the reverse"


def test_similar_incidents_form_families_of_at_least_three(incidents: list[dict]) -> None:
    """Every member of a family lists all the others, so a family is the same set seen
    from any of its members."""
    family = {incident["id"]: {incident["id"], *incident["similar"]} for incident in incidents}
    for one, members in family.items():
        if len(members) == 1:
            continue
        assert len(members) >= SMALLEST_FAMILY, one
        for other in members:
            assert family[other] == members, f"{one} and {other} disagree on their family"


def test_at_least_five_incidents_have_no_similar_ones(incidents: list[dict]) -> None:
    assert sum(1 for incident in incidents if not incident["similar"]) >= 5


def test_categories_are_from_the_taxonomy(incidents: list[dict]) -> None:
    for incident in incidents:
        assert incident["category"] in CATEGORIES, incident["id"]


def test_severities_services_and_postmortem_flags_are_well_formed(incidents: list[dict]) -> None:
    for incident in incidents:
        assert incident["severity"] in SEVERITIES, incident["id"]
        services = incident["services"]
        assert isinstance(services, list) and services, incident["id"]
        assert all(isinstance(s, str) and s for s in services), incident["id"]
        assert len(services) == len(set(services)), incident["id"]
        assert isinstance(incident["postmortem"], bool), incident["id"]


def test_declared_dates_parse_as_utc_within_the_covered_period(
    eval_set: EvalSet, incidents: list[dict]
) -> None:
    for incident in incidents:
        declared = incident["declared"]
        assert declared.endswith("Z"), incident["id"]
        when = datetime.fromisoformat(declared.replace("Z", "+00:00"))
        assert when.utcoffset() is not None and not when.utcoffset(), incident["id"]
        assert eval_set.earliest <= when < eval_set.latest, incident["id"]


def test_text_fields_are_non_empty_and_within_length_limits(incidents: list[dict]) -> None:
    for incident in incidents:
        for field, limit in LIMITS.items():
            text = incident[field]
            assert isinstance(text, str) and text.strip(), (incident["id"], field)
            assert len(text) <= limit, (incident["id"], field, len(text))


def test_the_holdout_set_shares_no_ids_titles_or_services_with_the_first() -> None:
    first, holdout = load(FIRST)["incidents"], load(HOLDOUT)["incidents"]
    for field in ("id", "title"):
        assert not {i[field] for i in first} & {i[field] for i in holdout}, field
    services = {s for i in first for s in i["services"]}
    assert not services & {s for i in holdout for s in i["services"]}


@pytest.mark.parametrize("earlier", [FIRST, HOLDOUT], ids=lambda s: s.name)
def test_the_blind_set_shares_no_ids_titles_or_services_with_the_earlier_ones(
    earlier: EvalSet,
) -> None:
    other, blind = load(earlier)["incidents"], load(BLIND)["incidents"]
    for field in ("id", "title"):
        assert not {i[field] for i in other} & {i[field] for i in blind}, field
    services = {s for i in other for s in i["services"]}
    assert not services & {s for i in blind for s in i["services"]}


@pytest.mark.parametrize("earlier", [FIRST, HOLDOUT, BLIND], ids=lambda s: s.name)
def test_the_second_blind_set_shares_no_ids_titles_or_services_with_the_earlier_ones(
    earlier: EvalSet,
) -> None:
    other, blind2 = load(earlier)["incidents"], load(BLIND2)["incidents"]
    for field in ("id", "title"):
        assert not {i[field] for i in other} & {i[field] for i in blind2}, field
    services = {s for i in other for s in i["services"]}
    assert not services & {s for i in blind2 for s in i["services"]}
