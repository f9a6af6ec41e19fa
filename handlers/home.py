"""The App Home tab, drawn from the record: when a person opens it, and again after they use
it (Slack keeps no state of its own there)."""

from slack_sdk import WebClient

from bot.adapters.slack import blocks
from handlers.deps import Deps


def publish_home(deps: Deps, client: WebClient, user: str, notice: str = "") -> None:
    """Draws the person's Home tab; `notice` says what their last click could not do."""
    home = deps.action_items.home(user)
    # Only where there are schedules: a team without on-call sees no empty section.
    shifts = deps.oncall.next_shifts_of(user) if deps.oncall.schedules else None
    client.views_publish(user_id=user, view=blocks.home(home, deps.policy, notice, shifts))
