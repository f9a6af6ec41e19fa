"""Searching past incidents: ranked full-text hits, only the ones the asker may see, a
page at a time."""

from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Final
from zoneinfo import ZoneInfo

from bot.incidents import IncidentService
from bot.ports import Hit, SearchIndex, SearchQuery
from bot.requests import SearchIncidents

# Around each match in a hit's snippet: control characters, which Slack text never carries,
# so renderers can tell the marks from the text.
MARK_START: Final = "\x02"
MARK_END: Final = "\x03"
PAGE_SIZE: Final = 5
MAX_RESULTS: Final = 50  # ten pages: past those, a narrower search serves better


@dataclass(frozen=True)
class Results:
    request: SearchIncidents
    hits: list[Hit]  # this page's
    page: int  # from 0
    more: bool  # there is a next page

    @property
    def first_rank(self) -> int:
        """The rank (from 1) of this page's first hit."""
        return self.page * PAGE_SIZE + 1


class SearchService:
    def __init__(self, index: SearchIndex, incidents: IncidentService, timezone: str) -> None:
        self._index, self._incidents = index, incidents
        self._zone = ZoneInfo(timezone)

    def search(
        self, request: SearchIncidents, viewer: str, channel_id: str | None, page: int = 0
    ) -> Results:
        """Page `page` of the incidents matching `request` that `viewer` (asking in
        `channel_id`) may see, best first. A private incident is found only by its own
        people, or in its channel; nothing about the others shows, not even their number."""
        page = max(0, min(page, MAX_RESULTS // PAGE_SIZE - 1))
        wanted = min((page + 1) * PAGE_SIZE + 1, MAX_RESULTS)
        query = SearchQuery(
            terms=request.terms,
            service=request.service,
            severity=request.severity,
            status=request.status,
            after=self._midnight(request.after),
            before=self._midnight(request.before),
            viewer=viewer,
            channel_id=channel_id,
            limit=wanted,
        )
        # The index filters private incidents already; checking again here with the rule
        # every other listing uses means a slip in SQL can't show one.
        found = [
            hit
            for hit in self._index.search(query)
            if self._incidents.visible(hit.incident, viewer, channel_id)
        ]
        start = page * PAGE_SIZE
        shown = found[start : start + PAGE_SIZE]
        more = len(found) > start + PAGE_SIZE and start + PAGE_SIZE < MAX_RESULTS
        return Results(request, shown, page, more)

    def _midnight(self, day: date | None) -> datetime | None:
        """The start of `day` in the organisation's timezone."""
        return None if day is None else datetime.combine(day, time(), self._zone)
