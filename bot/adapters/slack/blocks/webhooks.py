"""Outgoing webhooks in Slack: the admins told that an endpoint was disabled. Pure."""

from collections.abc import Mapping
from typing import Any

from slack_sdk.models.blocks import Block, ContextBlock, MarkdownTextObject, SectionBlock

from bot.adapters.slack.blocks.text import MAX_SECTION, clip


def disabled_text(data: Mapping[str, Any]) -> str:
    return (
        f"Outgoing webhook *{data['endpoint']}* ({data['url']}) is disabled after "
        f"{data['failures']} failed deliveries in a row; the last: {data['error']}."
    )


def disabled_blocks(data: Mapping[str, Any]) -> list[Block]:
    return [
        SectionBlock(
            text=MarkdownTextObject(text=clip(f":warning: {disabled_text(data)}", MAX_SECTION))
        ),
        ContextBlock(
            elements=[
                MarkdownTextObject(
                    text="Events are not sent to it until its `url` or secret changes in the "
                    "policy file (`[[outgoing_webhooks.endpoints]]`); events meanwhile are "
                    "not sent later."
                )
            ]
        ),
    ]
