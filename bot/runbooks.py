"""The runbook library (the policy's `[[runbooks]]`): which runbooks an incident needs,
searching them, and linking them when an incident is declared.

The matching and search functions are pure; `RunbookService` links through
`IncidentService`. File runbooks' Markdown is read by the shell at start-up and handed in."""

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from contextlib import suppress
from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import Final

from bot.categories import DEFAULT_CATEGORIES, Category, category_of, within
from bot.config import Runbook
from bot.errors import NothingChanged
from bot.incidents import IncidentService
from models import EntryKind, LinkKind

# How much of a file runbook's Markdown a timeline entry keeps (the post is clipped further).
MAX_STORED_TEXT: Final = 8000
_WORD: Final = re.compile(r"[\w-]+")


def matching(
    runbooks: Iterable[Runbook],
    services: Iterable[str],
    alert_names: Iterable[str],
    category: str | None = None,
) -> list[Runbook]:
    """The runbooks for an incident of `services` and `category` declared by alerts named
    `alert_names`: those sharing a service (case-insensitive), with an alert pattern
    (shell-style, case-insensitive) that matches one of the names, or for its category (a
    runbook for `Database` serves `Database/replication` too)."""
    wanted = {s.casefold() for s in services if s}
    names = [n.casefold() for n in alert_names if n]
    return [
        runbook
        for runbook in runbooks
        if wanted & {s.casefold() for s in runbook.services}
        or any(fnmatchcase(name, p.casefold()) for p in runbook.alerts for name in names)
        or any(within(category, c) for c in runbook.categories)
    ]


def terms(text: str) -> list[str]:
    """The search terms in `text`, lower case."""
    return [word.casefold() for word in _WORD.findall(text)]


def score(runbook: Runbook, text: str, wanted: Sequence[str]) -> int:
    """How well a runbook (with its file's `text`) answers the terms: a title word counts
    3, a service or alert pattern 2, a word of the text 1 (at most 5 per term). A term
    matches the words it begins."""
    title = terms(runbook.title)
    tags = terms(" ".join((*runbook.services, *runbook.alerts, *runbook.categories)))
    body = terms(text)
    total = 0
    for term in wanted:
        total += 3 * sum(w.startswith(term) for w in title)
        total += 2 * sum(w.startswith(term) for w in tags)
        total += min(5, sum(w.startswith(term) for w in body))
    return total


def search(runbooks: Iterable[Runbook], texts: Mapping[str, str], words: str) -> list[Runbook]:
    """The runbooks matching `words`, best first (ties by title); none for no terms."""
    wanted = terms(words)
    scored = [(score(r, texts.get(r.file or "", ""), wanted), r) for r in runbooks]
    ranked = sorted((s for s in scored if s[0] > 0), key=lambda s: (-s[0], s[1].title.casefold()))
    return [runbook for _, runbook in ranked]


@dataclass(frozen=True)
class Found:
    """A runbook as a reply shows it: its file's Markdown, if it is a file."""

    runbook: Runbook
    text: str = ""


class RunbookService:
    def __init__(
        self,
        incidents: IncidentService,
        runbooks: Sequence[Runbook],
        texts: Mapping[str, str],
        alert_names: Callable[[int], Sequence[str]],
        categories: Sequence[Category] = DEFAULT_CATEGORIES,
    ) -> None:
        self._incidents, self._runbooks, self._texts = incidents, tuple(runbooks), dict(texts)
        self._alert_names, self._categories = alert_names, tuple(categories)

    def link_matching(self, incident_id: int, alert_names: Sequence[str] = ()) -> list[Runbook]:
        """Links the runbooks the incident needs (by its services, and `alert_names` or else
        its stored alerts' names), once each: a web runbook as a link (posted and
        bookmarked), a file runbook as a post of its Markdown. Safe to repeat."""
        if not self._runbooks:
            return []
        wanted = self.for_incident(incident_id, alert_names)
        posted = {
            str(e.data.get("file"))
            for e in self._incidents.timeline(incident_id, include_hidden=True)
            if e.kind is EntryKind.RUNBOOK
        }
        for runbook in wanted:
            if runbook.url is not None:
                with suppress(NothingChanged):
                    self._incidents.add_link(
                        incident_id, None, runbook.url, LinkKind.RUNBOOK, runbook.title
                    )
            elif runbook.file not in posted:
                self._incidents.record_event(
                    incident_id,
                    EntryKind.RUNBOOK,
                    "",
                    f"Runbook: {runbook.title}",
                    {
                        "title": runbook.title,
                        "file": runbook.file,
                        "text": self.text(runbook)[:MAX_STORED_TEXT],
                    },
                )
        return wanted

    def for_incident(self, incident_id: int, alert_names: Sequence[str] = ()) -> list[Runbook]:
        """The runbooks matching the incident's services and alerts."""
        incident = self._incidents.get(incident_id)
        names = alert_names or self._alert_names(incident_id)
        category = category_of(self._categories, incident)
        return matching(self._runbooks, incident.services, names, category)

    def all(self) -> list[Runbook]:
        return sorted(self._runbooks, key=lambda r: r.title.casefold())

    def search(self, words: str) -> list[Runbook]:
        return search(self._runbooks, self._texts, words)

    def text(self, runbook: Runbook) -> str:
        """A file runbook's Markdown; "" for a web runbook."""
        return self._texts.get(runbook.file or "", "")

    def found(self, runbooks: Iterable[Runbook]) -> list[Found]:
        return [Found(r, self.text(r)) for r in runbooks]
