"""The post-mortem canvas from the Jinja template: whatever people wrote in the channel, the
document stays in Slack's canvas Markdown subset and its structure cannot be broken."""

import re
from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.adapters.templates import MarkdownRenderer, Templates, canvas, cell
from bot.config import Policy
from bot.postmortem.condense import condense
from bot.postmortem.draft import Draft
from bot.postmortem.facts import gather_facts
from bot.postmortem.narrative import links_in, sanitised
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
from sandbox.slack.canvas import check_markdown
from tests.core.test_narrative import narrative

START = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)
GUARD = "\u200b"  # zero-width space: a line that begins with it is a paragraph


def test_slack_markup_becomes_inline_canvas_markdown() -> None:
    assert canvas("<@U123|bob> pinged <#C42|ops>") == "![](@U123) pinged ![](#C42)"
    assert (
        canvas("see <https://x.example/a?b=1|the graph>")
        == "see [the graph](https://x.example/a?b=1)"
    )
    assert canvas("<!channel> wake up") == "@channel wake up"
    assert canvas("*bold* and ~gone~ and _it_") == "**bold** and ~~gone~~ and _it_"
    assert canvas("a &lt;b&gt; &amp; c") == "a <b> & c"
    assert canvas("<HTTPS://x.example|x>") == "[x](HTTPS://x.example)"
    assert canvas("## not a heading\n> not a quote\n- not a list") == (
        f"{GUARD}## not a heading > not a quote - not a list"
    )
    assert cell("a | b") == "a \\| b"


def test_a_text_that_would_open_a_block_keeps_every_character() -> None:
    for text in (">50% errors", "#4411 rolled back", "1. first", "2) second", "- item", "* item",
                 "+ item", "| a | b |", "=== ", "---", "_ _ _", "~~~ fence", "<div>"):  # fmt: skip
        assert canvas(text) == GUARD + text.strip()
    for text in ("rolled back 4411", "-1 errors", "*bold* start", "_it_", "2026 was calm"):
        assert not canvas(text).startswith(GUARD)
    markdown = _render(["#4411 rolled back", ">50% errors", "- item"])
    assert f"![](@U0) noted: {GUARD}#4411 rolled back" in markdown
    assert f"![](@U2): {GUARD}- item" in markdown


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


# Pieces of what a model that obeyed a hostile message might write, and ordinary text.
FRAGMENTS = [
    "<!channel>", "<!here|here>", "<!subteam^S1>", "@everyone", "@here", "@", "here", "channel",
    "<@U999>", "<@U_ALICE|alice>", "![](@U999)", "![](@U_ALICE)", "[Eve](@U999)",
    "![](#C9)", "<#C9|secret>", "![](#C_OPS)", "<https://evil.example|x>",
    "[x](HTTPS://EVIL.example)", "javascript:alert(1)", "www.evil.example", "ftp://evil.example",
    "&lt;!channel&gt;", "&lt;https://evil.example|x&gt;", "&amp;", "<https://status.example/x|ok>",
    "rolled", "back", "the", "pool", ".", ",", "!", ":", "(", ")", "[", "]", "|", "*", "#", ">",
]  # fmt: skip
HOSTILE_NARRATIVE = st.tuples(
    st.lists(st.sampled_from(FRAGMENTS), max_size=16), st.sampled_from([" ", ""])
).map(lambda parts: parts[1].join(parts[0]))
BROADCAST = re.compile(r"(?:^|\s)@(?:here|channel|everyone)\b", re.IGNORECASE)
CANVAS_MENTION = re.compile(r"!?\[[^\]]*\]\(\s*([@#][^)\s]*)")


@settings(max_examples=300, deadline=None)
@given(texts=st.lists(HOSTILE_NARRATIVE, min_size=1, max_size=5))
def test_a_sanitised_narrative_reaches_the_canvas_without_pings_or_foreign_links(
    texts: list[str],
) -> None:
    people = {"U_ALICE", "U_BOB"}
    links = links_in(["see <https://status.example/x|ok> in <#C_OPS|ops>"])
    clean = sanitised(narrative(went_well=texts), links=links, people=people)
    for shown in map(canvas, clean.went_well):
        assert "evil.example" not in shown.lower()
        assert "<!" not in shown
        assert not BROADCAST.search(shown)
        mentioned = set(CANVAS_MENTION.findall(shown))
        assert mentioned <= {"@U_ALICE", "@U_BOB", "#C_OPS"}, shown


def test_lines_after_the_first_day_show_their_day() -> None:
    templates = Templates("Europe/Berlin")
    assert templates.stamp(START + timedelta(hours=2), START) == "12:00"
    assert templates.stamp(START + timedelta(days=1, hours=2), START) == "Mon 23 Nov 12:00"
