"""Parsing `/incident fix`, `verify` and `cause` (what resolving did, how it was verified,
the root cause) and the fix word `/incident resolve` may start with. Pure: any text gives a
request or a UsageError."""

from typing import Final

from bot.config import parse_duration
from bot.errors import UsageError
from bot.refs import normalise_ref
from bot.requests import RecordFix, RecordRootCause, Verify
from models import Fix, Verification

CLOSING_USAGE: Final = {
    "fix": "/incident fix [INC-…] <permanent|workaround>",
    "verify": "/incident verify [INC-…] <reporter|metrics|monitor 2h>",
    "cause": "/incident cause [INC-…] <root cause> | unknown",
}
MAX_CAUSE: Final = 3000
_FIXES: Final = {
    "permanent": Fix.PERMANENT,
    "fixed": Fix.PERMANENT,
    "fix": Fix.PERMANENT,
    "workaround": Fix.WORKAROUND,
    "temporary": Fix.WORKAROUND,
}
_CHECKS: Final = {
    "reporter": Verification.REPORTER,
    "confirmed": Verification.REPORTER,
    "metrics": Verification.METRICS,
    "monitor": Verification.MONITORING,
    "monitoring": Verification.MONITORING,
}


def fix_word(text: str) -> tuple[Fix | None, str]:
    """`workaround: Restarted pods` -> (WORKAROUND, "Restarted pods"). Only the words
    `permanent` and `workaround` count, so a summary such as "Fixed the config" stays whole."""
    words = text.split(maxsplit=1)
    first = words[0].lower().rstrip(":") if words else ""
    if first in (Fix.PERMANENT, Fix.WORKAROUND):
        return Fix(first), words[1].strip() if len(words) > 1 else ""
    return None, text


def parse_fix(rest: str, _: list[str]) -> RecordFix:
    ref, rest = _ref(rest)
    fix = _FIXES.get(rest.lower().rstrip(":"))
    if fix is None:
        raise UsageError("Say `permanent` or `workaround`.", CLOSING_USAGE["fix"])
    return RecordFix(ref, fix)


def parse_verify(rest: str, _: list[str]) -> Verify:
    ref, rest = _ref(rest)
    words = rest.split()
    how = _CHECKS.get(words[0].lower()) if words else None
    if how is None:
        raise UsageError(
            "Say how it was verified: `reporter`, `metrics` or `monitor 2h`.",
            CLOSING_USAGE["verify"],
        )
    if how is not Verification.MONITORING:
        if len(words) > 1:
            raise UsageError(f"`{words[0]}` takes nothing more.", CLOSING_USAGE["verify"])
        return Verify(ref, how)
    if len(words) != 2:
        raise UsageError("Monitor for how long? e.g. `monitor 2h`.", CLOSING_USAGE["verify"])
    try:
        within = parse_duration(words[1])
    except ValueError:
        raise UsageError(
            f"`{words[1][:20]}` is not a duration like `30m`, `2h` or `1d`.",
            CLOSING_USAGE["verify"],
        ) from None
    return Verify(ref, how, within)


def parse_cause(rest: str, _: list[str]) -> RecordRootCause:
    ref, rest = _ref(rest)
    if not rest:
        raise UsageError("What was the root cause? Or say `unknown`.", CLOSING_USAGE["cause"])
    if len(rest) > MAX_CAUSE:
        raise UsageError(f"That's {len(rest)} characters; at most {MAX_CAUSE}.")
    if rest.lower() == "unknown":
        return RecordRootCause(ref, "", unknown=True)
    return RecordRootCause(ref, rest)


def _ref(rest: str) -> tuple[str | None, str]:
    words = rest.split(maxsplit=1)
    if words and (ref := normalise_ref(words[0])):
        return ref, words[1].strip() if len(words) > 1 else ""
    return None, rest.strip()
