"""Parsing `/incident problem …`: every input gives a problem request or a UsageError
with the problem usage."""

import pytest

from bot.commands import USAGE, parse, usage_for
from bot.errors import UsageError
from bot.requests import (
    LinkProblem,
    ListProblems,
    OpenProblem,
    SetProblemOwner,
    SetProblemStatus,
    ShowProblem,
    UnlinkProblem,
)
from models import ProblemStatus

SEVERITIES = ["sev1", "sev2", "sev3", "sev4"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("problem", ShowProblem(None)),
        ("problem prb-0007", ShowProblem("PRB-0007")),
        ("problems PRB-12345", ShowProblem("PRB-12345")),
        ("problem new Pool sized for last year", OpenProblem("Pool sized for last year")),
        ("problem link PRB-0001", LinkProblem("PRB-0001", None)),
        ("problem link prb-0001 inc-2026-0042", LinkProblem("PRB-0001", "INC-2026-0042")),
        ("problem unlink", UnlinkProblem(None)),
        ("problem unlink INC-2026-0042", UnlinkProblem("INC-2026-0042")),
        ("problem list", ListProblems(include_resolved=False)),
        ("problem list all", ListProblems(include_resolved=True)),
        (
            "problem status PRB-0001 known-error restart pgbouncer",
            SetProblemStatus("PRB-0001", ProblemStatus.KNOWN_ERROR, "restart pgbouncer"),
        ),
        (
            "problem status PRB-0001 resolved",
            SetProblemStatus("PRB-0001", ProblemStatus.RESOLVED, ""),
        ),
        ("problem status PRB-0001 reopen", SetProblemStatus("PRB-0001", ProblemStatus.OPEN, "")),
        ("problem owner PRB-0001 <@U123|bob>", SetProblemOwner("PRB-0001", "U123")),
        ("problem owner PRB-0001 none", SetProblemOwner("PRB-0001", None)),
    ],
)
def test_problem_commands_parse_to_requests(text: str, expected: object) -> None:
    assert parse(text, SEVERITIES) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("problem new", "What is the problem?"),
        ("problem new " + "x" * 201, "201 characters; keep it under 200"),
        ("problem link", "Which problem?"),
        ("problem link INC-2026-0001", "Which problem? Name it like `PRB-0001`"),
        ("problem link PRB-0001 tomorrow", "not an incident ID"),
        ("problem unlink PRB-0001", "not an incident ID"),
        ("problem status PRB-0001", "Name the problem and its status"),
        ("problem status PRB-0001 fixed", "not a problem status"),
        ("problem status PRB-0001 resolved " + "n" * 1001, "keep it under 1000"),
        ("problem owner PRB-0001 bob", "Mention the person"),
        ("problem list closed", "List `open` or `all`"),
        ("problem PRB-0001 extra", "not a problem command"),
        ("problem INC-2026-0001", "not a problem command"),
    ],
)
def test_bad_problem_commands_explain_themselves_with_the_usage(text: str, message: str) -> None:
    with pytest.raises(UsageError) as raised:
        parse(text, SEVERITIES)
    assert message in str(raised.value)
    assert raised.value.usage == USAGE["problem"]


def test_problem_usage_is_in_help_and_found_by_alias() -> None:
    assert usage_for("problems list") == USAGE["problem"]
    for verb in ("new", "link", "unlink", "list", "status", "owner"):
        assert f"/incident problem {verb}" in USAGE["problem"]
