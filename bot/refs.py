"""What people type to name things: incident IDs (`INC-2026-0042`), problem IDs (`PRB-0001`)
and people (`<@U123>`, as Slack sends a mention). Pure."""

import re
from typing import Final

REF_PATTERN: Final = re.compile(r"^INC-(\d{4})-(\d{4,})$", re.IGNORECASE)
PROBLEM_PATTERN: Final = re.compile(r"^PRB-(\d{4,})$", re.IGNORECASE)
MENTION: Final = re.compile(r"^<@([UW][A-Za-z0-9_]+)(?:\|[^>]*)?>$")


def normalise_ref(text: str) -> str | None:
    """`inc-2026-0042` -> `INC-2026-0042`; None when `text` is not an incident ID."""
    match = REF_PATTERN.match(text.strip())
    return f"INC-{match[1]}-{match[2]}" if match else None


def normalise_problem_ref(text: str) -> str | None:
    """`prb-0001` -> `PRB-0001`; None when `text` is not a problem ID."""
    match = PROBLEM_PATTERN.match(text.strip())
    return f"PRB-{match[1]}" if match else None
