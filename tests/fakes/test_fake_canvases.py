"""The fake's canvases and shared files behave like Slack's, checked through the real slack_sdk:
the markdown Slack refuses, size, sections, canvases.edit's operations, lookup, access, deletion,
the channel's `properties.canvas`, and files a channel receives."""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import partial
from typing import Any

import pytest
from slack_sdk import WebClient

from tests.fakes.slack_api import CANVAS_MAX_CHARS, FakeSlack
from tests.fakes.test_fake_slack import error, refusal

HEADING_DETAIL = "'content' error: line {}: Unsupported heading level ({})"
QUOTED_LIST_DETAIL = "'content' error: line {}: Unsupported block type (List) within block quote"
DOCUMENTED_SUBSET = """# H1
## H2 with **bold**, _italic_, ~strike~ and `code`
### H3 :fire:
- [ ] open\x20\x20
- [x] done
1. first
> a quote, no list in it
---
| a | b |
|---|---|
| 1 | 2 |
![](@U_ALICE) in ![](#C_GENERAL), see [docs][ref]
[ref]: https://example.com
```
#### a heading only in code
> - a quoted list only in code
```"""
POSTMORTEM = (
    "# INC-7 post-mortem\nSummary pending\n## Timeline\n- 10:02 paged\n## Actions\n- [ ] fix"
)


@pytest.fixture
def room(client: WebClient) -> str:
    """A channel the bot created, so it is a member."""
    channel_id: str = client.conversations_create(name="inc-7")["channel"]["id"]
    return channel_id


@pytest.fixture
def canvas_id(client: WebClient, room: str) -> str:
    """The room's channel canvas, holding POSTMORTEM."""
    created = client.conversations_canvases_create(channel_id=room, document_content=md(POSTMORTEM))
    return str(created["canvas_id"])


def md(markdown: str) -> dict[str, str]:
    return {"type": "markdown", "markdown": markdown}


def change(operation: str, markdown: str | None = None, **fields: Any) -> dict[str, Any]:
    """One entry of canvases.edit's `changes`."""
    content = {} if markdown is None else {"document_content": md(markdown)}
    return {"operation": operation, **content, **fields}


def section_ids(client: WebClient, canvas_id: str, **criteria: Any) -> list[str]:
    found = client.canvases_sections_lookup(canvas_id=canvas_id, criteria=criteria)
    return [section["id"] for section in found["sections"]]


# -- creating, and the markdown Slack refuses ----------------------------------------------------


def test_a_channel_has_one_canvas_holding_markdown(
    slack: FakeSlack, client: WebClient, room: str
) -> None:
    content = md("# INC-1\n\n- 10:02 paged")
    create = partial(
        client.conversations_canvases_create, channel_id=room, document_content=content
    )
    canvas_id = create()["canvas_id"]
    canvas = slack.canvas(canvas_id)
    assert canvas.markdown == content["markdown"]
    assert (canvas.kind, canvas.channel_id) == ("channel", room)
    assert error(create) == "channel_canvas_already_exists"
    assert client.canvases_create(title="Post-mortem", document_content=content)["canvas_id"]


def test_a_canvas_created_with_a_channel_is_tabbed_there_beside_the_channel_canvas(
    slack: FakeSlack, client: WebClient, room: str, canvas_id: str
) -> None:
    tabbed = client.canvases_create(title="Runbook", document_content=md("# R"), channel_id=room)
    standalone = client.canvases_create(title="Notes", document_content=md("# N"))
    canvases = slack.canvases_in(room)
    assert [c.id for c in canvases] == [canvas_id, tabbed["canvas_id"]]
    assert [(c.kind, c.tabbed) for c in canvases] == [("channel", False), ("standalone", True)]
    channel_canvas = slack.channel_canvas(room)
    assert channel_canvas is not None and channel_canvas.id == canvas_id
    assert slack.canvas(standalone["canvas_id"]).channel_id is None


@pytest.mark.parametrize(
    ("markdown", "detail"),
    [
        ("# Title\n\n#### Too deep", HEADING_DETAIL.format(3, 4)),
        ("###### Deepest", HEADING_DETAIL.format(1, 6)),
        ("# Quote\n> said\n> - a list", QUOTED_LIST_DETAIL.format(3)),
        ("> > 1. nested", QUOTED_LIST_DETAIL.format(1)),
    ],
)
def test_markdown_slack_refuses_fails_creation_with_slacks_detail(
    slack: FakeSlack, client: WebClient, room: str, markdown: str, detail: str
) -> None:
    for create in (
        partial(client.canvases_create, title="PM"),
        partial(client.conversations_canvases_create, channel_id=room),
    ):
        refused = refusal(create, document_content=md(markdown))
        assert (refused["error"], refused["detail"]) == ("canvas_creation_failed", detail)
    assert slack.canvases_in(room) == []


def test_the_documented_subset_is_accepted(slack: FakeSlack, client: WebClient) -> None:
    markdown = DOCUMENTED_SUBSET
    canvas_id = client.canvases_create(title="All", document_content=md(markdown))["canvas_id"]
    assert slack.canvas(canvas_id).markdown == markdown


def test_document_content_must_be_markdown(client: WebClient) -> None:
    for content in ({"type": "html", "markdown": "# x"}, {"type": "markdown", "markdown": 3}):
        refused = refusal(client.canvases_create, title="PM", document_content=content)
        assert (refused["error"], refused["detail"]) == (
            "canvas_creation_failed",
            "document_content must be markdown",
        )


def test_a_canvas_holds_at_most_canvas_max_chars(
    slack: FakeSlack, client: WebClient, room: str
) -> None:
    fits = client.canvases_create(title="Full", document_content=md("x" * CANVAS_MAX_CHARS))
    assert len(slack.canvas(fits["canvas_id"]).markdown) == CANVAS_MAX_CHARS
    too_big = md("x" * (CANVAS_MAX_CHARS + 1))
    refused = refusal(
        client.conversations_canvases_create, channel_id=room, document_content=too_big
    )
    assert refused["error"] == "canvas_creation_failed"
    assert refused["detail"] == f"'content' error: canvas exceeds {CANVAS_MAX_CHARS} characters"
    assert slack.channel_canvas(room) is None


# -- canvases.edit -------------------------------------------------------------------------------


@pytest.fixture
def edit(client: WebClient, canvas_id: str) -> Callable[..., object]:
    """canvases.edit of the room's canvas with one change: edit("replace", "# New")."""

    def call(operation: str, markdown: str | None = None, **fields: Any) -> object:
        changes = [change(operation, markdown, **fields)]
        return client.canvases_edit(canvas_id=canvas_id, changes=changes)

    return call


def test_replacing_the_whole_canvas_keeps_its_id_and_counts_the_edit(
    slack: FakeSlack, edit: Callable[..., object], room: str, canvas_id: str
) -> None:
    before = [s.id for s in slack.canvas(canvas_id).sections]
    edit("replace", "# INC-7 post-mortem\nFinal")
    canvas = slack.canvas(canvas_id)
    assert (canvas.markdown, canvas.edits) == ("# INC-7 post-mortem\nFinal", 1)
    assert [c.id for c in slack.canvases_in(room)] == [canvas_id]
    assert len(canvas.sections) == 1 and canvas.sections[0].id not in before


def test_a_section_found_by_lookup_is_replaced_alone(
    slack: FakeSlack, client: WebClient, edit: Callable[..., object], canvas_id: str
) -> None:
    before = slack.canvas(canvas_id).sections
    [timeline] = section_ids(client, canvas_id, section_types=["h2"], contains_text="timeline")
    assert timeline == before[1].id and timeline.startswith("temp:C:")
    new = "## Timeline\n- 10:02 paged\n- 10:40 resolved"
    edit("replace", new, section_id=timeline)
    after = slack.canvas(canvas_id).sections
    assert [s.markdown for s in after] == [before[0].markdown, new, before[2].markdown]
    assert (after[0].id, after[2].id) == (before[0].id, before[2].id)


def test_sections_follow_headings_and_lookup_matches_type_and_text(
    slack: FakeSlack, client: WebClient, canvas_id: str
) -> None:
    sections = slack.canvas(canvas_id).sections
    headings = [s.markdown.split("\n")[0] for s in sections]
    assert headings == ["# INC-7 post-mortem", "## Timeline", "## Actions"]
    ids = [s.id for s in sections]
    lookup = partial(section_ids, client, canvas_id)
    assert lookup(section_types=["any_header"]) == ids
    assert lookup(section_types=["h1", "h3"]) == ids[:1]
    assert lookup(contains_text="PAGED") == ids[1:2]
    assert lookup(contains_text="## Timeline") == []  # the text, not the markup
    assert lookup(section_types=["h2"], contains_text="post") == []


def test_content_before_the_first_heading_is_a_section_without_a_type(
    slack: FakeSlack, client: WebClient
) -> None:
    created = client.canvases_create(title="PM", document_content=md("Draft\n\n# Summary\nTBD"))
    canvas = slack.canvas(created["canvas_id"])
    assert [s.markdown for s in canvas.sections] == ["Draft\n", "# Summary\nTBD"]
    lookup = partial(section_ids, client, created["canvas_id"])
    assert lookup(contains_text="draft") == [canvas.sections[0].id]
    assert lookup(section_types=["any_header"]) == [canvas.sections[1].id]


def test_sections_lookup_needs_criteria_and_a_canvas(client: WebClient, canvas_id: str) -> None:
    lookup = partial(client.canvases_sections_lookup, canvas_id=canvas_id)
    assert error(lookup, criteria={}) == "invalid_arguments"
    assert error(lookup, criteria={"section_types": ["h4"]}) == "invalid_arguments"
    unknown = partial(client.canvases_sections_lookup, canvas_id="F0NOPE")
    assert error(unknown, criteria={"contains_text": "x"}) == "canvas_not_found"


def test_inserting_and_deleting_sections(
    slack: FakeSlack, edit: Callable[..., object], canvas_id: str
) -> None:
    title, timeline, actions = (s.id for s in slack.canvas(canvas_id).sections)
    edit("insert_before", "## Impact\n2 customers", section_id=actions)
    edit("insert_after", "## Causes\nDNS", section_id=timeline)
    edit("insert_at_start", "_Draft_")
    edit("insert_at_end", "## Appendix")
    edit("delete", section_id=title)
    canvas = slack.canvas(canvas_id)
    headings = [s.markdown.split("\n")[0] for s in canvas.sections]
    assert headings == [
        "_Draft_",
        "## Timeline",
        "## Causes",
        "## Impact",
        "## Actions",
        "## Appendix",
    ]
    assert canvas.edits == 5


def test_rename_changes_only_the_title(
    slack: FakeSlack, edit: Callable[..., object], canvas_id: str
) -> None:
    edit("rename", title_content=md("INC-7 post-mortem (final)"))
    canvas = slack.canvas(canvas_id)
    assert canvas.title == "INC-7 post-mortem (final)"
    assert (canvas.markdown, canvas.edits) == (POSTMORTEM, 1)


def test_one_change_per_call(slack: FakeSlack, client: WebClient, canvas_id: str) -> None:
    append = change("insert_at_end", "## More")
    two = refusal(client.canvases_edit, canvas_id=canvas_id, changes=[append, append])
    assert two["error"] == "invalid_arguments"
    assert two["response_metadata"]["messages"] == [
        "[ERROR] no more than 1 items allowed [json-pointer:/changes]"
    ]
    assert error(client.canvases_edit, canvas_id=canvas_id, changes=[]) == "invalid_arguments"
    canvas = slack.canvas(canvas_id)
    assert (canvas.markdown, canvas.edits) == (POSTMORTEM, 0)


@pytest.mark.parametrize(
    ("operation", "fields", "message"),
    [
        ("append", {}, "must be a valid enum value [json-pointer:/changes/0/operation]"),
        ("delete", {}, "missing required field: section_id [json-pointer:/changes/0]"),
        ("insert_at_end", {}, "missing required field: document_content [json-pointer:/changes/0]"),
        (
            "replace",
            {"document_content": {"type": "html", "markdown": "x"}},
            "must be a valid enum value [json-pointer:/changes/0/document_content/type]",
        ),
        (
            "rename",
            {"title_content": "T"},
            "must be an object [json-pointer:/changes/0/title_content]",
        ),
    ],
)
def test_malformed_changes_are_invalid_arguments(
    slack: FakeSlack,
    edit: Callable[..., object],
    canvas_id: str,
    operation: str,
    fields: dict[str, Any],
    message: str,
) -> None:
    refused = refusal(edit, operation=operation, **fields)
    assert refused["error"] == "invalid_arguments"
    assert refused["response_metadata"]["messages"] == [f"[ERROR] {message}"]
    assert slack.canvas(canvas_id).edits == 0


def test_edits_to_an_unknown_canvas_or_section_fail(
    slack: FakeSlack, client: WebClient, edit: Callable[..., object], canvas_id: str
) -> None:
    append = [change("insert_at_end", "## More")]
    assert error(client.canvases_edit, canvas_id="F0NOPE", changes=append) == "canvas_not_found"
    gone = "temp:C:" + "A" * 28
    refused = refusal(edit, operation="insert_after", markdown="x", section_id=gone)
    assert refused["error"] == "canvas_editing_failed"
    assert refused["detail"] == f"'section_id' error: section {gone} not found"
    assert slack.canvas(canvas_id).markdown == POSTMORTEM


def test_edits_with_markdown_slack_refuses_fail_with_its_detail(
    slack: FakeSlack, edit: Callable[..., object], canvas_id: str
) -> None:
    for markdown, detail in [
        ("## Timeline\n#### 10:02", HEADING_DETAIL.format(2, 4)),
        ("> note\n> * item", QUOTED_LIST_DETAIL.format(2)),
    ]:
        refused = refusal(edit, operation="replace", markdown=markdown)
        assert (refused["error"], refused["detail"]) == ("canvas_editing_failed", detail)
    assert (slack.canvas(canvas_id).markdown, slack.canvas(canvas_id).edits) == (POSTMORTEM, 0)


def test_an_edit_that_would_outgrow_the_canvas_is_canvas_too_large(
    slack: FakeSlack, edit: Callable[..., object], canvas_id: str
) -> None:
    room_left = CANVAS_MAX_CHARS - len(POSTMORTEM) - 1  # the new section joins after a newline
    edit("insert_at_end", "x" * room_left)
    assert len(slack.canvas(canvas_id).markdown) == CANVAS_MAX_CHARS
    assert error(edit, operation="insert_at_end", markdown="y") == "canvas_too_large"
    assert slack.canvas(canvas_id).edits == 1


def test_form_encoded_changes_and_criteria_arrive_as_json_strings(
    slack: FakeSlack, client: WebClient, canvas_id: str
) -> None:
    criteria = json.dumps({"section_types": ["h2"], "contains_text": "actions"})
    found = client.api_call(
        "canvases.sections.lookup", params={"canvas_id": canvas_id, "criteria": criteria}
    )
    [actions] = [s["id"] for s in found["sections"]]
    change = {"operation": "delete", "section_id": actions}
    client.api_call(
        "canvases.edit", params={"canvas_id": canvas_id, "changes": json.dumps([change])}
    )
    assert "Actions" not in slack.canvas(canvas_id).markdown
    assert slack.calls_to("canvases.edit")[-1].args["changes"] == [change]


# -- deletion, access, the channel's properties --------------------------------------------------


def test_deleting_a_canvas(slack: FakeSlack, client: WebClient, room: str, canvas_id: str) -> None:
    client.canvases_delete(canvas_id=canvas_id)
    assert slack.canvases_in(room) == [] and slack.channel_canvas(room) is None
    assert error(client.canvases_delete, canvas_id=canvas_id) == "canvas_not_found"
    lookup = partial(client.canvases_sections_lookup, canvas_id=canvas_id)
    assert error(lookup, criteria={"contains_text": "x"}) == "canvas_deleted"
    assert "properties" not in client.conversations_info(channel=room)["channel"]
    again = client.conversations_canvases_create(channel_id=room, document_content=md("# Again"))
    assert again["canvas_id"] != canvas_id


def test_access_is_set_for_channels_or_users_on_standalone_canvases(
    slack: FakeSlack, client: WebClient, room: str, canvas_id: str
) -> None:
    standalone = client.canvases_create(title="PM", document_content=md("# PM"))["canvas_id"]
    access = partial(client.canvases_access_set, canvas_id=standalone)
    access(access_level="write", channel_ids=[room])
    access(access_level="owner", user_ids=["U_ALICE"])
    assert slack.canvas(standalone).access == {room: "write", "U_ALICE": "owner"}
    both = {"channel_ids": [room], "user_ids": ["U_BOB"]}
    assert error(access, access_level="read", **both) == "invalid_parameters"
    assert error(access, access_level="read") == "invalid_parameters"
    assert error(access, access_level="owner", channel_ids=[room]) == "invalid_arguments"
    assert error(access, access_level="admin", user_ids=["U_BOB"]) == "invalid_arguments"
    assert error(access, access_level="read", user_ids=["U_NOBODY"]) == "user_not_found"
    assert error(access, access_level="read", channel_ids=["C_NOPE"]) == "channel_not_found"
    channel_canvas = partial(client.canvases_access_set, canvas_id=canvas_id)
    assert error(channel_canvas, access_level="read", user_ids=["U_BOB"]) == "canvas_not_found"
    assert slack.canvas(standalone).access == {room: "write", "U_ALICE": "owner"}


def test_conversations_info_reports_the_channel_canvas(
    slack: FakeSlack, client: WebClient, room: str
) -> None:
    assert "properties" not in client.conversations_info(channel=room)["channel"]
    created = client.conversations_canvases_create(channel_id=room, document_content=md(""))
    canvas_id = created["canvas_id"]
    client.canvases_create(title="Tab", document_content=md("# Tab"), channel_id=room)
    canvas = client.conversations_info(channel=room)["channel"]["properties"]["canvas"]
    quip_thread_id = slack.canvas(canvas_id).quip_thread_id
    assert canvas == {"file_id": canvas_id, "is_empty": True, "quip_thread_id": quip_thread_id}
    client.canvases_edit(canvas_id=canvas_id, changes=[change("insert_at_end", "# Filled")])
    properties = client.conversations_info(channel=room)["channel"]["properties"]
    assert properties["canvas"]["is_empty"] is False


# -- files a channel receives --------------------------------------------------------------------


def test_a_markdown_file_uploaded_with_files_upload_v2_is_readable_in_the_channel(
    slack: FakeSlack, client: WebClient, room: str
) -> None:
    client.files_upload_v2(channel=room, content=POSTMORTEM, filename="inc-7.md", title="PM")
    client.files_upload_v2(content="elsewhere", filename="other.txt")
    [shared] = slack.files_in(room)
    assert (shared.name, shared.title, shared.text) == ("inc-7.md", "PM", POSTMORTEM)
    assert shared.mimetype == "text/markdown"
    assert slack.files_in("C_GENERAL") == []
