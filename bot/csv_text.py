"""CSV for spreadsheets and BI tools: the incident export and the audit log's."""

import csv
import io
from collections.abc import Sequence
from typing import Final

# A cell starting with one of these is run as a formula by spreadsheets (CSV injection).
_FORMULA_STARTS: Final = ("=", "+", "-", "@", "\t", "\r")


def csv_text(rows: Sequence[dict[str, str]], columns: Sequence[str]) -> str:
    """The rows as CSV with a header line. A text a spreadsheet would run as a formula (a
    title like `=HYPERLINK(…)`) is quoted with a leading apostrophe."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    writer.writerows({k: inert(v) for k, v in row.items()} for row in rows)
    return out.getvalue()


def inert(value: str) -> str:
    """`value` as a spreadsheet shows it and never runs."""
    return "'" + value if value.startswith(_FORMULA_STARTS) else value
