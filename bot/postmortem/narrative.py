"""The narrative of a post-mortem: what a writer (Claude) adds to the computed facts.

Its shape is the structured output asked of the model and validated before use. The model
reads channel messages, which anyone can write, so what it returns is treated as untrusted
too: `sanitised` removes mentions that would notify people, and links and channels the incident
never had.
"""

import html
import re
from collections.abc import Callable, Iterable
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from bot.config import Priority

_TEXT = 1500  # characters of one field kept at most
_ITEMS = 12  # items of one list kept at most


class _Part(BaseModel):
    model_config = ConfigDict(extra="ignore")


class Summary(_Part):
    what_happened: str = Field(description="What happened, in two or three sentences.")
    why: str = Field(description="Why it happened, as far as the record shows.")
    response: str = Field(description="What the responders did to mitigate and resolve it.")
    prevention: str = Field(description="What will prevent it from happening again.")


class Why(_Part):
    question: str
    answer: str


class RootCauses(_Part):
    technical: str
    process: str
    organisational: str


class Factors(_Part):
    technical: list[str]
    process: list[str]
    human: list[str] = Field(
        description="Blameless: conditions and systems that made a mistake likely, not people."
    )


class Impact(_Part):
    users: str
    business: str
    slo: str


class WentWrong(_Part):
    detection: list[str]
    response: list[str]
    communication: list[str]
    tooling: list[str]


class ProposedAction(_Part):
    title: str
    priority: Priority
    owner: str | None = Field(
        default=None,
        description="The Slack user ID (like U012AB3CD) of a person from the incident who "
        "could own it, or null.",
    )
    rationale: str = ""


class Narrative(_Part):
    """Every narrative section of the draft; the facts (times, people, counts) are not here."""

    summary: Summary
    five_whys: Annotated[list[Why], Field(description="Up to five whys, each digging deeper.")]
    root_causes: RootCauses
    contributing_factors: Factors
    impact: Impact
    went_well: list[str]
    went_wrong: WentWrong
    action_items: list[ProposedAction]
    lessons_learned: list[str]


_SCHEME = r"[a-z][a-z0-9+.-]*:"
# Every Slack special (`<!here>`, `<!subteam^S1>`, `<!date^…|label>`): none belongs in a narrative.
_SPECIAL = re.compile(r"<!([^|>]*)(?:\|([^>]*))?>")
_BARE_BROADCAST = re.compile(r"(?<![\w`])@(channel|here|everyone)\b", re.IGNORECASE)
_USER = re.compile(r"<@([^|>\s]+)(?:\|[^>]*)?>")
_CHANNEL = re.compile(r"<#([^|>\s]+)(?:\|([^>]*))?>")
_SLACK_LINK = re.compile(rf"<((?:{_SCHEME}|www\.)[^|<>\s]*)(?:\|([^<>]*))?>", re.IGNORECASE)
# Links, images and canvas mentions (`![](@U123)`, `![](#C123)`) alike; a target may hold
# balanced parentheses, as `javascript:alert(1)` does.
_MARKDOWN_LINK = re.compile(r"!?\[([^\[\]]*)\]\(((?:[^()]|\([^()]*\))*)\)")
_BARE_URL = re.compile(
    rf"(?:{_SCHEME}//|www\.|javascript:|mailto:)(?:[^\s<>()\[\]|`\"']|\([^\s<>()]*\))*",
    re.IGNORECASE,
)
_ORIGIN = re.compile(rf"^(?:{_SCHEME}(?://)?|www\.)[^/?#]*", re.IGNORECASE)
_PASSES = 8  # rounds of cleaning before a text that keeps changing is dropped

LINK_REMOVED = "(link removed)"
TEXT_REMOVED = "(text removed)"


def links_in(texts: Iterable[str]) -> set[str]:
    """Every link target written in `texts`, as written: URLs, and channels as `#C123` (the
    target of a canvas channel mention). Slack escapes `&` in URLs; both forms are kept."""
    found: set[str] = set()
    for text in {form for written in texts for form in (written, html.unescape(written))}:
        found.update(m[1] for m in _SLACK_LINK.finditer(text))
        found.update(m[0].rstrip(".,;:!?") for m in _BARE_URL.finditer(text))
        found.update(f"#{m[1]}" for m in _CHANNEL.finditer(text))
        targets = (_destination(m[2]) for m in _MARKDOWN_LINK.finditer(text))
        found.update(target for target in targets if target.startswith("#"))
    return found


def sanitised(narrative: Narrative, *, links: set[str], people: set[str]) -> Narrative:
    """`narrative` with every text safe to show: no broadcast mentions, mentions only of the
    incident's `people`, links and channels only from `links` (see `links_in`), and fields
    and lists kept to a sane size."""
    targets = {_origin_folded(link) for link in links} | {f"@{person}" for person in people}

    def clean(text: str) -> str:
        return _clean_text(text, targets, people)

    data = _walk(narrative.model_dump(), clean)
    cleaned = Narrative.model_validate(data)
    for item in cleaned.action_items:
        if item.owner is not None and item.owner not in people:
            item.owner = None
    return cleaned


def _clean_text(text: str, targets: set[str], people: set[str]) -> str:
    # Beyond twice the size kept nothing could survive the cut; leaving it out also bounds
    # the regexes' work on a text built to make them backtrack (`<!` ten thousand times).
    text = _settled(text[: 2 * _TEXT], targets, people)
    if len(text) > _TEXT:
        # The cut may leave half a link behind, which cleaning removes, so room is left for it.
        text = _settled(text[: _TEXT - len(LINK_REMOVED) - 1] + "…", targets, people)
    return text


def _settled(text: str, targets: set[str], people: set[str]) -> str:
    """`text` cleaned until a round changes nothing. Removing one piece can join its
    neighbours into a new mention (`<!chan<!here>nel>`), and the canvas decodes HTML
    entities (`&lt;!channel&gt;`), so each round decodes them first."""
    for _ in range(_PASSES):
        decoded = html.unescape(text)
        cleaned = _cleaned_once(decoded, targets, people)
        if cleaned == decoded == text:
            return text
        text = cleaned
    return TEXT_REMOVED


def _cleaned_once(text: str, targets: set[str], people: set[str]) -> str:
    text = _SPECIAL.sub(_special_kept, text)
    text = _BARE_BROADCAST.sub(lambda m: m[1], text)
    text = _USER.sub(lambda m: m[0] if m[1] in people else "someone", text)
    text = _CHANNEL.sub(lambda m: _kept(m[0], f"#{m[1]}", m[2], targets), text)
    text = _SLACK_LINK.sub(lambda m: _kept(m[0], m[1], m[2], targets), text)
    text = _MARKDOWN_LINK.sub(lambda m: _kept(m[0], _destination(m[2]), m[1], targets), text)
    text = _BARE_URL.sub(lambda m: _bare_url_kept(m[0], targets), text)
    return text.strip()


def _special_kept(match: re.Match[str]) -> str:
    """A date keeps the text it is shown as; anything else (a broadcast) goes."""
    return (match[2] or "") if match[1].startswith("date") else ""


def _kept(written: str, target: str, label: str | None, targets: set[str]) -> str:
    """A link or mention as written when its target is allowed, else a harmless stand-in."""
    if _origin_folded(target) in targets:
        return written
    if target.startswith("@"):
        return "someone"
    if target.startswith("#"):
        return label or "a channel"
    return label or LINK_REMOVED


def _bare_url_kept(written: str, targets: set[str]) -> str:
    url = written.rstrip(".,;:!?")
    return written if _origin_folded(url) in targets else LINK_REMOVED + written[len(url) :]


def _destination(written: str) -> str:
    """The target of a Markdown link: `<url>` unwrapped, a title after it left out."""
    parts = written.split(maxsplit=1)
    return parts[0].removeprefix("<").removesuffix(">") if parts else ""


def _origin_folded(target: str) -> str:
    """`target` with its scheme and host in lower case, as they compare (HTTPS://A = https://a)."""
    return _ORIGIN.sub(lambda m: m[0].lower(), target, count=1)


def _walk(value: object, clean: Callable[[str], str]) -> object:
    if isinstance(value, str):
        return clean(value)
    if isinstance(value, list):
        return [_walk(item, clean) for item in value[:_ITEMS]]
    if isinstance(value, dict):
        return {key: _walk(item, clean) for key, item in value.items()}
    return value


def safe_text(text: str, *, links: set[str], people: set[str]) -> str:
    """One text a model wrote, made safe to show as `sanitised` does for a narrative."""
    targets = {_origin_folded(link) for link in links} | {f"@{person}" for person in people}
    return _clean_text(text, targets, people)
