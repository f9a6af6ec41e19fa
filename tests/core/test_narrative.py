"""The model's narrative is untrusted: nothing in it may ping people or smuggle in links."""

from typing import Any

from bot.postmortem.narrative import LINK_REMOVED, Narrative, links_in, sanitised


def narrative(**overrides: Any) -> Narrative:
    data: dict[str, Any] = {
        "summary": {
            "what_happened": "Checkout returned 500s.",
            "why": "A pool ran dry.",
            "response": "Rolled back.",
            "prevention": "Alert on pool use.",
        },
        "five_whys": [{"question": "Why 500s?", "answer": "No connections."}],
        "root_causes": {"technical": "Pool size", "process": "No review", "organisational": "-"},
        "contributing_factors": {"technical": [], "process": [], "human": []},
        "impact": {"users": "Many", "business": "Lost orders", "slo": "Spent 40%"},
        "went_well": ["Fast rollback"],
        "went_wrong": {"detection": [], "response": [], "communication": [], "tooling": []},
        "action_items": [{"title": "Alert on pool use", "priority": "p1", "owner": "U_BOB"}],
        "lessons_learned": [],
    }
    data.update(overrides)
    return Narrative.model_validate(data)


PEOPLE = {"U_ALICE", "U_BOB"}


def test_broadcast_mentions_are_removed_wherever_they_appear() -> None:
    dirty = narrative(
        went_well=["<!channel> great work", "<!here|here> ping", "cc @everyone", "<!subteam^S1>"]
    )
    clean = sanitised(dirty, links=set(), people=PEOPLE)
    text = clean.model_dump_json()
    for ping in ("<!channel>", "<!here", "@everyone", "<!subteam"):
        assert ping not in text
    assert clean.went_well[0] == "great work"


def test_only_people_of_the_incident_may_be_mentioned_or_own_actions() -> None:
    dirty = narrative(
        went_well=["<@U_ALICE> paged fast, <@U_MALLORY> was asked"],
        action_items=[
            {"title": "Fix it", "priority": "p0", "owner": "U_MALLORY"},
            {"title": "Test it", "priority": "p2", "owner": "U_BOB"},
        ],
    )
    clean = sanitised(dirty, links=set(), people=PEOPLE)
    assert clean.went_well == ["<@U_ALICE> paged fast, someone was asked"]
    assert [a.owner for a in clean.action_items] == [None, "U_BOB"]


def test_links_survive_only_when_the_incident_had_them() -> None:
    known = links_in(["see <https://grafana.example/d/1|dash> and https://status.example/x."])
    assert known == {"https://grafana.example/d/1", "https://status.example/x"}
    dirty = narrative(
        went_well=[
            "Dashboard <https://grafana.example/d/1|dash> helped",
            "Read <https://evil.example/login|this>",
            "Also https://evil.example/a and https://status.example/x.",
            "[click](https://evil.example/b) [ok](https://status.example/x)",
        ]
    )
    clean = sanitised(dirty, links=known, people=PEOPLE).went_well
    assert clean[0] == "Dashboard <https://grafana.example/d/1|dash> helped"
    assert clean[1] == "Read this"
    assert clean[2] == f"Also {LINK_REMOVED} and https://status.example/x."
    assert clean[3] == "click [ok](https://status.example/x)"
    assert "evil" not in " ".join(clean)


def test_oversized_answers_are_cut_to_size() -> None:
    dirty = narrative(went_well=["x" * 10_000] * 50)
    clean = sanitised(dirty, links=set(), people=PEOPLE)
    assert len(clean.went_well) == 12
    assert all(len(item) <= 1500 for item in clean.went_well)
