"""Parsing `/incident` text into typed requests (`bot.requests`). Pure: any text gives a
request or a UsageError."""

import re
from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from typing import Final, Literal, cast

from bot.api_tokens import USAGE as TOKEN_USAGE
from bot.categories import MAX_TAGS, normalise_tags
from bot.closing_commands import CLOSING_USAGE, fix_word, parse_cause, parse_fix, parse_verify
from bot.config import Priority
from bot.errors import UsageError
from bot.insights.periods import check_range
from bot.links import unescaped, web_address
from bot.oncall.commands import ONCALL_USAGE, parse_oncall
from bot.oncall.paging_commands import PAGING_USAGE, parse_ack, parse_page
from bot.problem_commands import PROBLEM_USAGE, parse_problem
from bot.refs import MENTION as _MENTION
from bot.refs import normalise_ref
from bot.requests import (
    AddAction,
    AddLink,
    AddNote,
    AddTags,
    AssignRole,
    AuditLogRequest,
    Close,
    Declare,
    DraftPostmortem,
    ExportActions,
    ExportIncidents,
    ExportPostmortem,
    FindRunbooks,
    Help,
    ListActions,
    ListIncidents,
    ManageTokens,
    PublishPostmortem,
    Reopen,
    Request,
    Resolve,
    ReviewPostmortem,
    SearchIncidents,
    SetCategory,
    SetDetection,
    SetImpactScope,
    SetServices,
    SetSeverity,
    SetStatus,
    Show,
    ShowStats,
)
from bot.search_query import SEARCH_USAGE, parse_search
from bot.update_commands import UPDATE_PARSERS, UPDATE_USAGE
from models.enums import Detection, ImpactScope, LinkKind, Role, Status, TokenScope

MAX_TEXT: Final = 3000
MAX_TITLE: Final = 200

_SEVERITY: Final = re.compile(r"^(?:sev)?([0-9])$", re.IGNORECASE)

USAGE: Final = {
    "declare": "/incident declare [sevN] [title]",
    "status": "/incident status [INC-…] "
    "<declared|investigating|identified|mitigated|resolved|closed> [note]",
    "sev": "/incident sev [INC-…] <N> [reason]",
    "role": "/incident role [INC-…] <commander|lead|comms|scribe> @person",
    "services": "/incident services [INC-…] <service>[, <service>…] | none",
    "category": "/incident category [INC-…] <Category/sub>  (e.g. Database/replication)",
    "tag": "/incident tag [INC-…] <tag> [<tag>…]",
    "detection": "/incident detection [INC-…] <monitoring|user_report|internal>",
    "scope": "/incident scope [INC-…] <individual|department|company_wide>",
    "note": "/incident note [INC-…] <text>",
    "link": "/incident link [INC-…] <url> [alert|deploy|trace|dashboard|ticket|runbook] [title]"
    " [at 14:05 | at 2026-11-29T14:05Z (deploys)]",
    "resolve": "/incident resolve [INC-…] [fixed|workaround] [summary]",
    **CLOSING_USAGE,
    **UPDATE_USAGE,
    "reopen": "/incident reopen [INC-…] [reason]",
    "close": "/incident close [INC-…]",
    "postmortem": "/incident postmortem [INC-…] [export | review @person… | publish]",
    "action": "/incident action [INC-…] <text> [@owner] [due:2026-12-01 | due:in 2w] [p0|p1|p2|p3]"
    "\n/incident action export [INC-…]",
    "actions": "/incident actions [mine|open|overdue|all] [INC-…]",
    "stats": "/incident stats [7d|30d|90d|quarter|2026-Q3] [service:<name>] [sev:<N>] [public]",
    "export": "/incident export [7d|30d|90d|quarter|2026-Q3]",
    "search": SEARCH_USAGE,
    "list": "/incident list [open|all]",
    "show": "/incident show [INC-…]",
    "runbook": "/incident runbook [words]",
    "problem": PROBLEM_USAGE,
    "oncall": ONCALL_USAGE,
    **PAGING_USAGE,
    "admin": f"/incident admin audit [export] [7d|30d|90d|2026-Q3|INC-…] · {TOKEN_USAGE}",
    "help": "/incident help",
}


def parse_severity(text: str, known: list[str]) -> str:
    """'sev2', 'SEV2' or '2' -> 'sev2' when the policy has it; raises UsageError otherwise."""
    match = _SEVERITY.match(text.strip())
    key = f"sev{match[1]}" if match else None
    if key not in known:
        options = ", ".join(k.upper() for k in known)
        raise UsageError(f"`{text[:20]}` is not a severity. Use one of {options}.", "")
    return key


def clean_text(text: str) -> str:
    """Text as it can be stored everywhere: PostgreSQL refuses NUL characters."""
    return text.replace("\x00", "")


def parse(text: str, severities: list[str]) -> Request:
    """The request `text` asks for; raises UsageError with the right usage otherwise."""
    text = clean_text(text)
    if len(text) > MAX_TEXT:
        raise UsageError(
            f"That's {len(text)} characters; commands take at most {MAX_TEXT}. "
            "Post long detail as a message in the incident channel instead.",
        )
    words = text.split(maxsplit=1)
    if not words:
        return Help()
    verb, rest = words[0].lower(), (words[1] if len(words) > 1 else "")
    verb = _ALIASES.get(verb, verb)
    parser = _PARSERS.get(verb)
    if parser is None:
        raise UsageError(f"I don't know `{words[0][:30]}`.", _all_usage())
    try:
        return parser(rest.strip(), severities)
    except UsageError as error:
        raise UsageError(str(error), error.usage or USAGE[verb]) from None


def usage_for(text: str) -> str:
    """The usage of the subcommand `text` starts with (aliases included); "" if none."""
    words = text.split(maxsplit=1)
    verb = words[0].lower() if words else ""
    return USAGE.get(_ALIASES.get(verb, verb), "")


def _all_usage() -> str:
    return "\n".join(USAGE.values())


def _take_ref(rest: str) -> tuple[str | None, str]:
    words = rest.split(maxsplit=1)
    if words and (ref := normalise_ref(words[0])):
        return ref, words[1].strip() if len(words) > 1 else ""
    return None, rest


def _declare(rest: str, severities: list[str]) -> Declare:
    words = rest.split(maxsplit=1)
    severity = None
    if words and _SEVERITY.match(words[0]):
        severity = parse_severity(words[0], severities)
        rest = words[1].strip() if len(words) > 1 else ""
    if len(rest) > MAX_TITLE:
        raise UsageError(f"The title is {len(rest)} characters; keep it under {MAX_TITLE}.")
    return Declare(severity=severity, title=rest or None)


def _status(rest: str, _: list[str]) -> SetStatus:
    ref, rest = _take_ref(rest)
    words = rest.split(maxsplit=1)
    if not words:
        raise UsageError("Which status?")
    try:
        status = Status(words[0].lower())
    except ValueError:
        raise UsageError(f"`{words[0][:30]}` is not a status.") from None
    return SetStatus(ref, status, words[1].strip() if len(words) > 1 else "")


def _sev(rest: str, severities: list[str]) -> SetSeverity:
    ref, rest = _take_ref(rest)
    words = rest.split(maxsplit=1)
    if not words:
        raise UsageError("Which severity?")
    severity = parse_severity(words[0], severities)
    return SetSeverity(ref, severity, words[1].strip() if len(words) > 1 else "")


def _role(rest: str, _: list[str]) -> AssignRole:
    ref, rest = _take_ref(rest)
    words = rest.split()
    if len(words) != 2:
        raise UsageError("Name a role and a person.")
    try:
        role = Role(words[0].lower())
    except ValueError:
        raise UsageError(f"`{words[0][:30]}` is not a role.") from None
    mention = _MENTION.match(words[1])
    if not mention:
        raise UsageError(f"Mention the person with @ so Slack links them (got `{words[1][:40]}`).")
    return AssignRole(ref, role, mention[1])


def _services(rest: str, _: list[str]) -> SetServices:
    ref, rest = _take_ref(rest)
    if not rest:
        raise UsageError("Which services? Name them, or say `none`.")
    if rest.strip().lower() == "none":
        return SetServices(ref, ())
    names = tuple(dict.fromkeys(n.strip() for n in rest.split(",") if n.strip()))
    if any(len(n) > 80 for n in names):
        raise UsageError("Service names are at most 80 characters.")
    return SetServices(ref, names)


def _category(rest: str, _: list[str]) -> SetCategory:
    ref, rest = _take_ref(rest)
    if not rest:
        raise UsageError("Which category? Write it like `Database/replication`.")
    return SetCategory(ref, rest)


def _tag(rest: str, _: list[str]) -> AddTags:
    ref, rest = _take_ref(rest)
    tags = normalise_tags(rest.split())
    if not tags:
        raise UsageError("Which tags? Write them separated by spaces.")
    if len(tags) > MAX_TAGS:
        raise UsageError(f"That's {len(tags)} tags; an incident has at most {MAX_TAGS}.")
    return AddTags(ref, tags)


_DETECTIONS: Final = {
    **{d.value: d for d in Detection},
    "alert": Detection.MONITORING,
    "user": Detection.USER_REPORT,
    "user-report": Detection.USER_REPORT,
    "customer": Detection.USER_REPORT,
    "internal-discovery": Detection.INTERNAL,
}
_SCOPES: Final = {
    **{s.value: s for s in ImpactScope},
    "company-wide": ImpactScope.COMPANY_WIDE,
    "company": ImpactScope.COMPANY_WIDE,
    "team": ImpactScope.DEPARTMENT,
}


def _detection(rest: str, _: list[str]) -> SetDetection:
    ref, rest = _take_ref(rest)
    found = _DETECTIONS.get(rest.strip().lower())
    if found is None:
        choices = ", ".join(f"`{d.value}`" for d in Detection)
        raise UsageError(f"How was it detected? Use one of {choices}.")
    return SetDetection(ref, found)


def _scope(rest: str, _: list[str]) -> SetImpactScope:
    ref, rest = _take_ref(rest)
    found = _SCOPES.get(rest.strip().lower())
    if found is None:
        choices = ", ".join(f"`{s.value}`" for s in ImpactScope)
        raise UsageError(f"Who does it affect? Use one of {choices}.")
    return SetImpactScope(ref, found)


def _note(rest: str, _: list[str]) -> AddNote:
    ref, rest = _take_ref(rest)
    if not rest:
        raise UsageError("What should the note say?")
    return AddNote(ref, rest)


_LINK_KINDS: Final = {kind.value: kind for kind in LinkKind}
_CLOCK: Final = re.compile(r"^([01]?[0-9]|2[0-3]):([0-5][0-9])(?::([0-5][0-9]))?$")


def _link(rest: str, _: list[str]) -> AddLink:
    ref, rest = _take_ref(rest)
    if not rest:
        raise UsageError("Which link? Paste its address, e.g. `https://grafana.example.com/d/api`.")
    url, label, rest = _take_url(rest)
    words = rest.split(maxsplit=1)
    kind = LinkKind.OTHER
    if words and words[0].lower() in _LINK_KINDS:
        kind = _LINK_KINDS[words[0].lower()]
        rest = words[1].strip() if len(words) > 1 else ""
    at = None
    if kind is LinkKind.DEPLOY:
        at, rest = _take_moment(rest)
    title = rest or label
    if len(title) > MAX_TITLE:
        title = title[: MAX_TITLE - 1] + "…"
    return AddLink(ref, url, kind, title, at)


def _take_url(rest: str) -> tuple[str, str, str]:
    """The link that starts `rest` (Slack sends `<https://x|label>` or `<https://x>`), its
    label and the text after it."""
    end = rest.find(">") if rest.startswith("<") else -1
    if end > 0:
        token, rest = rest[1:end], rest[end + 1 :]
        written, _, label = token.partition("|")
    else:
        words = rest.split(maxsplit=1)
        written, label, rest = words[0], "", (words[1] if len(words) > 1 else "")
    url, label = web_address(unescaped(written)), label.strip()
    same = unescaped(label) in (url, unescaped(written))
    return url, ("" if same else label), rest.strip()


def _take_moment(rest: str) -> tuple[time | datetime | None, str]:
    """`at 14:05` or `at 2026-11-29T14:05Z` anywhere in `rest`, and the text without it.
    `at` followed by words that are not trying to be a time stays in the text."""
    words = rest.split()
    for i, word in enumerate(words[:-1]):
        value = words[i + 1]
        if word.lower() == "at" and value[:1].isdigit() and (":" in value or "-" in value):
            return _moment(value), " ".join(words[:i] + words[i + 2 :])
    return None, rest


def _moment(text: str) -> time | datetime:
    match = _CLOCK.match(text)
    if match:
        return time(int(match[1]), int(match[2]), int(match[3] or 0))
    try:
        if "t" not in text.lower():
            raise ValueError(text)
        return datetime.fromisoformat(text)
    except ValueError:
        raise UsageError(
            f"`{text[:30]}` is not a time like `14:05` or `2026-11-29T14:05Z`."
        ) from None


def _resolve(rest: str, _: list[str]) -> Resolve:
    ref, rest = _take_ref(rest)
    fix, summary = fix_word(rest)
    return Resolve(ref, summary, fix)


def _reopen(rest: str, _: list[str]) -> Reopen:
    ref, rest = _take_ref(rest)
    return Reopen(ref, rest)


def _close(rest: str, _: list[str]) -> Close:
    ref, rest = _take_ref(rest)
    if rest:
        raise UsageError("`close` takes no text.")
    return Close(ref)


def _postmortem(
    rest: str, _: list[str]
) -> DraftPostmortem | ExportPostmortem | ReviewPostmortem | PublishPostmortem:
    ref, rest = _take_ref(rest)
    words = rest.split()
    action = words[0].lower() if words else "draft"
    if action == "draft" and len(words) <= 1:
        return DraftPostmortem(ref)
    if action == "export" and len(words) == 1:
        return ExportPostmortem(ref)
    if action == "publish" and len(words) == 1:
        return PublishPostmortem(ref)
    if action == "review":
        mentions = [_MENTION.match(w) for w in words[1:]]
        if not mentions or not all(mentions):
            raise UsageError("Mention each reviewer with @ so Slack links them.")
        return ReviewPostmortem(ref, tuple(dict.fromkeys(m[1] for m in mentions if m)))
    raise UsageError(f"I can't do `{rest[:30]}` with a post-mortem.")


_PRIORITY: Final = re.compile(r"^p[0-3]$", re.IGNORECASE)
_SPAN: Final = re.compile(r"^(\d{1,3})([dw])$", re.IGNORECASE)


def _action(rest: str, _: list[str]) -> AddAction | ExportActions:
    ref, rest = _take_ref(rest)
    if rest.lower() == "export" or (ref is None and rest.lower().startswith("export ")):
        ref = ref or normalise_ref(rest[len("export") :])
        if rest.lower() != "export" and ref is None:
            return _new_item(None, rest)
        return ExportActions(ref)
    return _new_item(ref, rest)


def _new_item(ref: str | None, rest: str) -> AddAction:
    words, owner, priority = rest.split(), None, None
    due_on: date | None = None
    due_in: timedelta | None = None
    kept: list[str] = []
    while words:
        word = words.pop(0)
        mention = _MENTION.match(word)
        if mention and owner is None:
            owner = mention[1]
        elif _PRIORITY.match(word) and priority is None:
            priority = cast(Priority, word.lower())
        elif word.lower().startswith("due:"):
            value = word[4:] or (words.pop(0) if words else "")
            if value.lower() == "in":
                value = words.pop(0) if words else ""
                due_in = _span(value)
            else:
                due_on = _day(value)
        else:
            kept.append(word)
    title = " ".join(kept)
    if not title:
        raise UsageError("What needs doing? Write the action item's text.")
    if len(title) > 500:
        raise UsageError(f"The action item is {len(title)} characters; keep it under 500.")
    return AddAction(ref, title, owner, due_on, due_in, priority)


def _span(text: str) -> timedelta:
    match = _SPAN.match(text)
    if not match:
        raise UsageError(f"`{text[:20]}` is not a span like `3d` or `2w`.")
    amount = int(match[1])
    return timedelta(weeks=amount) if match[2].lower() == "w" else timedelta(days=amount)


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise UsageError(f"`{text[:20]}` is not a date like `2026-12-01`.") from None


def _actions(rest: str, _: list[str]) -> ListActions:
    words = rest.split()
    ref = None
    if words and (found := normalise_ref(words[-1])):
        ref, words = found, words[:-1]
    scope = words[0].lower() if words else ("all" if ref else "mine")
    if len(words) > 1 or scope not in ("mine", "open", "overdue", "all"):
        raise UsageError(f"List `mine`, `open`, `overdue` or `all`, not `{rest[:30]}`.")
    return ListActions(cast(Literal["mine", "open", "overdue", "all"], scope), ref)


def _stats(rest: str, severities: list[str]) -> ShowStats:
    period, service, severity, public = "30d", None, None, False
    for word in rest.split():
        lower = word.lower()
        if lower.startswith("service:") and len(word) > len("service:"):
            service = word[len("service:") :]
        elif lower.startswith("sev:"):
            severity = parse_severity(word[len("sev:") :], severities)
        elif lower == "public":
            public = True
        else:
            period = check_range(word)
    return ShowStats(period, service, severity, public)


def _admin(rest: str, _: list[str]) -> AuditLogRequest | ManageTokens:
    words = rest.lower().split()
    if words[:1] == ["token"]:
        return _tokens(words[1:])
    if not words or words[0] != "audit":
        raise UsageError("Admin commands: `audit`, `token`.", USAGE["admin"])
    export = words[1:2] == ["export"]
    rest_words = words[2:] if export else words[1:]
    if len(rest_words) > 1:
        raise UsageError("Name one range or incident.", USAGE["admin"])
    return AuditLogRequest(rest_words[0] if rest_words else "30d", export)


def _tokens(words: list[str]) -> ManageTokens:
    match words:
        case ["list"]:
            return ManageTokens("list")
        case ["revoke", name]:
            return ManageTokens("revoke", name)
        case ["create", name, *options] if set(options) <= {"read", "write", "private"}:
            scope = TokenScope.WRITE if "write" in options else TokenScope.READ
            return ManageTokens("create", name, scope, "private" in options)
    raise UsageError("Say what to do with API tokens.", TOKEN_USAGE)


def _export(rest: str, _: list[str]) -> ExportIncidents:
    words = rest.split()
    if len(words) > 1:
        raise UsageError(f"Export takes one range, not `{rest[:30]}`.")
    return ExportIncidents(check_range(words[0]) if words else "30d")


def _search(rest: str, severities: list[str]) -> SearchIncidents:
    return parse_search(rest, lambda text: parse_severity(text, severities))


def _list(rest: str, _: list[str]) -> ListIncidents:
    scope = rest.lower() or "open"
    if scope not in ("open", "all"):
        raise UsageError(f"List `open` or `all`, not `{rest[:30]}`.")
    return ListIncidents(include_resolved=scope == "all")


def _show(rest: str, _: list[str]) -> Show:
    ref, rest = _take_ref(rest)
    if rest:
        raise UsageError(f"`{rest[:30]}` is not an incident ID like `INC-2026-0042`.")
    return Show(ref)


def _runbook(rest: str, _: list[str]) -> FindRunbooks:
    if rest and not any(c.isalnum() for c in rest):
        raise UsageError("Search the runbooks with words, e.g. `/incident runbook disk full`.")
    if len(rest) > MAX_TITLE:
        raise UsageError(f"That search is {len(rest)} characters; keep it under {MAX_TITLE}.")
    return FindRunbooks(rest)


def _help(rest: str, _: list[str]) -> Help:
    return Help()


_ALIASES: Final = {
    "runbooks": "runbook",
    "severity": "sev",
    "pm": "postmortem",
    "post-mortem": "postmortem",
    "tags": "tag",
    "detected": "detection",
    "impact": "scope",
    "problems": "problem",
    "on-call": "oncall",
    "follow": "subscribe",
    "unfollow": "unsubscribe",
}
_PARSERS: Final[dict[str, Callable[[str, list[str]], Request]]] = {
    "admin": _admin,
    "declare": _declare,
    "status": _status,
    "sev": _sev,
    "role": _role,
    "services": _services,
    "category": _category,
    "tag": _tag,
    "detection": _detection,
    "scope": _scope,
    "note": _note,
    "link": _link,
    "resolve": _resolve,
    "reopen": _reopen,
    "close": _close,
    "postmortem": _postmortem,
    "action": _action,
    "actions": _actions,
    "stats": _stats,
    "export": _export,
    "search": _search,
    "list": _list,
    "show": _show,
    "runbook": _runbook,
    "problem": parse_problem,
    "fix": parse_fix,
    "verify": parse_verify,
    "cause": parse_cause,
    "oncall": parse_oncall,
    "ack": parse_ack,
    "page": parse_page,
    **UPDATE_PARSERS,
    "help": _help,
}
