"""How long assembling a post-mortem draft takes, without the model call.

    .venv/bin/python benchmarks/postmortem.py

For incidents of 100, 1,000 and 5,000 timeline entries (on a fresh SQLite database), times
what Sitrep does before and after asking Claude: reading the incident, computing the facts,
condensing the timeline, rendering the prompt, and rendering the canvas Markdown within the
canvas size. Prints the prompt's estimated size in tokens. Target: under 1 s at 5,000."""

import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bot.adapters.claude import ClaudeDrafter  # noqa: E402
from bot.adapters.db.engine import make_engine, migrate  # noqa: E402
from bot.adapters.db.postmortems import SqlPostmortemStore  # noqa: E402
from bot.adapters.db.store import SqlIncidentStore  # noqa: E402
from bot.adapters.slack.documents import CANVAS_MAX_CHARS  # noqa: E402
from bot.adapters.templates import MarkdownRenderer, Templates  # noqa: E402
from bot.config import Policy  # noqa: E402
from bot.incidents import Declaration, IncidentService  # noqa: E402
from bot.postmortem.condense import estimate_tokens  # noqa: E402
from bot.postmortem.draft import Material  # noqa: E402
from bot.postmortem.service import PostmortemService  # noqa: E402
from bot.timeline import ChannelMessage, TimelineService  # noqa: E402
from models import Postmortem, PostmortemStatus, Role, Status  # noqa: E402

SIZES = (100, 1_000, 5_000)
TARGET_S = 1.0
RUNS = 5
PROMPT_TOKENS = 30_000  # the default SITREP_AI_PROMPT_TOKENS
LINES = [
    "checking the load balancer logs for 5xx spikes",
    "ok",
    "error rate on checkout is 38%, it started right after deploy 4411 went out to eu-west",
    "rolling back 4411 now, ETA 5 minutes",
    "+1",
    "db-3 replica lag is climbing again, 45s behind primary; failing over might help",
    "customers are reporting failed payments on twitter, support has 40 tickets",
]


class _Nowhere:
    """Documents that are never called: the benchmark stops before delivery."""

    max_chars = CANVAS_MAX_CHARS


def bench(size: int, directory: Path) -> tuple[float, float, int, int, int]:
    engine = make_engine(f"sqlite:///{directory / f'bench-{size}.db'}")
    migrate(engine)
    start = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)
    clock = [start]
    store = SqlIncidentStore(engine)
    policy = Policy()
    incidents = IncidentService(store, policy, lambda: clock[0])
    incident = incidents.declare(Declaration("Checkout API returning 500s", "sev2", "U1"))
    assert incident.id is not None
    channel = f"C{size}"
    incidents.attach_channel(incident.id, channel, f"inc-{size}")
    incidents.assign_role(incident.id, Role.COMMANDER, "U2", "U1")
    timeline = TimelineService(store, lambda: clock[0])
    for n in range(size):
        moment = start + timedelta(seconds=3 * n + 1)
        text = f"{LINES[n % len(LINES)]} (#{n})"
        timeline.record_message(
            ChannelMessage(channel, f"{moment.timestamp():.6f}", f"U{n % 11}", text)
        )
        if n % 250 == 0:
            incidents.add_note(incident.id, "U2", f"finding {n}: {LINES[n % len(LINES)]}")
    clock[0] = start + timedelta(seconds=3 * size + 60)
    incidents.change_status(incident.id, Status.RESOLVED, "U2", "rolled back")
    templates = Templates("Europe/London")
    service = PostmortemService(
        incidents,
        None,  # type: ignore[arg-type]  # no room work in this benchmark
        SqlPostmortemStore(engine),
        drafter=None,
        renderer=MarkdownRenderer(templates),
        documents=_Nowhere(),  # type: ignore[arg-type]
        policy=policy,
        clock=lambda: clock[0],
        prompt_tokens=PROMPT_TOKENS,
    )
    record = Postmortem.model_validate(
        {"incident_id": incident.id, "status": PostmortemStatus.DRAFT, "created_at": start,
         "updated_at": start}
    )  # fmt: skip
    writer = ClaudeDrafter(None, templates, model="-", max_tokens=1)  # type: ignore[arg-type]
    times, prompt, markdown = [], "", ""
    for _ in range(RUNS):
        began = time.perf_counter()
        fresh = incidents.get(incident.id)
        draft = service.compose(fresh, record)
        prompt = writer.prompt(Material(draft.facts, draft.timeline))
        markdown = service.fit_markdown(draft)
        times.append(time.perf_counter() - began)
    engine.dispose()
    return (
        statistics.median(times),
        max(times),
        estimate_tokens(prompt),
        len(markdown),
        draft.timeline.omitted,
    )


def main() -> int:
    print(f"Post-mortem draft assembly, no model call (median and worst of {RUNS} runs)")
    print("| entries | median | worst | prompt tokens (est.) | canvas chars | left out of prompt |")
    print("|---:|---:|---:|---:|---:|---:|")
    worst = 0.0
    with tempfile.TemporaryDirectory() as directory:
        for size in SIZES:
            median, slowest, tokens, chars, omitted = bench(size, Path(directory))
            worst = max(worst, slowest) if size == SIZES[-1] else worst
            print(
                f"| {size:,} | {median * 1000:.0f} ms | {slowest * 1000:.0f} ms | {tokens:,} | "
                f"{chars:,} | {omitted:,} |"
            )
    verdict = "met" if worst < TARGET_S else "MISSED"
    limit = f"under {TARGET_S:.0f} s at {SIZES[-1]:,} entries"
    print(f"\nTarget: {limit}: {verdict} ({worst:.2f} s worst).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
