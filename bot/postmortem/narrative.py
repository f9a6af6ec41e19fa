"""The narrative of a post-mortem: what a writer (Claude) adds to the computed facts.

Its shape is the structured output asked of the model and validated before use. The model
reads channel messages, which anyone can write, so what it returns is treated as untrusted
too: `sanitised` removes mentions that would notify people and links the incident never had.
"""

import re
from collections.abc import Callable, Iterable
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

_TEXT = 1500  # characters of one field kept at most
_ITEMS = 12  # items of one list kept at most

Priority = Literal["p0", "p1", "p2", "p3"]


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


_BROADCAST = re.compile(r"<!(?:channel|here|everyone|subteam\^[^>]*)(?:\|[^>]*)?>|<!date[^>]*>")
_BARE_BROADCAST = re.compile(r"(?<![\w`])@(channel|here|everyone)\b")
_MENTION = re.compile(r"<@([UW][A-Za-z0-9_]+)(?:\|[^>]*)?>")
_SLACK_LINK = re.compile(r"<((?:https?|mailto):[^|>\s]+)(?:\|([^>]*))?>")
_MARKDOWN_LINK = re.compile(r"\[([^\]]*)\]\(((?:https?|mailto):[^)\s]+)\)")
_BARE_URL = re.compile(r"(?:https?|mailto):[^\s<>()\[\]|`\"']+")

LINK_REMOVED = "(link removed)"


def links_in(texts: Iterable[str]) -> set[str]:
    """Every URL written in `texts`, as written."""
    found: set[str] = set()
    for text in texts:
        found.update(m[1] for m in _SLACK_LINK.finditer(text))
        found.update(m[0].rstrip(".,;:!?") for m in _BARE_URL.finditer(text))
    return found


def sanitised(narrative: Narrative, *, links: set[str], people: set[str]) -> Narrative:
    """`narrative` with every text safe to show: no broadcast mentions, mentions only of the
    incident's `people`, links only from `links`, and fields and lists kept to a sane size."""

    def clean(text: str) -> str:
        return _clean_text(text, links, people)

    data = _walk(narrative.model_dump(), clean)
    cleaned = Narrative.model_validate(data)
    for item in cleaned.action_items:
        if item.owner is not None and item.owner not in people:
            item.owner = None
    return cleaned


def _clean_text(text: str, links: set[str], people: set[str]) -> str:
    text = _BROADCAST.sub("", text)
    text = _BARE_BROADCAST.sub(lambda m: m[1], text)
    text = _MENTION.sub(lambda m: m[0] if m[1] in people else "someone", text)

    def slack_link(match: re.Match[str]) -> str:
        return match[0] if match[1] in links else (match[2] or LINK_REMOVED)

    def markdown_link(match: re.Match[str]) -> str:
        return match[0] if match[2] in links else (match[1] or LINK_REMOVED)

    text = _SLACK_LINK.sub(slack_link, text)
    text = _MARKDOWN_LINK.sub(markdown_link, text)
    text = _bare_urls(text, links)
    text = text.strip()
    return text if len(text) <= _TEXT else text[: _TEXT - 1] + "…"


def _bare_urls(text: str, links: set[str]) -> str:
    """Bare URLs not from the incident removed; those inside kept links are left alone."""
    kept = [(m.start(), m.end()) for m in _SLACK_LINK.finditer(text)]
    kept += [(m.start(), m.end()) for m in _MARKDOWN_LINK.finditer(text)]

    def bare(match: re.Match[str]) -> str:
        if any(start <= match.start() < end for start, end in kept):
            return match[0]
        url = match[0].rstrip(".,;:!?")
        return match[0] if url in links else LINK_REMOVED + match[0][len(url) :]

    return _BARE_URL.sub(bare, text)


def _walk(value: object, clean: Callable[[str], str]) -> object:
    if isinstance(value, str):
        return clean(value)
    if isinstance(value, list):
        return [_walk(item, clean) for item in value[:_ITEMS]]
    if isinstance(value, dict):
        return {key: _walk(item, clean) for key, item in value.items()}
    return value
