"""The post-mortem canvas from the Jinja template: whatever people wrote in the channel, the
document stays in Slack's canvas Markdown subset and its structure cannot be broken."""

from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.adapters.templates import MarkdownRenderer, Templates, canvas, cell
from bot.config import Policy
from bot.postmortem.condense import condense
from bot.postmortem.draft import Draft
from bot.postmortem.facts import gather_facts
from models import (
    DraftSource,
    EntryKind,
    Incident,
    Postmortem,
    PostmortemStatus,
    Role,
    Status,
    TimelineEntry,
)
from tests.fakes.slack.canvas import check_markdown

START = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)


def test_slack_markup_becomes_inline_canvas_markdown() -> None:
    assert canvas("<@U123|bob> pinged <#C42|ops>") == "![](@U123) pinged ![](#C42)"
    assert (
        canvas("see <https://x.example/a?b=1|the graph>")
        == "see [the graph](https://x.example/a?b=1)"
    )
    assert canvas("<!channel> wake up") == "@channel wake up"
    assert canvas("*bold* and ~gone~ and _it_") == "**bold** and ~~gone~~ and _it_"
    assert canvas("a &lt;b&gt; &amp; c") == "a <b> & c"
    assert canvas("## not a heading\n> not a quote\n- not a list") == (
        "not a heading > not a quote - not a list"
    )
    assert canvas("1. first") == "first"
    assert cell("a | b") == "a \\| b"


def _incident() -> Incident:
    return Incident.model_validate(
        {"id": 1, "ref": "INC-2026-0001", "title": "Checkout | 500s", "severity": "sev2",
         "status": Status.RESOLVED, "reporter": "U1", "channel_id": "C1",
         "declared_at": START, "acknowledged_at": START + timedelta(minutes=2),
         "mitigated_at": START + timedelta(minutes=30), "resolved_at": START + timedelta(hours=1),
         "updated_at": START}
    )  # fmt: skip


def _entry(n: int, text: str) -> TimelineEntry:
    kind = EntryKind.NOTE if n % 5 == 0 else EntryKind.MESSAGE
    return TimelineEntry.model_validate(
        {"id": n, "incident_id": 1, "kind": kind, "occurred_at": START + timedelta(seconds=n),
         "author": f"U{n % 3}", "text": text}
    )  # fmt: skip


def _render(texts: list[str]) -> str:
    entries = [_entry(n, text) for n, text in enumerate(texts)]
    record = Postmortem.model_validate(
        {"incident_id": 1, "status": PostmortemStatus.DRAFT, "created_at": START,
         "updated_at": START, "reviewers": ["U2"], "due_at": START + timedelta(days=2)}
    )  # fmt: skip
    facts = gather_facts(_incident(), {Role.COMMANDER: "U1"}, entries, record, Policy(), START)
    timeline = condense(entries, 4_000)
    draft = Draft(facts, tuple(entries), timeline, None, (), DraftSource.TEMPLATE, "no key")
    return MarkdownRenderer(Templates("Europe/Berlin")).markdown(draft)


def test_the_template_draft_shows_the_facts_in_the_organisations_timezone() -> None:
    markdown = _render(["Error rate is 38%", "rolled back"])
    assert "| Title | Checkout \\| 500s |" in markdown
    assert "| Time to acknowledge | 2m |" in markdown
    assert "| Time to mitigate | 30m |" in markdown
    assert "| Time to resolve | 1h 00m |" in markdown
    assert "Times are Europe/Berlin." in markdown
    assert "- **10:00** ![](@U0) noted: Error rate is 38%" in markdown  # 09:00 UTC is 10:00 CET
    assert "- **10:00** ![](@U1): rolled back" in markdown
    check_markdown(markdown)


HOSTILE = st.text(
    alphabet=st.sampled_from(list("#>-*+|`~_[]()!<>@&;\n 1.xyzAB\\")), min_size=0, max_size=60
)


@settings(max_examples=150, deadline=None)
@given(texts=st.lists(HOSTILE, min_size=1, max_size=30))
def test_no_message_can_break_the_documents_structure(texts: list[str]) -> None:
    markdown = _render(texts)
    check_markdown(markdown)  # Slack's canvas rules: headings h1-h3, no lists in quotes
    headings = [line for line in markdown.splitlines() if line.startswith("#")]
    # Only the template's own headings: none came from a message.
    assert headings == [line for line in _render(["plain"]).splitlines() if line.startswith("#")]
