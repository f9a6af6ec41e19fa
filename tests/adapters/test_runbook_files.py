"""File runbooks: read at start-up from the runbooks folder, shown in Slack as mrkdwn."""

from pathlib import Path

import pytest

from bot.adapters.runbook_files import read_runbooks, runbooks_folder
from bot.adapters.slack.blocks.runbooks import mrkdwn
from bot.config import Policy
from bot.errors import ConfigError


def _policy(folder: str = "runbooks") -> Policy:
    return Policy.model_validate(
        {
            "runbooks_folder": folder,
            "runbooks": [
                {"title": "Web", "url": "https://wiki.example.com/web"},
                {"title": "Disk full", "file": "disk/full.md"},
            ],
        }
    )


def test_the_folder_is_next_to_the_policy_file(tmp_path: Path) -> None:
    assert runbooks_folder(_policy(), tmp_path / "sitrep.toml") == tmp_path / "runbooks"
    assert runbooks_folder(_policy("/srv/rb"), tmp_path / "sitrep.toml") == Path("/srv/rb")


def test_file_runbooks_are_read_by_their_file(tmp_path: Path) -> None:
    (tmp_path / "disk").mkdir()
    (tmp_path / "disk" / "full.md").write_text("# Disk full\nFree space.")
    assert read_runbooks(_policy(), tmp_path) == {"disk/full.md": "# Disk full\nFree space."}


def test_a_missing_file_stops_start_up_naming_the_runbook(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"runbooks\.1\.file: no such file .*disk/full\.md"):
        read_runbooks(_policy(), tmp_path)


def test_markdown_becomes_slack_mrkdwn() -> None:
    text = (
        "# Disk full\n\nCheck **usage** with *df*:\n\n- clear `/tmp`\n- see "
        "[the dashboard](https://grafana.example.com/d/disk?a=1&b=2)\n"
        "```\nrm -rf <dir>\n```"
    )
    assert mrkdwn(text) == (
        "*Disk full*\n\nCheck *usage* with _df_:\n\n• clear `/tmp`\n• see "
        "<https://grafana.example.com/d/disk?a=1&amp;b=2|the dashboard>\n"
        "```\nrm -rf &lt;dir&gt;\n```"
    )
