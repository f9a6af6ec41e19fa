"""The App Home tab: published when a person opens it, and again after they use it."""

from typing import Any

from slack_bolt import App
from slack_sdk import WebClient

from bot.adapters.slack import blocks
from handlers.deps import Deps
from handlers.errors import reported

# How many open incidents are looked at to count those the person is not in.
_OPEN_COUNTED = 200


def register(app: App, deps: Deps) -> None:
    @reported
    def show_home(event: dict[str, Any], client: WebClient) -> None:
        if event.get("tab") == "home":
            publish_home(deps, client, event["user"])

    app.event("app_home_opened")(ack=_acknowledge, lazy=[show_home])


def publish_home(deps: Deps, client: WebClient, user: str, notice: str = "") -> None:
    """Renders the person's Home tab from the record: their open action items (overdue
    first), the open incidents they are in, the follow-through numbers."""
    items = deps.action_items.list(user, "mine", limit=50)
    mine = deps.incidents.involving(user)
    everything = deps.incidents.list_incidents(
        include_resolved=False, viewer=user, limit=_OPEN_COUNTED
    )
    refs = {i.incident_id: deps.incidents.get(i.incident_id).ref for i in items}
    view = blocks.home(
        blocks.Home(
            items=items,
            refs=refs,
            incidents=mine,
            other_open=len({i.id for i in everything} - {i.id for i in mine}),
            report=deps.action_items.report(user),
            today=deps.action_items.today(),
            now=deps.clock(),
            window=deps.policy.follow_through_within,
            notice=notice,
        )
    )
    client.views_publish(user_id=user, view=view)


def _acknowledge() -> None:
    """Bolt acknowledges events itself; the work happens in the lazy listener."""
