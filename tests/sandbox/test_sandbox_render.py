"""The page shows Slack's markup as Slack does: emoji shortcodes as the emoji."""

import re
from pathlib import Path

from sandbox.render import Names, emoji, mrkdwn, text

ROOT = Path(__file__).resolve().parents[2]
# A shortcode in a string the bot writes: `:name:` between quotes, spaces or a bracket.
_SHORTCODE = re.compile(r"(?<=[\"\s(]):([a-z][a-z0-9_+]*):(?=[\s\"])")


def shortcodes_the_bot_writes() -> set[str]:
    sources = [*(ROOT / "bot").rglob("*.py"), *(ROOT / "models").rglob("*.py")]
    return {code for path in sources for code in _SHORTCODE.findall(path.read_text())}


def test_every_emoji_the_bot_writes_is_shown_as_unicode() -> None:
    codes = shortcodes_the_bot_writes()
    assert {"rotating_light", "lock", "white_check_mark"} <= codes  # the scan finds them
    left = {code for code in codes if emoji(f":{code}:") == f":{code}:"}
    assert not left, f"shown as text in the sandbox: {sorted(left)}"


def test_shortcodes_become_emoji_in_mrkdwn_and_plain_text() -> None:
    names = Names()
    assert mrkdwn(":rotating_light: *Declared*", names) == "🚨 <strong>Declared</strong>"
    assert text({"type": "plain_text", "text": ":lock: Private"}, names) == "🔒 Private"
    assert mrkdwn("at 10:30:15 and :not_an_emoji_we_know:", names) == (
        "at 10:30:15 and :not_an_emoji_we_know:"
    )
