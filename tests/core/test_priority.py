"""The impact-by-urgency priority matrix: off by default, ITIL's table when on, and a
policy that names it wrongly refused with the key."""

from pathlib import Path

import pytest

from bot.config import Policy, load_policy
from bot.errors import ConfigError
from bot.priority import PriorityMatrix
from models import ImpactScope

ON = PriorityMatrix(enabled=True)


def test_off_by_default_and_unknown_without_a_scope() -> None:
    assert Policy().priority_matrix.of("sev1", ImpactScope.COMPANY_WIDE) is None
    assert ON.of("sev1", None) is None


@pytest.mark.parametrize(
    ("severity", "scope", "expected"),
    [("sev1", ImpactScope.COMPANY_WIDE, "P1"), ("sev2", ImpactScope.DEPARTMENT, "P2"),
     ("sev3", ImpactScope.COMPANY_WIDE, "P2"), ("sev3", ImpactScope.DEPARTMENT, "P3"),
     ("sev4", ImpactScope.DEPARTMENT, "P4"), ("sev4", ImpactScope.INDIVIDUAL, "P5"),
     ("sev9", ImpactScope.INDIVIDUAL, "P4")],  # a severity not named: medium urgency
)  # fmt: skip
def test_itil_table_from_scope_and_severity(
    severity: str, scope: ImpactScope, expected: str
) -> None:
    assert ON.of(severity, scope) == expected


def test_the_policy_file_sets_urgencies_and_the_table(tmp_path: Path) -> None:
    path = tmp_path / "sitrep.toml"
    path.write_text(
        '[priority_matrix]\nenabled = true\nurgency = { sev1 = "high", sev4 = "medium" }\n'
    )
    policy = load_policy(path)
    assert policy.priority_matrix.of("sev4", ImpactScope.INDIVIDUAL) == "P4"
    assert policy.priority_matrix.of("sev2", ImpactScope.INDIVIDUAL) == "P4"  # now unnamed


@pytest.mark.parametrize(
    ("text", "key"),
    [("urgency = { sev7 = \"high\" }", "priority_matrix.urgency"),
     ("urgency = { sev1 = \"urgent\" }", "priority_matrix.urgency.sev1"),
     ("matrix = { high = { high = \"P1\" } }", "priority_matrix: matrix.high"),
     ("matrix.high = { high = \"P0\", medium = \"P2\", low = \"P3\" }", "priority_matrix")],
)  # fmt: skip
def test_a_wrong_matrix_is_refused_naming_the_key(tmp_path: Path, text: str, key: str) -> None:
    path = tmp_path / "sitrep.toml"
    path.write_text(f"[priority_matrix]\nenabled = true\n{text}\n")
    with pytest.raises(ConfigError, match=key.replace(".", r"\.")):
        load_policy(path)
