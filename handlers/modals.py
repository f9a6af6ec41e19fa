"""Modals: opening them (before the ack, as every surface does: a trigger expires in 3
seconds) and reading what was submitted."""

import json
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.models.views import View

from bot.adapters.slack.client import in_plain_words
from bot.errors import ChatUnavailable


def open_modal(client: WebClient, trigger_id: str, view: View) -> None:
    """Opens `view`; a refusal by Slack becomes an error the person is shown."""
    try:
        client.views_open(trigger_id=trigger_id, view=view)
    except SlackApiError as error:
        raise ChatUnavailable(f"I couldn't open the form: {in_plain_words(error)}") from error


def input_values(view: dict[str, Any]) -> dict[str, Any]:
    """Each input's state by its block ID (one input per block)."""
    return {
        block: next(iter(actions.values()))
        for block, actions in view["state"]["values"].items()
        if actions
    }


def view_metadata(view: dict[str, Any]) -> dict[str, Any]:
    """The object Sitrep put in a view's private_metadata; empty if it is not one."""
    try:
        data = json.loads(view.get("private_metadata") or "{}")
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}
