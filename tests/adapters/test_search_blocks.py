"""Search results as Block Kit: matches in bold, stored markup shown safely, within limits."""

from datetime import UTC, datetime

from bot.adapters.slack.blocks.search import highlighted, read_page_value, search_results
from bot.ports import Hit
from bot.requests import SearchIncidents
from bot.search import MARK_END, MARK_START, Results
from models import Incident, Status


def test_matches_are_bold_and_stored_markup_neither_notifies_nor_formats() -> None:
    snippet = (
        f"<!channel> the {MARK_START}database{MARK_END} &lt;script&gt; *fast* "
        f"<https://grafana.example.com/d/1|board>\n\n{MARK_START}timeout{MARK_END} <https://cut"
    )
    text = highlighted(snippet)
    assert "*database*" in text and "*timeout*" in text
    assert "<!channel>" not in text and "&lt;!channel&gt;" in text
    assert "&lt;script&gt;" in text and "*fast*" not in text
    assert "board (https://grafana.example.com/d/1)" in text and "\n" not in text
    assert "&lt;https://cut" in text  # a link the snippet cut shows as text


def test_a_full_page_fits_slacks_limits_and_carries_the_next_page() -> None:
    now = datetime(2026, 11, 22, tzinfo=UTC)
    incident = Incident.model_validate(
        {
            "ref": "INC-2026-0001", "title": "x" * 250, "severity": "sev2",
            "status": Status.RESOLVED, "reporter": "U1", "channel_id": "C1",
            "resolution_summary": "y " * 2000, "declared_at": now, "updated_at": now,
        }
    )  # fmt: skip
    hits = [Hit(incident, "z" * 5000, 1.0)] * 5
    request = SearchIncidents(terms=("x",), text='x "quoted" 🔥')
    blocks = [b.to_dict() for b in search_results(Results(request, hits, 2, True))]
    assert len(blocks) <= 50
    assert all(len(b.get("text", {}).get("text", "")) <= 3000 for b in blocks)
    [button] = blocks[-1]["elements"]
    assert read_page_value(button["value"]) == ('x "quoted" 🔥', 3)
