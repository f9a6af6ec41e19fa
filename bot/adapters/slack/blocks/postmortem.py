"""What Slack shows of a post-mortem: the channel posts of its steps and the replies. Pure."""

from datetime import date
from typing import Any

from slack_sdk.models.blocks import Block, ContextBlock, MarkdownTextObject, SectionBlock

from bot.action_items import Proposals, Proposed
from bot.adapters.slack.blocks.action_items import proposal_blocks
from bot.adapters.slack.blocks.text import MAX_SECTION, actor_mention, clip, defang
from bot.postmortem.service import Drafted
from models import DraftSource, TimelineEntry


def postmortem_post(entry: TimelineEntry) -> list[Block]:
    """The channel post of a post-mortem step: drafted, sent for review, published."""
    data = entry.data
    link = f"<{data['url']}|the post-mortem canvas>" if data.get("url") else "the post-mortem"
    who = actor_mention(entry.author)
    event = data.get("event")
    if event == "in_review":
        names = ", ".join(f"<@{r}>" for r in data.get("reviewers", []))
        text = f":mag: {who} asked {names} to review {link}."
    elif event == "published":
        text = f":white_check_mark: {who} published {link}. Thank you, everyone."
    else:
        text = f":memo: The post-mortem draft is ready in {link}."
    blocks: list[Block] = [SectionBlock(text=MarkdownTextObject(text=clip(text, MAX_SECTION)))]
    if event == "drafted":
        blocks.append(ContextBlock(elements=[MarkdownTextObject(text=_provenance(data))]))
        blocks += proposal_blocks(_proposals(data))
    return blocks


def _proposals(data: dict[str, Any]) -> Proposals:
    """The draft's proposals as recorded with it: none accepted yet when it is posted."""
    return Proposals(
        str(data.get("draft", "")),
        tuple(
            Proposed(
                index,
                str(p.get("title", "")),
                p.get("priority", "p2"),
                p.get("owner"),
                date.fromisoformat(p["due_on"]),
                None,
            )
            for index, p in enumerate(data.get("proposals") or [])
        ),
    )


def _provenance(data: dict[str, object]) -> str:
    if data.get("source") == DraftSource.MODEL.value:
        return (
            "Claude wrote the narrative; every time, duration and name comes from the record. "
            "Refine it, then `/incident postmortem publish`."
        )
    reason = defang(str(data.get("reason") or "no model was available"))
    return clip(
        f"Filled from the template because {reason}: the facts and timeline are complete, "
        "the narrative sections are yours to write. `/incident postmortem export` gives a "
        "Markdown file.",
        MAX_SECTION,
    )


def drafted_reply(drafted: Drafted) -> str:
    """The private answer to `/incident postmortem`, saying who wrote the draft."""
    record, ref = drafted.record, drafted.incident.ref
    where = f"<{record.canvas_url}|the canvas>" if record.canvas_url else "the channel's canvas"
    verb = "updated" if drafted.replaced else "wrote"
    if drafted.source is DraftSource.MODEL:
        return f"I {verb} the post-mortem draft of {ref} in {where}, with Claude's narrative."
    return (
        f"I {verb} the post-mortem draft of {ref} in {where} from the template, because "
        f"{defang(drafted.fallback_reason)}."
    )
