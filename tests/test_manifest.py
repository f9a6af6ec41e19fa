"""manifest.yml is a valid Slack app manifest that declares everything Sitrep listens for."""

import copy
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from jsonschema import Draft7Validator

from bot.adapters.slack.ids import Callback

REPO_ROOT = Path(__file__).resolve().parents[1]
MANIFEST_PATH = REPO_ROOT / "manifest.yml"
REFERENCE_DIR = REPO_ROOT.parent / "shared" / "reference"
SCHEMA_PATH = REFERENCE_DIR / "slack-manifest.schema.1.0.0.json"
SCHEMA_VALID_EXAMPLE_PATH = REFERENCE_DIR / "payloads" / "manifest_schema_test_valid_v1.json"

EVENTS_URL = "https://sitrep.example.com/slack/events"
REQUIRED_BOT_EVENTS = frozenset(
    {
        "message.channels",
        "message.groups",
        "reaction_added",
        "app_home_opened",
        "member_joined_channel",
    }
)
# Scopes Slack requires before it delivers each event (docs.slack.dev/reference/events/<name>).
SCOPES_FOR_EVENT = {
    "message.channels": {"channels:history"},
    "message.groups": {"groups:history"},
    "reaction_added": {"reactions:read"},
    "app_home_opened": set(),
    "member_joined_channel": {"channels:read", "groups:read"},
    "channel_archive": {"channels:read"},
    "channel_unarchive": {"channels:read"},
    "group_archive": {"groups:read"},
    "group_unarchive": {"groups:read"},
}
SHORTCUTS = {Callback.DECLARE.value: "global", Callback.CREATE_ITEM.value: "message"}

Manifest = dict[str, Any]


def _read_reference(path: Path) -> str:
    if not path.is_file():
        pytest.fail(
            f"Reference file {path} is missing. The manifest tests need the Slack manifest "
            "schema checked out next to this repo (<parent>/shared/reference/); restore it "
            "rather than skipping these tests.",
            pytrace=False,
        )
    return path.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def schema() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(_read_reference(SCHEMA_PATH))
    Draft7Validator.check_schema(loaded)
    return loaded


@pytest.fixture(scope="module")
def validator(schema: dict[str, Any]) -> Draft7Validator:
    return Draft7Validator(schema, format_checker=Draft7Validator.FORMAT_CHECKER)


@pytest.fixture
def manifest() -> Manifest:
    loaded = yaml.safe_load(MANIFEST_PATH.read_text(encoding="utf-8"))
    assert isinstance(loaded, dict), f"{MANIFEST_PATH} must hold a YAML mapping"
    return loaded


def schema_errors(validator: Draft7Validator, instance: object) -> list[str]:
    """Every schema violation as 'json.path: message', in document order."""
    errors = sorted(validator.iter_errors(instance), key=lambda e: list(e.absolute_path))
    return [f"{e.json_path}: {e.message}" for e in errors]


def test_manifest_is_valid_against_slack_schema(
    validator: Draft7Validator, manifest: Manifest
) -> None:
    errors = schema_errors(validator, manifest)
    assert not errors, f"{MANIFEST_PATH.name} violates the Slack manifest schema:\n" + "\n".join(
        errors
    )


def test_background_color_is_a_hex_colour(schema: dict[str, Any], manifest: Manifest) -> None:
    # The schema spells this constraint "regex", which JSON Schema ignores, so check it here.
    colour_rule = schema["definitions"]["app-manifests.v1.display_information.schema"][
        "properties"
    ]["background_color"]
    colour = manifest["display_information"]["background_color"]
    assert re.fullmatch(colour_rule["regex"], colour), f"background_color {colour!r} is not #rgb"


def test_subscribes_to_every_bot_event_the_app_needs(manifest: Manifest) -> None:
    missing = REQUIRED_BOT_EVENTS - set(manifest["settings"]["event_subscriptions"]["bot_events"])
    assert not missing, f"bot_events is missing {sorted(missing)}"


def test_bot_scopes_cover_every_subscribed_event_and_command(manifest: Manifest) -> None:
    scopes = manifest["oauth_config"]["scopes"]["bot"]
    assert len(scopes) == len(set(scopes)), "duplicate bot scopes"  # schema has no uniqueItems
    events = manifest["settings"]["event_subscriptions"]["bot_events"]
    unknown = set(events) - SCOPES_FOR_EVENT.keys()
    assert not unknown, f"add the scopes for {sorted(unknown)} to SCOPES_FOR_EVENT"
    needed = {"commands"}.union(*(SCOPES_FOR_EVENT[event] for event in events))
    missing = needed - set(scopes)
    assert not missing, f"oauth_config.scopes.bot is missing {sorted(missing)}"


def test_declares_incident_command_with_escaped_mentions(manifest: Manifest) -> None:
    commands = {c["command"]: c for c in manifest["features"]["slash_commands"]}
    assert "/incident" in commands
    # Escaping makes Slack send `@user` as <@U123|name>, which `role commander @user` parses.
    assert commands["/incident"]["should_escape"] is True


def test_declares_both_shortcuts(manifest: Manifest) -> None:
    declared = {s["callback_id"]: s["type"] for s in manifest["features"]["shortcuts"]}
    assert declared == SHORTCUTS


def test_http_mode_points_every_request_url_at_bolt(manifest: Manifest) -> None:
    settings = manifest["settings"]
    assert settings["socket_mode_enabled"] is False
    urls = {
        "event_subscriptions": settings["event_subscriptions"]["request_url"],
        "interactivity": settings["interactivity"]["request_url"],
        **{c["command"]: c["url"] for c in manifest["features"]["slash_commands"]},
    }
    assert set(urls.values()) == {EVENTS_URL}, urls
    assert settings["interactivity"]["is_enabled"] is True


def test_schema_accepts_slacks_own_valid_example(validator: Draft7Validator) -> None:
    example = json.loads(_read_reference(SCHEMA_VALID_EXAMPLE_PATH))
    assert schema_errors(validator, example) == []


def _drop_command_description(m: Manifest) -> None:
    del m["features"]["slash_commands"][0]["description"]


def _add_unknown_top_level_key(m: Manifest) -> None:
    m["sitrep"] = {"enabled": True}


def _misspell_shortcut_type(m: Manifest) -> None:
    m["features"]["shortcuts"][0]["type"] = "globall"


def _shorten_long_description(m: Manifest) -> None:
    m["display_information"]["long_description"] = "Too short."


def _duplicate_bot_event(m: Manifest) -> None:
    m["settings"]["event_subscriptions"]["bot_events"].append("reaction_added")


def _drop_interactivity_switch(m: Manifest) -> None:
    del m["settings"]["interactivity"]["is_enabled"]


@pytest.mark.parametrize(
    ("breakage", "expected"),
    [
        pytest.param(b, e, id=b.__name__.lstrip("_"))
        for b, e in [
            (_drop_command_description, "'description' is a required property"),
            (_add_unknown_top_level_key, "'sitrep' was unexpected"),
            (_misspell_shortcut_type, "'globall' is not one of"),
            (_shorten_long_description, "is too short"),
            (_duplicate_bot_event, "non-unique elements"),
            (_drop_interactivity_switch, "'is_enabled' is a required property"),
        ]
    ],
)
def test_schema_rejects_broken_manifest(
    validator: Draft7Validator,
    manifest: Manifest,
    breakage: Callable[[Manifest], None],
    expected: str,
) -> None:
    broken = copy.deepcopy(manifest)
    breakage(broken)
    errors = schema_errors(validator, broken)
    assert any(expected in error for error in errors), errors
