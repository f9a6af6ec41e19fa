"""The fake Jira enforces Jira Cloud's rules for creating and finding issues, and fails on cue."""

from collections.abc import Iterator
from typing import Any

import httpx2
import pytest

from tests.fakes.jira_api import API_TOKEN, EMAIL, NOT_ADF, FakeJira, Project

DOC = {
    "type": "doc",
    "version": 1,
    "content": [{"type": "paragraph", "content": [{"type": "text", "text": "Rotate the keys"}]}],
}


@pytest.fixture
def jira() -> Iterator[FakeJira]:
    with FakeJira() as fake:
        yield fake


@pytest.fixture
def client(jira: FakeJira) -> Iterator[httpx2.Client]:
    with httpx2.Client(base_url=jira.base_url, auth=(EMAIL, API_TOKEN), timeout=5) as client:
        yield client


def fields(**overrides: Any) -> dict[str, Any]:
    """Valid fields for OPS, with `overrides` (None removes a field)."""
    valid = {
        "project": {"key": "OPS"},
        "issuetype": {"name": "Task"},
        "summary": "Rotate the leaked API keys",
        "description": DOC,
        "duedate": "2026-12-01",
        "labels": ["sitrep-action-7", "INC-2026-0042"],
        "priority": {"name": "High"},
    }
    return {k: v for k, v in (valid | overrides).items() if v is not None}


def create(client: httpx2.Client, **overrides: Any) -> httpx2.Response:
    return client.post("/rest/api/3/issue", json={"fields": fields(**overrides)})


def refusal(response: httpx2.Response) -> dict[str, str]:
    assert response.status_code == 400, response.text
    errors: dict[str, str] = response.json()["errors"]
    return errors


def test_created_issues_get_keys_numbered_per_project(
    jira: FakeJira, client: httpx2.Client
) -> None:
    jira.add_project(Project("SEC"))
    answers = [create(client), create(client, project={"key": "SEC"}), create(client)]

    assert [a.status_code for a in answers] == [201, 201, 201]
    assert [a.json()["key"] for a in answers] == ["OPS-1", "SEC-1", "OPS-2"]
    first = answers[0].json()
    assert first["self"] == f"{jira.base_url}/rest/api/3/issue/{first['id']}"
    assert len({a.json()["id"] for a in answers}) == 3
    assert jira.issues[0].fields == fields()  # as sent


@pytest.mark.parametrize("auth", [None, (EMAIL, "wrong-token"), ("someone@example.com", API_TOKEN)])
def test_requests_without_the_right_basic_auth_get_401(
    jira: FakeJira, auth: tuple[str, str] | None
) -> None:
    with httpx2.Client(base_url=jira.base_url, auth=auth) as anonymous:
        answer = create(anonymous)
        search = anonymous.get("/rest/api/3/search/jql", params={"jql": 'labels = "x"'})

    assert answer.status_code == search.status_code == 401
    assert answer.json()["errorMessages"] and answer.json()["errors"] == {}
    assert jira.issues == []


def test_an_unknown_project_is_refused_with_jiras_body(client: httpx2.Client) -> None:
    answer = create(client, project={"key": "NOPE"})

    assert answer.status_code == 400
    assert answer.json() == {
        "errorMessages": [],
        "errors": {"project": "valid project is required"},
    }


def test_the_issue_type_must_exist_in_the_project(jira: FakeJira, client: httpx2.Client) -> None:
    jira.add_project(Project("SEC", issue_types=("Bug",)))

    assert "issuetype" in refusal(create(client, project={"key": "SEC"}))
    assert "issuetype" in refusal(create(client, issuetype=None))
    assert create(client, project={"key": "SEC"}, issuetype={"name": "Bug"}).status_code == 201


@pytest.mark.parametrize(
    ("summary", "error"),
    [
        (None, "You must specify a summary of the issue."),
        ("  ", "You must specify a summary of the issue."),
        ("two\nlines", "The summary is invalid because it contains newline characters."),
        ("x" * 256, "Summary can't exceed 255 characters."),
        ("😀" * 128, "Summary can't exceed 255 characters."),  # 256 UTF-16 units
    ],
)
def test_the_summary_is_required_on_one_line_and_short(
    client: httpx2.Client, summary: str | None, error: str
) -> None:
    assert refusal(create(client, summary=summary)) == {"summary": error}


def test_a_summary_of_exactly_255_characters_is_accepted(client: httpx2.Client) -> None:
    assert create(client, summary="x" * 255).status_code == 201


@pytest.mark.parametrize(
    "description",
    [
        "Rotate the keys",  # v2's plain text
        DOC | {"version": 2},
        DOC | {"content": "Rotate the keys"},
        DOC | {"content": [{"type": "text", "text": "a text node outside a paragraph"}]},
        DOC | {"content": [{"type": "paragraph", "content": [{"type": "text", "text": ""}]}]},
        DOC | {"content": [{"type": "paragraph", "content": [{"type": "paragraph"}]}]},
        DOC | {"content": [{"type": "marquee", "content": []}]},
        DOC | {"content": [{"content": []}]},
    ],
)
def test_the_description_must_be_an_atlassian_document(
    client: httpx2.Client, description: Any
) -> None:
    assert refusal(create(client, description=description)) == {"description": NOT_ADF}


def test_the_description_may_be_absent_or_hold_breaks_and_lists(client: httpx2.Client) -> None:
    text = {"type": "text", "text": "see https://status.example.com"}
    item = {"type": "listItem", "content": [{"type": "paragraph", "content": [text]}]}
    rich = DOC | {
        "content": [
            {"type": "paragraph", "content": [text, {"type": "hardBreak"}, text]},
            {"type": "bulletList", "content": [item]},
        ]
    }
    assert create(client, description=None).status_code == 201
    assert create(client, description=rich).status_code == 201


@pytest.mark.parametrize("duedate", ["2026-13-01", "01/12/2026", "2026-1-5", "2026-12-01T10:00"])
def test_the_due_date_must_be_yyyy_mm_dd(client: httpx2.Client, duedate: str) -> None:
    assert refusal(create(client, duedate=duedate)) == {
        "duedate": f"Error parsing date string: {duedate}"
    }


def test_labels_may_not_contain_spaces(client: httpx2.Client) -> None:
    assert refusal(create(client, labels=["INC 42"])) == {
        "labels": "The label 'INC 42' contains spaces which is invalid."
    }
    assert "labels" in refusal(create(client, labels="INC-42"))


def test_the_priority_must_be_one_of_the_projects(client: httpx2.Client) -> None:
    assert refusal(create(client, priority={"name": "Urgent"})) == {
        "priority": "Priority name 'Urgent' is not valid"
    }


def test_priority_cannot_be_set_when_the_create_screen_lacks_it(
    jira: FakeJira, client: httpx2.Client
) -> None:
    jira.add_project(Project("SEC", priority_on_screen=False))

    assert refusal(create(client, project={"key": "SEC"})) == {
        "priority": "Field 'priority' cannot be set. It is not on the appropriate screen, "
        "or unknown."
    }
    assert create(client, project={"key": "SEC"}, priority=None).status_code == 201


def test_every_field_error_comes_back_in_one_answer(jira: FakeJira, client: httpx2.Client) -> None:
    errors = refusal(create(client, summary="", duedate="soon", customfield_10042="x"))

    assert set(errors) == {"summary", "duedate", "customfield_10042"}
    assert "not on the appropriate screen" in errors["customfield_10042"]
    assert jira.issues == []


def test_a_body_that_is_not_json_is_refused(client: httpx2.Client) -> None:
    form = client.post("/rest/api/3/issue", data={"summary": "x"})
    broken = client.post(
        "/rest/api/3/issue", content=b"{", headers={"Content-Type": "application/json"}
    )

    assert form.status_code == 415
    assert broken.status_code == 400 and broken.json()["errorMessages"]


def test_search_finds_issues_by_label_with_the_fields_asked_for(
    client: httpx2.Client,
) -> None:
    create(client, labels=["sitrep-action-7"])
    create(client, labels=["sitrep-action-8"], summary="Add an alert")
    params = {"jql": 'labels = "sitrep-action-8"', "fields": "summary", "maxResults": "1"}

    found = client.get("/rest/api/3/search/jql", params=params).json()

    assert found["isLast"] is True
    [issue] = found["issues"]
    assert issue["key"] == "OPS-2"
    assert issue["fields"] == {"summary": "Add an alert"}


def test_search_without_fields_returns_only_ids(client: httpx2.Client) -> None:
    issue = create(client).json()

    found = client.get("/rest/api/3/search/jql", params={"jql": 'labels = "sitrep-action-7"'})

    assert found.json()["issues"] == [{"id": issue["id"]}]


def test_search_pages_by_max_results_and_reads_escaped_quotes(client: httpx2.Client) -> None:
    create(client, labels=['say-"hi"'])
    create(client, labels=['say-"hi"'])
    params = {"jql": r'labels = "say-\"hi\""', "fields": "summary", "maxResults": "1"}

    found = client.get("/rest/api/3/search/jql", params=params).json()

    assert [i["key"] for i in found["issues"]] == ["OPS-1"]
    assert found["isLast"] is False


@pytest.mark.parametrize("jql", ["project = OPS", "labels in (a, b)", 'labels = "a" AND x = 1'])
def test_search_supports_only_the_labels_equals_form(client: httpx2.Client, jql: str) -> None:
    answer = client.get("/rest/api/3/search/jql", params={"jql": jql})

    assert answer.status_code == 400
    assert 'labels = "x"' in answer.json()["errorMessages"][0]


def test_the_retired_search_endpoint_answers_410(client: httpx2.Client) -> None:
    assert client.get("/rest/api/3/search", params={"jql": 'labels = "x"'}).status_code == 410


def test_rate_limit_answers_with_retry_after_then_recovers(
    jira: FakeJira, client: httpx2.Client
) -> None:
    jira.rate_limit(2, retry_after="30")

    first, second, third = create(client), create(client), create(client)

    assert (first.status_code, first.headers["Retry-After"]) == (429, "30")
    assert second.status_code == 429
    assert third.status_code == 201
    assert [i.key for i in jira.issues] == ["OPS-1"]
    assert [r.outcome for r in jira.received] == ["rate_limit", "rate_limit", "answered"]


def test_rate_limit_can_answer_503_and_fail_any_status(
    jira: FakeJira, client: httpx2.Client
) -> None:
    jira.rate_limit(retry_after="5", status=503)
    jira.fail(status=500)

    unavailable, failed = create(client), create(client)

    assert (unavailable.status_code, unavailable.headers["Retry-After"]) == (503, "5")
    assert failed.status_code == 500 and failed.json()["errorMessages"]
    assert jira.issues == []


def test_drop_closes_the_connection_unanswered_and_does_nothing(
    jira: FakeJira, client: httpx2.Client
) -> None:
    jira.drop()

    with pytest.raises(httpx2.RemoteProtocolError):
        create(client)
    assert jira.issues == []
    assert create(client).status_code == 201  # the next request is answered


def test_drop_answer_creates_the_issue_but_never_says_so(
    jira: FakeJira, client: httpx2.Client
) -> None:
    jira.drop_answer()

    with pytest.raises(httpx2.RemoteProtocolError):
        create(client)
    assert [i.key for i in jira.issues] == ["OPS-1"]
    assert create(client).json()["key"] == "OPS-2"


def test_hang_holds_the_request_until_the_client_gives_up(
    jira: FakeJira, client: httpx2.Client
) -> None:
    jira.hang()

    with pytest.raises(httpx2.ReadTimeout):
        client.post("/rest/api/3/issue", json={"fields": fields()}, timeout=0.2)
    jira.release()
    assert jira.issues == []
    assert create(client).status_code == 201


def test_received_records_every_request_with_its_body(
    jira: FakeJira, client: httpx2.Client
) -> None:
    create(client, summary="")
    client.get("/rest/api/3/search/jql", params={"jql": 'labels = "x"', "maxResults": "1"})

    post, get = jira.received
    assert (post.method, post.path, post.body["fields"]["summary"]) == (
        "POST",
        "/rest/api/3/issue",
        "",
    )
    assert (get.method, get.query) == ("GET", {"jql": 'labels = "x"', "maxResults": "1"})
