"""The model's narrative is untrusted: nothing in it may ping people or smuggle in links."""

from typing import Any

from bot.postmortem.narrative import LINK_REMOVED, TEXT_REMOVED, Narrative, links_in, sanitised


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


def test_canvas_mentions_survive_only_for_the_incidents_people_and_channels() -> None:
    known = links_in(["moved to <#C_OPS|ops>", "see ![](#C_WAR)"])
    assert known == {"#C_OPS", "#C_WAR"}
    dirty = narrative(
        went_well=[
            "![](@U_ALICE) paged ![](@U999) and [Mallory](@U_MALLORY)",
            "talked in ![](#C_OPS), not ![](#C123)",
            "<#C_WAR|war-room> and <#C9|secret-plans> and <#C8>",
        ]
    )
    clean = sanitised(dirty, links=known, people=PEOPLE).went_well
    assert clean == [
        "![](@U_ALICE) paged someone and someone",
        "talked in ![](#C_OPS), not a channel",
        "<#C_WAR|war-room> and secret-plans and a channel",
    ]


def test_links_of_any_scheme_or_case_go_unless_the_incident_had_them() -> None:
    dirty = narrative(
        went_well=[
            "[docs](HTTPS://evil.example) and <HTTP://evil.example|the portal>",
            "[click](javascript:alert(1)) or run javascript:alert(1) now",
            "get ftp://evil.example/a and www.evil.example/login today",
            "<HTTPS://EVIL.example> ![](https://evil.example/pixel.png)",
            '[x](<https://evil.example/a> "title") [y](//evil.example)',
        ]
    )
    clean = sanitised(dirty, links=set(), people=PEOPLE).went_well
    assert clean == [
        "docs and the portal",
        f"click or run {LINK_REMOVED} now",
        f"get {LINK_REMOVED} and {LINK_REMOVED} today",
        f"{LINK_REMOVED} {LINK_REMOVED}",
        "x y",
    ]


def test_links_of_the_incident_stay_as_written_whatever_the_case_of_scheme_and_host() -> None:
    known = links_in(
        ["dash <https://grafana.example/d/1?a=1&amp;b=2|here>", "www.status.example/x"]
    )
    dirty = narrative(
        went_well=[
            "[dash](HTTPS://Grafana.Example/d/1?a=1&b=2) and <https://grafana.example/d/1?a=1&b=2>",
            "see WWW.Status.Example/x.",
            "not [this](https://grafana.example/D/1) path",
        ]
    )
    clean = sanitised(dirty, links=known, people=PEOPLE).went_well
    assert clean[:2] == dirty.went_well[:2]
    assert clean[2] == "not this path"


def test_removing_or_decoding_a_piece_cannot_assemble_a_new_ping_or_link() -> None:
    dirty = narrative(
        went_well=[
            "&lt;!channel&gt; wake up",
            "ask &amp;lt;@U_MALLORY&amp;gt;",
            "cc @[here](https://evil.example)",
            "[[a](https://evil.example/1)](https://evil.example/2)",
            "&" + "amp;" * 20 + "lt;!channel&gt;",
        ]
    )
    clean = sanitised(dirty, links=set(), people=PEOPLE).went_well
    assert clean == ["wake up", "ask someone", "cc here", "a", TEXT_REMOVED]


def test_a_huge_text_built_to_slow_the_cleaning_is_cut_before_it_is_cleaned() -> None:
    dirty = narrative(went_well=["<!" * 50_000, "[a](" * 30_000, "x <!here> " * 10_000])
    clean = sanitised(dirty, links=set(), people=PEOPLE)  # seconds, not hours
    assert all(len(item) <= 1500 for item in clean.went_well)
    assert "<!here>" not in clean.went_well[2]
