"""The More results button under `/incident search` results: the next page replaces the
page shown. The search runs again for whoever clicks, where they click, so a result they
may not see never shows however the button's value was made."""

import logging
from typing import Any

from slack_bolt import Ack, App, Respond

from bot.adapters.slack import blocks
from bot.adapters.slack.ids import Action
from bot.commands import parse
from bot.errors import IncidentError
from bot.requests import SearchIncidents
from handlers.deps import Deps
from handlers.errors import reported

log = logging.getLogger(__name__)


def register(app: App, deps: Deps) -> None:
    def acknowledge(ack: Ack) -> None:
        ack()

    @reported
    def next_page(body: dict[str, Any], respond: Respond) -> None:
        try:
            text, page = blocks.read_page_value(body["actions"][0]["value"])
            request = parse(f"search {text}", deps.policy.severity_keys)
            if not isinstance(request, SearchIncidents):
                raise ValueError(text)
        except (ValueError, KeyError, IncidentError) as error:
            log.warning("a More results button carried an unknown search: %r", error)
            return
        channel = (body.get("channel") or {}).get("id") or (body.get("container") or {}).get(
            "channel_id"
        )
        found = deps.search.search(request, body["user"]["id"], channel, page)
        respond(
            replace_original=True,
            text=blocks.search_fallback(found),
            blocks=blocks.search_results(found),
        )

    app.action(Action.MORE_RESULTS)(ack=acknowledge, lazy=[next_page])
