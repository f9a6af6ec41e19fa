"""Jinja2 rendering of the texts in `prompts/`: the post-mortem canvas and the model's prompt.

Stored text is Slack markup. Canvases take a Markdown subset with their own mention syntax,
so every stored text goes through `canvas`, which also keeps it inline: a message can never
open a heading, a list or a quote of its own inside the document.
"""

import html
import json
import re
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from bot.postmortem.condense import Said
from bot.postmortem.draft import Draft
from bot.postmortem.service import STATUS_MARKER
from models import IncidentLink, Postmortem

PROMPTS = Path(__file__).resolve().parents[2] / "prompts"

_USER = re.compile(r"<@([UW][A-Za-z0-9_]+)(?:\|[^>]*)?>")
_CHANNEL = re.compile(r"<#([CG][A-Za-z0-9_]+)(?:\|[^>]*)?>")
_SPECIAL = re.compile(r"<!([a-z]+)(?:\^[^|>]*)?(?:\|([^>]*))?>")
_LINK = re.compile(r"<((?:https?|mailto):[^|>]+)(?:\|([^>]*))?>", re.IGNORECASE)
_BOLD = re.compile(r"(?<![\w*])\*(?=\S)([^*\n]+?)(?<=\S)\*(?![\w*])")
_STRIKE = re.compile(r"(?<![\w~])~(?=\S)([^~\n]+?)(?<=\S)~(?![\w~])")
# What could open a block if a text began a line: heading, quote, table, setext underline,
# HTML, fence, list item, thematic break. Erring wide costs nothing: the guard is invisible.
_BLOCK_START = re.compile(r"[#>|=<]|~~~|[-*+](?:\s|$)|\d+[.)](?:\s|$)|(?:[-*_][ \t]*){3,}$")
# A zero-width space: CommonMark indents only with spaces and tabs, so a line that begins with
# it is a paragraph, and the text keeps every character it had (">50%", "#4411").
_BLOCK_GUARD = "\u200b"


def canvas(markup: str | None) -> str:
    """Slack markup as inline canvas Markdown: mentions in the canvas syntax, links as
    Markdown links, @channel shown but inert, and no line breaks or block syntax."""
    text = markup or ""
    text = text.replace("```", " ")
    text = _USER.sub(lambda m: f"![](@{m[1]})", text)
    text = _CHANNEL.sub(lambda m: f"![](#{m[1]})", text)
    text = _SPECIAL.sub(lambda m: m[2] or f"@{m[1]}", text)
    text = _LINK.sub(lambda m: f"[{_label(m[2] or m[1])}]({m[1]})", text)
    text = _BOLD.sub(r"**\1**", text)
    text = _STRIKE.sub(r"~~\1~~", text)
    text = html.unescape(text)
    text = " ".join(text.split())
    return _BLOCK_GUARD + text if _BLOCK_START.match(text) else text


def cell(markup: str | None) -> str:
    """`canvas` for a table cell, where a pipe would end the cell."""
    return canvas(markup).replace("|", "\\|")


def _label(text: str) -> str:
    return text.replace("[", "(").replace("]", ")")


def link(value: IncidentLink) -> str:
    """An incident's link as a Markdown link for a table cell: its title, else its address."""
    label = cell(value.title) if value.title.strip() else value.url.split("://", 1)[-1]
    if len(label) > 80:
        label = label[:79] + "…"
    # Parentheses would end the destination early; the URL has no spaces or pipes.
    target = value.url.replace("(", "%28").replace(")", "%29")
    return f"[{_label(label)}]({target})"


def mention(user_id: str | None) -> str:
    return f"![](@{user_id})" if user_id else "_nobody_"


def span(value: timedelta | None) -> str:
    """'1h 05m'; '_not recorded_' when a milestone is missing."""
    if value is None:
        return "_not recorded_"
    minutes = int(value.total_seconds() // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    if days:
        return f"{days}d {hours}h {minutes:02d}m"
    return f"{hours}h {minutes:02d}m" if hours else f"{minutes}m"


class Templates:
    """The Jinja2 environment over `prompts/`, with the filters the texts use."""

    def __init__(self, timezone: str, directory: Path = PROMPTS) -> None:
        self._zone = ZoneInfo(timezone)
        self._env = Environment(
            loader=FileSystemLoader(directory),
            undefined=StrictUndefined,
            autoescape=False,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=True,
        )
        self._env.filters.update(
            canvas=canvas,
            cell=cell,
            link=link,
            mention=mention,
            span=span,
            clock=self.clock,
            stamp=self.stamp,
            day=self.day,
            moment=self.moment,
            data=data_line,
        )
        self._env.globals.update(timezone=timezone)
        self._env.tests.update(said=lambda v: isinstance(v, Said))

    def clock(self, moment: datetime | None) -> str:
        return moment.astimezone(self._zone).strftime("%H:%M") if moment else "-"

    def stamp(self, moment: datetime, start: datetime) -> str:
        """The time of a timeline line; with its day when that is not the incident's first."""
        local = moment.astimezone(self._zone)
        if local.date() == start.astimezone(self._zone).date():
            return local.strftime("%H:%M")
        return local.strftime("%a %d %b %H:%M")

    def day(self, moment: datetime | None) -> str:
        return moment.astimezone(self._zone).strftime("%a %d %b %Y") if moment else "-"

    def moment(self, value: datetime | None) -> str:
        """A date and time with the organisation's timezone named."""
        if value is None:
            return "_not recorded_"
        local = value.astimezone(self._zone)
        return f"{local:%a %d %b %Y %H:%M} {local.tzname()}"

    def render(self, name: str, **context: Any) -> str:
        return self._env.get_template(name).render(**context)


def data_line(value: dict[str, Any]) -> str:
    """One JSON line of incident data for a prompt; `</` is written `<\\/` (the same JSON
    string) so no text can close the fence around the data."""
    return json.dumps(value, ensure_ascii=False).replace("</", "<\\/")


class MarkdownRenderer:
    """DraftRenderer: the post-mortem canvas from `prompts/postmortem.md.j2`."""

    def __init__(self, templates: Templates) -> None:
        self._templates = templates

    def markdown(self, draft: Draft) -> str:
        return self._templates.render(
            "postmortem.md.j2",
            draft=draft,
            facts=draft.facts,
            n=draft.narrative,
            marker=STATUS_MARKER,
            closed=draft.facts.closed,
        )

    def status_line(self, record: Postmortem, closed: str = "") -> str:
        return self._templates.render(
            "postmortem_status.md.j2",
            marker=STATUS_MARKER,
            closed=closed,
            status=record.status,
            reviewers=record.reviewers,
            due_at=record.due_at,
            published_at=record.published_at,
        )
