"""Parsing `/incident problem …` into typed requests (`bot.requests`). Pure: any text gives
a request or a UsageError."""

from typing import Final

from bot.errors import UsageError
from bot.refs import MENTION, normalise_problem_ref, normalise_ref
from bot.requests import (
    LinkProblem,
    ListProblems,
    OpenProblem,
    ProblemRequest,
    SetProblemOwner,
    SetProblemStatus,
    ShowProblem,
    UnlinkProblem,
)
from models.enums import ProblemStatus

MAX_PROBLEM_TITLE: Final = 200
MAX_NOTE: Final = 1000

PROBLEM_USAGE: Final = (
    "/incident problem new <title>  (in an incident channel: opens it and links the incident)"
    "\n/incident problem link <PRB-…> [INC-…]"
    "\n/incident problem unlink [INC-…]"
    "\n/incident problem [PRB-…]"
    "\n/incident problem list [all]"
    "\n/incident problem status <PRB-…> <open|known-error|resolved> [workaround or note]"
    "\n/incident problem owner <PRB-…> @person | none"
)

_STATUSES: Final = {
    **{s.value: s for s in ProblemStatus},
    "known-error": ProblemStatus.KNOWN_ERROR,
    "known": ProblemStatus.KNOWN_ERROR,
    "reopen": ProblemStatus.OPEN,
    "reopened": ProblemStatus.OPEN,
}


def parse_problem(rest: str, _: list[str]) -> ProblemRequest:
    """`new <title>`, `link`, `unlink`, `list`, `status`, `owner`, or a problem ID (or
    nothing) to show one."""
    words = rest.split(maxsplit=1)
    verb = words[0].lower() if words else ""
    more = words[1].strip() if len(words) > 1 else ""
    match verb:
        case "":
            return ShowProblem(None)
        case "new" | "open":
            return _new(more)
        case "link":
            return _link(more)
        case "unlink":
            return UnlinkProblem(_incident(more))
        case "list":
            if more.lower() not in ("", "all", "open"):
                raise UsageError(f"List `open` or `all` problems, not `{more[:30]}`.")
            return ListProblems(include_resolved=more.lower() == "all")
        case "status":
            return _status(more)
        case "owner":
            return _owner(more)
    problem = normalise_problem_ref(verb)
    if problem is None or more:
        raise UsageError(f"`{rest[:30]}` is not a problem command or ID like `PRB-0001`.")
    return ShowProblem(problem)


def _new(title: str) -> OpenProblem:
    if not title:
        raise UsageError("What is the problem? Give it a title.")
    if len(title) > MAX_PROBLEM_TITLE:
        raise UsageError(
            f"The title is {len(title)} characters; keep it under {MAX_PROBLEM_TITLE}."
        )
    return OpenProblem(title)


def _problem(word: str) -> str:
    found = normalise_problem_ref(word)
    if found is None:
        raise UsageError(f"Which problem? Name it like `PRB-0001` (got `{word[:30]}`).")
    return found


def _incident(text: str) -> str | None:
    if not text:
        return None
    found = normalise_ref(text)
    if found is None:
        raise UsageError(f"`{text[:30]}` is not an incident ID like `INC-2026-0042`.")
    return found


def _link(rest: str) -> LinkProblem:
    words = rest.split(maxsplit=1)
    if not words:
        raise UsageError("Which problem? Name it like `PRB-0001`.")
    return LinkProblem(_problem(words[0]), _incident(words[1].strip() if len(words) > 1 else ""))


def _status(rest: str) -> SetProblemStatus:
    words = rest.split(maxsplit=2)
    if len(words) < 2:
        raise UsageError("Name the problem and its status.")
    status = _STATUSES.get(words[1].lower())
    if status is None:
        raise UsageError(
            f"`{words[1][:30]}` is not a problem status: use `open`, `known-error` or `resolved`."
        )
    note = words[2].strip() if len(words) > 2 else ""
    if len(note) > MAX_NOTE:
        raise UsageError(f"The note is {len(note)} characters; keep it under {MAX_NOTE}.")
    return SetProblemStatus(_problem(words[0]), status, note)


def _owner(rest: str) -> SetProblemOwner:
    words = rest.split()
    if len(words) != 2:
        raise UsageError("Name the problem and its owner.")
    problem = _problem(words[0])
    if words[1].lower() in ("none", "nobody"):
        return SetProblemOwner(problem, None)
    mention = MENTION.match(words[1])
    if not mention:
        raise UsageError(f"Mention the person with @ so Slack links them (got `{words[1][:40]}`).")
    return SetProblemOwner(problem, mention[1])
