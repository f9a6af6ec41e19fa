"""What Slack shows of the runbook library: a file runbook posted in the channel, and the
answers to `/incident runbook`. Pure."""

import re
from collections.abc import Sequence
from typing import Final

from slack_sdk.models.blocks import Block, ContextBlock, MarkdownTextObject, SectionBlock

from bot.adapters.slack.blocks.text import MAX_SECTION, clip, escape
from bot.links import markup
from bot.runbooks import Found
from models import TimelineEntry

SHOWN_RUNBOOKS: Final = 10  # in a reply; the rest are counted
_EXCERPT: Final = 200  # characters of a file runbook shown in a search answer
_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+(.*?)\s*#*\s*$")
_BULLET = re.compile(r"^(\s*)[-*+]\s+")
_BOLD = re.compile(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1")
_ITALIC = re.compile(r"(?<![\w*])\*(?=\S)([^*]+?)(?<=\S)\*(?![\w*])")
_STRIKE = re.compile(r"~~(.+?)~~")
_LINK = re.compile(r"\[([^\]]+)\]\((https?://[^)\s]+)\)")


def mrkdwn(markdown: str) -> str:
    """Markdown as Slack mrkdwn: headings and bold as *bold*, italics as _italic_, lists
    as bullets, [text](url) as links; code blocks kept as they are; `&<>` escaped."""
    lines, in_code = [], False
    for line in markdown.splitlines():
        if line.strip().startswith("```"):
            in_code = not in_code
            lines.append("```")
            continue
        if in_code:
            lines.append(escape(line))
            continue
        lines.append(_inline(line))
    return "\n".join(lines).strip()


def _inline(line: str) -> str:
    heading = _HEADING.match(line)
    if heading:
        return f"*{escape(heading[1]).replace('*', '')}*"
    links: list[str] = []

    def keep(found: re.Match[str]) -> str:  # links are made after escaping the rest
        links.append(markup(found[2], found[1]))
        return f"\x00{len(links) - 1}\x00"

    text = escape(_LINK.sub(keep, line))
    text = _BULLET.sub(lambda m: m[1] + "• ", text)
    text = _ITALIC.sub(r"_\1_", text)
    text = _BOLD.sub(r"*\2*", text)
    text = _STRIKE.sub(r"~\1~", text)
    return re.sub(r"\x00(\d+)\x00", lambda m: links[int(m[1])], text)


def runbook_post(entry: TimelineEntry) -> list[Block]:
    """A file runbook posted in the incident channel: its title, then its Markdown."""
    title = escape(str(entry.data.get("title") or "Runbook"))
    head = f":notebook: *Runbook: {title}* (from the runbook library)"
    body = mrkdwn(str(entry.data.get("text") or ""))
    clipped = clip(body, MAX_SECTION)
    shown: list[Block] = [SectionBlock(text=MarkdownTextObject(text=clip(head, MAX_SECTION)))]
    if clipped:
        shown.append(SectionBlock(text=MarkdownTextObject(text=clipped)))
    if clipped != body:
        more = f"_Clipped: the whole runbook is `{escape(str(entry.data.get('file') or ''))}`._"
        shown.append(ContextBlock(elements=[MarkdownTextObject(text=more)]))
    return shown


def runbook_line(found: Found) -> str:
    """One runbook in a reply: a link, or a file in the library with its first words."""
    runbook = found.runbook
    if runbook.url is not None:
        return f"• {markup(runbook.url, runbook.title)}"
    excerpt = " ".join(found.text.split())
    excerpt = clip(excerpt, _EXCERPT)
    line = f"• *{escape(runbook.title)}*: in the library, `{escape(runbook.file or '')}`"
    return line + (f"\n   _{escape(excerpt).replace('_', ' ')}_" if excerpt else "")


def runbook_reply(found: Sequence[Found], heading: str, empty: str) -> list[Block]:
    """The answer to `/incident runbook`: the runbooks found, or why there are none."""
    if not found:
        return [SectionBlock(text=MarkdownTextObject(text=clip(empty, MAX_SECTION)))]
    lines = [f"*{heading}*"]
    for item in found[:SHOWN_RUNBOOKS]:
        line = runbook_line(item)
        if len("\n".join([*lines, line])) > MAX_SECTION - 80:
            break
        lines.append(line)
    more = len(found) - (len(lines) - 1)
    if more:
        lines.append(f"_and {more} more: add words to narrow the search_")
    shown: list[Block] = [SectionBlock(text=MarkdownTextObject(text="\n".join(lines)))]
    if any(item.runbook.file for item in found):
        hint = (
            "File runbooks are posted in the incident channel when they match its services "
            "or alerts."
        )
        shown.append(ContextBlock(elements=[MarkdownTextObject(text=hint)]))
    return shown
