"""`/incident search` results: ranked incidents with a highlighted snippet, a page at a
time. Pure."""

import json
import re
from typing import Final

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    DividerBlock,
    MarkdownTextObject,
    SectionBlock,
)

from bot.adapters.slack.blocks.text import (
    MAX_SECTION,
    STATUS_EMOJI,
    clip,
    defang,
    editable,
    from_form,
    when,
)
from bot.adapters.slack.ids import Action
from bot.ports import Hit
from bot.search import MARK_END, MARK_START, Results

MAX_SNIPPET: Final = 600
MAX_SUMMARY: Final = 500
_SPACE: Final = re.compile(r"\s+")


def search_results(results: Results) -> list[Block]:
    """The page's hits (5 at most: far under Slack's 50 blocks) and, when there are more,
    a button showing the next page in their place."""
    asked = clip(_SPACE.sub(" ", results.request.text), 200)
    if not results.hits:
        text = "No incidents match" if results.page == 0 else "No more incidents match"
        return [_section(f"{text} `{_plain(asked)}`.")]
    last = results.first_rank + len(results.hits) - 1
    blocks: list[Block] = [
        _section(f":mag: Incidents matching `{_plain(asked)}`: {results.first_rank} to {last}")
    ]
    for hit in results.hits:
        blocks += [DividerBlock(), _section(hit_text(hit)), _context(hit)]
    if results.more:
        button = ButtonElement(
            text="More results", action_id=Action.MORE_RESULTS, value=page_value(results)
        )
        blocks.append(ActionsBlock(block_id=Action.MORE_RESULTS, elements=[button]))
    return blocks


def search_fallback(results: Results) -> str:
    return f"{len(results.hits)} incidents found" if results.hits else "No incidents found"


def page_value(results: Results) -> str:
    """What the More results button carries: the search as typed and the next page."""
    return json.dumps({"q": results.request.text, "p": results.page + 1}, ensure_ascii=False)


def read_page_value(value: str) -> tuple[str, int]:
    """The search text and page a More results button carries; raises ValueError."""
    data = json.loads(value)
    text, page = data["q"], data["p"]
    if not isinstance(text, str) or not isinstance(page, int):
        raise ValueError(value)
    return text, page


def hit_text(hit: Hit) -> str:
    """Ref, title, severity and status, the snippet with its matches in bold, and the
    resolution summary."""
    incident = hit.incident
    where = f" · <#{incident.channel_id}>" if incident.channel_id else ""
    lines = [
        f"{STATUS_EMOJI[incident.status]} *{incident.ref}* {defang(incident.title)}",
        f"{incident.severity.upper()} · {incident.status.label}{where}",
    ]
    if snippet := highlighted(hit.snippet):
        lines.append(f"> {snippet}")
    if incident.resolution_summary:
        summary = _SPACE.sub(" ", defang(incident.resolution_summary))
        lines.append(f"*Resolution:* {clip(summary, MAX_SUMMARY)}")
    return clip("\n".join(lines), MAX_SECTION)


def highlighted(snippet: str) -> str:
    """A stored passage (Slack markup, perhaps cut mid-link) as text that shows as written,
    on one line, with each match in bold. Mentions of people stay; nothing notifies."""
    text = _SPACE.sub(" ", from_form(editable(snippet))).strip()
    text = clip(text, MAX_SNIPPET).replace("*", "\u2217")  # only the marks make bold
    return text.replace(MARK_START, "*").replace(MARK_END, "*")


def _context(hit: Hit) -> ContextBlock:
    declared = when(hit.incident.declared_at, "{date_short_pretty}")
    return ContextBlock(elements=[MarkdownTextObject(text=f"Declared {declared}")])


def _plain(text: str) -> str:
    """Typed text shown inside `code`: as typed, no markup."""
    return from_form(editable(text)).replace("`", "'")


def _section(text: str) -> SectionBlock:
    return SectionBlock(text=MarkdownTextObject(text=clip(text, MAX_SECTION)))
