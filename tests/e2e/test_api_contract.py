"""The OpenAPI document is the contract: schemathesis generates requests from it (valid
and invalid) against the running app on SQLite and PostgreSQL, and checks every answer
against the document: no server errors, documented statuses, bodies matching their
schemas, valid input accepted and invalid input refused. Bounded in examples so the
suite stays fast.

schemathesis's own pytest plugin does not run under this pytest, so each operation's
strategy is drawn by hypothesis directly."""

import re
from datetime import UTC, datetime

import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import positive_data_acceptance

from models import TokenScope
from tests.e2e.conftest import Running

EXAMPLES = 15


def test_every_operation_keeps_to_the_document(running: Running) -> None:
    tokens = running.sitrep.deps.tokens
    secret = tokens.create("contract", TokenScope.WRITE, True, None).secret
    for title in ("Checkout API returning 500s", "Search latency"):
        assert running.driver.command(f"declare sev2 {title}").status == 200
    schema = schemathesis.openapi.from_url(f"{running.url}/api/v1/openapi.json")
    checked = []
    for result in schema.get_all_operations():
        operation = result.ok()

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def keeps_to_the_document(case: schemathesis.Case) -> None:
            excluded = [positive_data_acceptance] if _in_the_future(case) else []
            case.call_and_validate(
                headers={"Authorization": f"Bearer {secret}"}, excluded_checks=excluded
            )

        keeps_to_the_document()
        checked.append(operation.label)
    assert len(checked) == 13, checked


def _in_the_future(case: schemathesis.Case) -> bool:
    """What no schema can say, refused with a 422: an impact that starts in the future, and
    metrics of a quarter that hasn't started."""
    now = datetime.now(UTC)
    started = case.body.get("impact_started_at") if isinstance(case.body, dict) else None
    try:
        if isinstance(started, str) and datetime.fromisoformat(started) > now:
            return True
    except (ValueError, TypeError):
        pass
    quarter = re.fullmatch(r"([0-9]{4})-[Qq]([1-4])", (case.query or {}).get("range") or "")
    return quarter is not None and (int(quarter[1]), int(quarter[2])) > (
        now.year,
        now.month // 3 + 1,
    )
