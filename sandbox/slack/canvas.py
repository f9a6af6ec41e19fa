"""Canvas markdown: the rules Slack enforces on `document_content`, and how a canvas splits into
sections. Pure functions; `methods/canvases.py` turns their verdicts into Slack's errors.

Slack documents a markdown subset for canvases: bold, italic, strikethrough, bulleted and ordered
lists, checklists (`- [ ]`, `- [x]`), code blocks and spans, dividers, emojis, hard line breaks,
headings h1-h3, links and link references, tables, block quotes, paragraphs, and mentions written
`![](@U123)` / `![](#C123)`. Most of it needs no checking here. What Slack refuses, and the fake
refuses in the same words: a heading deeper than h3, and a list inside a block quote. Raw HTML
is not checked. Text inside fenced code blocks is code, never a heading or a quote.

Sections, modelled simply: each heading line starts a section holding the lines after it up to
the next heading; content before the first heading is a section of its own. Joining the sections
with newlines gives back the document exactly. Content inserted or replaced by `canvases.edit`
is split the same way on its own, so a fragment without a heading is a section by itself.
"""

from __future__ import annotations

import re
import secrets
import string
from collections.abc import Callable, Iterator, Sequence
from itertools import pairwise
from typing import Final

from .records import Section

# Slack documents no size limit for a canvas; this one is our stated assumption, so that an app
# which grows a canvas without bound (a timeline appended forever) meets a refusal in tests.
CANVAS_MAX_CHARS: Final = 100_000
TOO_LARGE_DETAIL: Final = f"'content' error: canvas exceeds {CANVAS_MAX_CHARS} characters"
NOT_MARKDOWN_DETAIL: Final = "document_content must be markdown"

SECTION_TYPES: Final = ("h1", "h2", "h3", "any_header")
MAX_HEADING_LEVEL: Final = 3

_FENCE: Final = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_HEADING: Final = re.compile(r"^ {0,3}(#{1,6})(?:[ \t]+|$)")
_QUOTE_MARKER: Final = re.compile(r"^ {0,3}> ?")
_LIST_ITEM: Final = re.compile(r"^ {0,3}(?:[-*+]|\d{1,9}[.)])(?:[ \t]|$)")
_ID_ALPHABET: Final = string.ascii_letters + string.digits


class CanvasContentError(ValueError):
    """Markdown Slack refuses; `detail` is Slack's `detail` field, word for word."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


def document_markdown(content: object) -> str | None:
    """The markdown of a `{"type": "markdown", "markdown": str}` content object, else None."""
    if not isinstance(content, dict) or content.get("type") != "markdown":
        return None
    markdown = content.get("markdown")
    return markdown if isinstance(markdown, str) else None


def check_markdown(markdown: str) -> None:
    """Raise `CanvasContentError` for the first line Slack would refuse (lines count from 1)."""
    for number, line in _lines_outside_code(markdown):
        level = heading_level(line)
        if level > MAX_HEADING_LEVEL:
            raise CanvasContentError(
                f"'content' error: line {number}: Unsupported heading level ({level})"
            )
        if _QUOTE_MARKER.match(line) and _LIST_ITEM.match(_unquoted(line)):
            raise CanvasContentError(
                f"'content' error: line {number}: Unsupported block type (List) within block quote"
            )


def too_large(markdown: str) -> bool:
    return len(markdown) > CANVAS_MAX_CHARS


def heading_level(line: str) -> int:
    """1-6 for an ATX heading line (`## Timeline`), 0 for any other line."""
    match = _HEADING.match(line)
    return len(match.group(1)) if match else 0


def new_section_id() -> str:
    """A section id shaped like Slack's: `temp:C:` and 28 letters and digits."""
    return "temp:C:" + "".join(secrets.choice(_ID_ALPHABET) for _ in range(28))


def split_sections(markdown: str, new_id: Callable[[], str] = new_section_id) -> list[Section]:
    """The sections of `markdown`, each with a fresh id; empty markdown has none."""
    if not markdown:
        return []
    lines = markdown.split("\n")
    starts = [0, *(i - 1 for i, line in _lines_outside_code(markdown) if heading_level(line))]
    bounds = [*sorted(set(starts)), len(lines)]
    return [Section(new_id(), "\n".join(lines[start:end])) for start, end in pairwise(bounds)]


def join_sections(sections: Sequence[Section]) -> str:
    return "\n".join(section.markdown for section in sections)


def section_type(section: Section) -> str | None:
    """ "h1", "h2" or "h3" for a section under a heading; None for content before any heading."""
    first_line = section.markdown.split("\n", 1)[0]
    level = heading_level(first_line)
    return f"h{level}" if level else None


def section_matches(
    section: Section, section_types: Sequence[str] | None, contains_text: str | None
) -> bool:
    """`canvases.sections.lookup` criteria: every criterion given must hold. The text is compared
    case-insensitively with the section's text, heading markers left out."""
    if section_types is not None:
        kind = section_type(section)
        wanted = set(section_types)
        if kind is None or not (kind in wanted or "any_header" in wanted):
            return False
    if contains_text is not None:
        return contains_text.casefold() in section_text(section).casefold()
    return True


def section_text(section: Section) -> str:
    return "\n".join(_HEADING.sub("", line, count=1) for line in section.markdown.split("\n"))


def _lines_outside_code(markdown: str) -> Iterator[tuple[int, str]]:
    """(line number from 1, line) for every line outside fenced code blocks, fences included."""
    fence: str | None = None  # the open fence, "```" or "~~~" (or longer)
    for number, line in enumerate(markdown.split("\n"), start=1):
        match = _FENCE.match(line)
        if fence is None:
            if match:
                fence = match.group(1)
            yield number, line
        elif match and _closes(fence, match.group(1), line[match.end() :]):
            fence = None


def _closes(fence: str, marker: str, rest: str) -> bool:
    return marker[0] == fence[0] and len(marker) >= len(fence) and not rest.strip()


def _unquoted(line: str) -> str:
    """The line with its block quote markers (`>`, `> >`) taken off."""
    while _QUOTE_MARKER.match(line):
        line = _QUOTE_MARKER.sub("", line, count=1)
    return line
