"""JiraTracker against the fake Jira Cloud: issues as Jira wants them, failures in plain words."""

import socket
from collections.abc import Callable, Iterator
from datetime import date

import pytest

from bot.adapters.jira import JiraTracker
from bot.errors import ExportFailed
from bot.ports import ExternalIssue, IssueRequest
from tests.fakes.jira_api import API_TOKEN, EMAIL, FakeJira, Project

REQUEST = IssueRequest(
    summary="Rotate the leaked API keys",
    description=(
        "Keys leaked in the deploy log.\nSee https://status.example.com/inc/42\n\nOwner: Bob"
    ),
    due_on=date(2026, 12, 1),
    priority="p1",
    label="sitrep-action-7",
    labels=("INC-2026-0042", "team payments"),
)


@pytest.fixture
def jira() -> Iterator[FakeJira]:
    with FakeJira() as fake:
        yield fake


@pytest.fixture
def waits() -> list[float]:
    """What the tracker slept, in seconds: tests record the waits instead of sleeping them."""
    return []


@pytest.fixture
def connect(jira: FakeJira, waits: list[float]) -> Iterator[Callable[..., JiraTracker]]:
    """Builds trackers on the fake (project OPS unless told), closing them afterwards."""
    made: list[JiraTracker] = []

    def make(
        project: str = "OPS",
        *,
        base_url: str | None = None,
        api_token: str = API_TOKEN,
        issue_type: str = "Task",
        timeout: float = 5.0,
        max_retries: int = 2,
    ) -> JiraTracker:
        tracker = JiraTracker(
            base_url or jira.base_url,
            EMAIL,
            api_token,
            project,
            issue_type,
            timeout=timeout,
            max_retries=max_retries,
            sleep=waits.append,
        )
        made.append(tracker)
        return tracker

    yield make
    for tracker in made:
        tracker.close()


@pytest.fixture
def tracker(connect: Callable[..., JiraTracker]) -> JiraTracker:
    return connect()


def refusal(attempt: Callable[[], object]) -> str:
    """The ExportFailed message `attempt` raises, checked to be safe to show."""
    with pytest.raises(ExportFailed) as failure:
        attempt()
    message = str(failure.value)
    assert API_TOKEN not in message
    return message


def posts(jira: FakeJira) -> int:
    return sum(r.method == "POST" for r in jira.received)


def test_an_issue_carries_the_adf_description_labels_due_date_and_priority(
    jira: FakeJira, tracker: JiraTracker
) -> None:
    issue = tracker.create_issue(REQUEST)

    assert issue == ExternalIssue(key="OPS-1", url=f"{jira.base_url}/browse/OPS-1")
    fields = jira.issues[0].fields
    assert fields["project"] == {"key": "OPS"}
    assert fields["issuetype"] == {"name": "Task"}
    assert fields["summary"] == "Rotate the leaked API keys"
    assert fields["duedate"] == "2026-12-01"
    assert fields["labels"] == ["sitrep-action-7", "INC-2026-0042", "team-payments"]
    assert fields["priority"] == {"name": "High"}
    first, second = fields["description"]["content"]
    assert [node["type"] for node in first["content"]] == ["text", "hardBreak", "text"]
    assert first["content"][2]["text"] == "See https://status.example.com/inc/42"
    assert second == {"type": "paragraph", "content": [{"type": "text", "text": "Owner: Bob"}]}


@pytest.mark.parametrize(
    ("priority", "name"), [("p0", "Highest"), ("p1", "High"), ("p2", "Medium"), ("p3", "Low")]
)
def test_each_priority_becomes_jiras_name_for_it(
    jira: FakeJira, tracker: JiraTracker, priority: str, name: str
) -> None:
    tracker.create_issue(IssueRequest("Add an alert", "", date(2026, 12, 1), priority, "a-1"))

    assert jira.issues[0].fields["priority"] == {"name": name}
    assert "description" not in jira.issues[0].fields  # an empty description is left out


def test_a_long_summary_is_clipped_to_one_line_of_255_characters(
    jira: FakeJira, tracker: JiraTracker
) -> None:
    long = "Checkout API\nreturning 500s " + "x" * 300
    tracker.create_issue(IssueRequest(long, "", date(2026, 12, 1), "p2", "a-1"))

    summary = jira.issues[0].fields["summary"]
    assert len(summary) == 255
    assert summary.startswith("Checkout API returning 500s x")
    assert summary.endswith("…")


def test_the_priority_is_left_out_when_the_projects_screen_lacks_it(
    jira: FakeJira, connect: Callable[..., JiraTracker]
) -> None:
    jira.add_project(Project("SEC", priority_on_screen=False))

    issue = connect("SEC").create_issue(REQUEST)

    assert issue.key == "SEC-1"
    assert "priority" not in jira.issues[0].fields
    assert posts(jira) == 2


def test_an_issue_is_found_by_its_label(jira: FakeJira, tracker: JiraTracker) -> None:
    tracker.create_issue(IssueRequest("Other", "", date(2026, 12, 1), "p2", "sitrep-action-6"))
    created = tracker.create_issue(REQUEST)

    assert tracker.find_issue("sitrep-action-7") == created
    assert tracker.find_issue("sitrep-action-8") is None
    search = jira.received[-1]
    assert search.path == "/rest/api/3/search/jql"
    assert search.query["maxResults"] == "1"


def test_a_label_with_spaces_and_quotes_is_found_as_it_was_written(tracker: JiraTracker) -> None:
    odd = 'action "seven"'
    created = tracker.create_issue(IssueRequest("Odd", "", date(2026, 12, 1), "p2", odd))

    assert tracker.find_issue(odd) == created


def test_wrong_credentials_are_named_without_the_token(
    jira: FakeJira, connect: Callable[..., JiraTracker]
) -> None:
    tracker = connect(api_token="revoked-token")

    expected = "Jira rejected the credentials (401): check JIRA_EMAIL and JIRA_API_TOKEN."
    assert refusal(lambda: tracker.create_issue(REQUEST)) == expected
    assert refusal(lambda: tracker.find_issue("sitrep-action-7")) == expected
    assert "revoked-token" not in expected


def test_jiras_field_errors_are_told_in_plain_words(
    jira: FakeJira, connect: Callable[..., JiraTracker]
) -> None:
    assert refusal(lambda: connect("NOPE").create_issue(REQUEST)) == (
        "Jira refused the issue: project: valid project is required."
    )
    epic = connect(issue_type="Epic")
    assert refusal(lambda: epic.create_issue(REQUEST)) == (
        "Jira refused the issue: issuetype: The issue type selected is invalid."
    )
    assert jira.issues == []


def test_a_wrong_jira_url_is_named(jira: FakeJira, connect: Callable[..., JiraTracker]) -> None:
    tracker = connect(base_url=f"{jira.base_url}/wiki/")

    assert refusal(lambda: tracker.create_issue(REQUEST)) == (
        f"Jira has nothing at {jira.base_url}/wiki for the issue (404): check the Jira URL."
    )


def test_a_rate_limit_beyond_the_cap_says_when_to_try_again(
    jira: FakeJira, tracker: JiraTracker, waits: list[float]
) -> None:
    jira.rate_limit(retry_after="30")

    assert refusal(lambda: tracker.create_issue(REQUEST)) == (
        "Jira is rate limiting; try again in 30 seconds."
    )
    assert waits == []  # not slept through
    assert posts(jira) == 1


def test_a_rate_limit_within_the_cap_is_waited_out(
    jira: FakeJira, tracker: JiraTracker, waits: list[float]
) -> None:
    jira.rate_limit(2, retry_after="1")

    assert tracker.create_issue(REQUEST).key == "OPS-1"
    assert waits == [1.0, 1.0]
    assert len(jira.issues) == 1


def test_rate_limiting_that_outlasts_the_retries_fails(
    jira: FakeJira, connect: Callable[..., JiraTracker], waits: list[float]
) -> None:
    jira.rate_limit(3, retry_after="1")

    message = refusal(lambda: connect(max_retries=1).create_issue(REQUEST))

    assert message == "Jira is rate limiting; try again in 1 second."
    assert waits == [1.0]
    assert posts(jira) == 2


def test_jira_unavailable_is_retried_after_its_retry_after(
    jira: FakeJira, tracker: JiraTracker, waits: list[float]
) -> None:
    jira.rate_limit(retry_after="0", status=503)

    assert tracker.find_issue("sitrep-action-7") is None
    assert waits == [0.0]


def test_a_server_error_is_reported_and_not_repeated(jira: FakeJira, tracker: JiraTracker) -> None:
    jira.fail(status=500)

    assert refusal(lambda: tracker.create_issue(REQUEST)) == "Jira failed (500); try again later."
    assert posts(jira) == 1


def test_an_unreachable_jira_is_named(connect: Callable[..., JiraTracker]) -> None:
    with socket.socket() as probe:  # a port nobody listens on once the probe is closed
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    tracker = connect(base_url=f"http://127.0.0.1:{port}")

    assert refusal(lambda: tracker.create_issue(REQUEST)) == (
        f"I couldn't reach Jira at http://127.0.0.1:{port}: connection refused."
    )
    with pytest.raises(ExportFailed) as refused:
        tracker.create_issue(REQUEST)
    assert not refused.value.uncertain  # nothing reached Jira: safe to try again at once


def test_a_create_whose_answer_was_dropped_is_not_repeated(
    jira: FakeJira, tracker: JiraTracker
) -> None:
    jira.drop_answer()

    message = refusal(lambda: tracker.create_issue(REQUEST))

    assert message == (
        f"Jira at {jira.base_url} dropped the connection before answering; "
        "the issue may exist already."
    )
    assert posts(jira) == 1
    assert [issue.key for issue in jira.issues] == ["OPS-1"]
    jira.drop_answer()
    with pytest.raises(ExportFailed) as lost:
        tracker.create_issue(REQUEST)
    assert lost.value.uncertain  # the caller must look before trying again
    # The label is how the caller learns that the create did happen.
    assert tracker.find_issue(REQUEST.label) == ExternalIssue(
        "OPS-1", f"{jira.base_url}/browse/OPS-1"
    )


def test_a_create_that_hangs_times_out_and_is_not_repeated(
    jira: FakeJira, connect: Callable[..., JiraTracker]
) -> None:
    jira.hang()

    message = refusal(lambda: connect(timeout=0.2).create_issue(REQUEST))

    assert message.endswith("didn't answer within 0.2 seconds; the issue may exist already.")
    assert posts(jira) == 1


def test_a_search_whose_connection_dropped_is_retried(jira: FakeJira, tracker: JiraTracker) -> None:
    created = tracker.create_issue(REQUEST)
    jira.drop()

    assert tracker.find_issue(REQUEST.label) == created
    assert [r.outcome for r in jira.received if r.method == "GET"] == ["drop", "answered"]


def test_a_search_that_keeps_dropping_gives_up(jira: FakeJira, tracker: JiraTracker) -> None:
    jira.drop(3)

    assert refusal(lambda: tracker.find_issue(REQUEST.label)) == (
        f"Jira at {jira.base_url} dropped the connection before answering."
    )
    assert len(jira.received) == 3  # the first try and max_retries=2 more
