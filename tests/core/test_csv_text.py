"""CSV exports keep spreadsheets from running what people typed (CSV injection)."""

import csv
import io
from datetime import UTC, datetime

import pytest

from bot.audit import as_csv as audit_csv
from bot.audit import as_row
from bot.csv_text import csv_text, inert
from models import AuditEntry


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_a_cell_a_spreadsheet_would_run_gets_a_leading_apostrophe(start: str) -> None:
    text = csv_text([{"title": f'{start}HYPERLINK("http://x")', "n": "1"}], ["title", "n"])
    [row] = list(csv.DictReader(io.StringIO(text)))
    assert row == {"title": f'\'{start}HYPERLINK("http://x")', "n": "1"}


def test_ordinary_cells_are_left_alone() -> None:
    assert [inert(v) for v in ("Checkout down", "", "1.5", "'quoted", " =x")] == [
        "Checkout down", "", "1.5", "'quoted", " =x",
    ]  # fmt: skip


def test_the_audit_export_escapes_its_cells_too() -> None:
    entry = AuditEntry.model_validate(
        {
            "at": datetime(2026, 11, 29, 14, 5, tzinfo=UTC),
            "actor": "U_ALICE",
            "action": "override_created",
            "surface": "slash_command",
            "target": "=cmd|' /C calc'!A0",
            "details": {"user": "U_BOB"},
        }
    )
    [row] = list(csv.DictReader(io.StringIO(audit_csv([as_row(entry)]))))
    assert row["target"] == "'=cmd|' /C calc'!A0"
    assert row["details"] == '{"user": "U_BOB"}' and row["at"] == "2026-11-29T14:05:00+00:00"
