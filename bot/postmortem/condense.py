"""A timeline condensed to a budget: key events whole, the conversation trimmed by rule. Pure.

The rule keeps every message while they fit. Past that, the conversation is cut into runs of
consecutive messages and each run keeps its longest messages (long messages carry findings;
"+1" and "looking" do not), the rest shown as one line saying how many were left out, when,
and by whom. The same rule serves the prompt (a token budget) and the canvas (a size budget).
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from models import EntryKind, TimelineEntry

RUN = 25  # messages per run before trimming
CLIP = 600  # characters of one message kept at most
# What a line's time, author and JSON framing cost besides its text, in tokens.
TOKENS_PER_LINE = 24

Cost = Callable[[str], int]


def estimate_tokens(text: str) -> int:
    """About four characters per token: the usual estimate for English text."""
    return (len(text) + 3) // 4


# Key events people wrote, as opposed to the changes Sitrep recorded.
_WRITTEN = (EntryKind.NOTE, EntryKind.MESSAGE)


def is_key_event(entry: TimelineEntry) -> bool:
    """Changes Sitrep recorded, notes, and messages pinned as key events."""
    return entry.kind is not EntryKind.MESSAGE or entry.key_event


@dataclass(frozen=True)
class Said:
    """A message kept, its text clipped to CLIP characters."""

    entry: TimelineEntry
    text: str


@dataclass(frozen=True)
class Omitted:
    """Consecutive messages left out."""

    count: int
    first: datetime
    last: datetime
    authors: tuple[str, ...]


Line = Said | Omitted


@dataclass(frozen=True)
class Condensed:
    key_events: tuple[TimelineEntry, ...]
    conversation: tuple[Line, ...]
    messages: int  # every ordinary message, kept or not

    @property
    def omitted(self) -> int:
        return sum(line.count for line in self.conversation if isinstance(line, Omitted))


def condense(
    entries: Sequence[TimelineEntry],
    budget: int,
    cost: Cost = estimate_tokens,
    line_cost: int = TOKENS_PER_LINE,
) -> Condensed:
    """`entries` (oldest first, hidden ones already left out) within about `budget`, as
    measured by `cost` plus `line_cost` a line. Key events are kept whole while they take at
    most half the budget; past that, the changes Sitrep recorded stay whole and the notes
    and pinned messages are condensed with the conversation (longest kept first)."""
    key = tuple(e for e in entries if is_key_event(e))
    if sum(cost(e.text) + line_cost for e in key) > budget // 2:
        key = tuple(e for e in key if e.kind not in _WRITTEN)
    chosen = {id(e) for e in key}
    ordinary = [e for e in entries if id(e) not in chosen]
    texts = [_clip(e.text) for e in ordinary]
    room = budget - sum(cost(e.text) + line_cost for e in key)
    costs = [cost(t) + line_cost for t in texts]
    if sum(costs) <= room:
        conversation = tuple(Said(e, t) for e, t in zip(ordinary, texts, strict=True))
        return Condensed(key, conversation, len(ordinary))
    best: tuple[Line, ...] = ()
    run = RUN
    while True:  # longer runs keep fewer lines per stretch but fewer "left out" lines too
        trimmed = _Trimmer(ordinary, texts, costs, run, line_cost)
        lines = trimmed.lines(trimmed.most_kept(room))
        if _kept(lines) > _kept(best) or not best:
            best = lines
        if run >= len(ordinary):
            return Condensed(key, best, len(ordinary))
        run *= 2


def _kept(lines: tuple[Line, ...]) -> int:
    return sum(1 for line in lines if isinstance(line, Said))


class _Trimmer:
    """The conversation cut into runs of `run` messages, each run's messages ranked longest
    first once, so trying how many to keep per run is linear."""

    def __init__(
        self,
        ordinary: list[TimelineEntry],
        texts: list[str],
        costs: list[int],
        run: int,
        line_cost: int,
    ) -> None:
        self._ordinary, self._texts, self._costs = ordinary, texts, costs
        self._run, self._line_cost = run, line_cost
        # rank[i]: the place of message i among its run's messages, longest first.
        self._rank = [0] * len(ordinary)
        for start in range(0, len(ordinary), run):
            indexes = range(start, min(start + run, len(ordinary)))
            for place, i in enumerate(sorted(indexes, key=lambda i: (-len(texts[i]), i))):
                self._rank[i] = place

    def most_kept(self, room: int) -> int:
        """The most messages per run that fit `room` (zero if not even that fits)."""
        low, high, best = 1, self._run, 0
        while low <= high:
            middle = (low + high) // 2
            if self.cost(middle) <= room:
                best, low = middle, middle + 1
            else:
                high = middle - 1
        return best

    def cost(self, keep: int) -> int:
        total, left_out = 0, False
        for i, rank in enumerate(self._rank):
            if rank < keep:
                total += self._costs[i]
                left_out = False
            elif not left_out:
                total += 2 * self._line_cost
                left_out = True
        return total

    def lines(self, keep: int) -> tuple[Line, ...]:
        lines: list[Line] = []
        left_out: list[int] = []
        for i, rank in enumerate(self._rank):
            if rank < keep:
                if left_out:
                    lines.append(_omitted(self._ordinary, left_out))
                    left_out = []
                lines.append(Said(self._ordinary[i], self._texts[i]))
            else:
                left_out.append(i)
        if left_out:
            lines.append(_omitted(self._ordinary, left_out))
        return tuple(lines)


def _omitted(ordinary: list[TimelineEntry], indexes: list[int]) -> Omitted:
    entries = [ordinary[i] for i in indexes]
    authors = tuple(dict.fromkeys(e.author for e in entries if e.author))
    return Omitted(len(entries), entries[0].occurred_at, entries[-1].occurred_at, authors)


def _clip(text: str) -> str:
    return text if len(text) <= CLIP else text[: CLIP - 1] + "…"
