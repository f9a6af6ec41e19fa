"""The declare modal. Pure."""

import json

from slack_sdk.models.blocks import (
    Block,
    CheckboxesElement,
    DateTimePickerElement,
    InputBlock,
    Option,
    PlainTextInputElement,
    StaticMultiSelectElement,
    StaticSelectElement,
    UserSelectElement,
)
from slack_sdk.models.views import View

from bot.adapters.slack.blocks.incident import severity_options
from bot.adapters.slack.blocks.text import MAX_OPTION, clip
from bot.adapters.slack.ids import Callback, Field
from bot.config import Policy
from models import Detection, ImpactScope


def declare_modal(
    policy: Policy, *, title: str | None, severity: str | None, reply_to: str | None
) -> View:
    """The modal behind `/incident declare` without arguments and the global shortcut."""
    severities = severity_options(policy)
    blocks: list[Block] = [
        InputBlock(
            block_id=Field.TITLE,
            label="Title",
            element=PlainTextInputElement(
                action_id=Field.TITLE,
                max_length=200,
                initial_value=title or None,
                placeholder="Checkout API returning 500s",
            ),
        ),
        InputBlock(
            block_id=Field.SEVERITY,
            label="Severity",
            element=StaticSelectElement(
                action_id=Field.SEVERITY,
                options=severities,
                initial_option=next((o for o in severities if o.value == severity), None),
            ),
        ),
    ]
    if policy.services:
        blocks.append(
            InputBlock(
                block_id=Field.SERVICES,
                label="Affected services",
                optional=True,
                element=StaticMultiSelectElement(
                    action_id=Field.SERVICES,
                    options=[
                        Option(value=clip(s.name, 75), text=clip(s.name, MAX_OPTION))
                        for s in policy.services[:100]
                    ],
                ),
            )
        )
    blocks += [
        InputBlock(
            block_id=Field.DESCRIPTION,
            label="What is happening?",
            optional=True,
            element=PlainTextInputElement(
                action_id=Field.DESCRIPTION, multiline=True, max_length=3000
            ),
        ),
        InputBlock(
            block_id=Field.IMPACT_STARTED,
            label="When did impact start?",
            optional=True,
            element=DateTimePickerElement(action_id=Field.IMPACT_STARTED),
        ),
        InputBlock(
            block_id=Field.DETECTION,
            label="How was it detected?",
            optional=True,
            element=StaticSelectElement(
                action_id=Field.DETECTION,
                placeholder="Monitoring, a user's report, internal discovery",
                options=[Option(value=d.value, text=d.label) for d in Detection],
            ),
        ),
        InputBlock(
            block_id=Field.IMPACT_SCOPE,
            label="Who is affected?",
            optional=True,
            element=StaticSelectElement(
                action_id=Field.IMPACT_SCOPE,
                placeholder="One person, a department, the whole company",
                options=[Option(value=s.value, text=s.label) for s in ImpactScope],
            ),
        ),
        InputBlock(
            block_id=Field.COMMANDER,
            label="Incident commander",
            optional=True,
            element=UserSelectElement(
                action_id=Field.COMMANDER, placeholder="Leave empty to claim later"
            ),
        ),
        InputBlock(
            block_id=Field.PRIVATE,
            label="Visibility",
            optional=True,
            element=CheckboxesElement(
                action_id=Field.PRIVATE,
                options=[
                    Option(
                        value="private", text="Private incident (private channel, no announcement)"
                    )
                ],
            ),
        ),
    ]
    return View(
        type="modal",
        callback_id=Callback.DECLARE,
        title="Declare an incident",
        submit="Declare",
        close="Cancel",
        blocks=blocks,
        # Where to answer the declarer: the slash command's response_url, if there was one.
        private_metadata=json.dumps({"response_url": reply_to}),
    )
