"""The figures every fault test reports: requests sent, acknowledged (200), stored, stored
more than once, and acknowledged but never stored (lost)."""

from collections import Counter
from collections.abc import Hashable, Iterable
from dataclasses import dataclass, field


@dataclass
class Tally:
    """What happened to the requests of one fault drill, each known by a key (a message's
    ts, a declared title)."""

    fault: str
    sent: set[Hashable] = field(default_factory=set)
    acknowledged: set[Hashable] = field(default_factory=set)
    stored: Counter[Hashable] = field(default_factory=Counter)
    answers: Counter[int] = field(default_factory=Counter)  # HTTP status -> how many

    def answered(self, key: Hashable, status: int) -> None:
        """A request went out (again, for a retry) and Slack got `status` back."""
        self.sent.add(key)
        self.answers[status] += 1
        if status == 200:
            self.acknowledged.add(key)

    def found(self, keys: Iterable[Hashable]) -> None:
        """What the database holds, one key per stored row."""
        self.stored = Counter(keys)

    @property
    def figures(self) -> dict[str, int]:
        stored = {k for k in self.stored if k in self.sent}
        return {
            "sent": len(self.sent),
            "acknowledged": len(self.acknowledged),
            "stored": len(stored),
            "duplicated": sum(self.stored[k] - 1 for k in stored),
            "lost": len(self.acknowledged - stored),
        }

    def report(self) -> dict[str, int]:
        """Prints the figures (`pytest -s` shows them) and returns them."""
        figures = self.figures
        answers = ", ".join(f"{n} x {status}" for status, n in sorted(self.answers.items()))
        line = ", ".join(f"{k} {v}" for k, v in figures.items())
        print(f"faults: {self.fault}: {line} (answers: {answers})")
        return figures
