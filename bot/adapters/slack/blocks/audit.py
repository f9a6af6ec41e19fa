"""Admin answers: the audit log (`/incident admin audit`) and API tokens
(`/incident admin token`)."""

from collections.abc import Sequence

from slack_sdk.models.blocks import (
    Block,
    ContextBlock,
    HeaderBlock,
    MarkdownTextObject,
    SectionBlock,
)

from bot.adapters.slack.blocks.text import MAX_SECTION, actor_mention, clip, defang
from bot.api_tokens import Issued
from models import ApiToken, AuditEntry


def audit_blocks(entries: Sequence[AuditEntry], label: str, limit: int) -> list[Block]:
    """The latest entries, newest first: when, who, what, to what, from where."""
    if not entries:
        return [
            SectionBlock(text=MarkdownTextObject(text=f"The audit log has nothing for {label}."))
        ]
    blocks: list[Block] = [HeaderBlock(text=clip(f"Audit log: {label}", 150))]
    for entry in entries:
        who = actor_mention(entry.actor)
        text = str(entry.details.get("text") or "")
        line = (
            f"`{entry.at.strftime('%Y-%m-%d %H:%M:%S')}Z` {who} *{entry.action}* "
            f"{entry.target} · {entry.surface}" + (f"\n{defang(text)}" if text else "")
        )
        blocks.append(SectionBlock(text=MarkdownTextObject(text=clip(line, MAX_SECTION))))
    if len(entries) >= limit:
        more = (
            f"The latest {limit}. Narrow it with an incident ID, e.g. "
            "`/incident admin audit INC-2026-0042`."
        )
        blocks.append(ContextBlock(elements=[MarkdownTextObject(text=more)]))
    return blocks


def token_issued(issued: Issued) -> list[Block]:
    """The new token's secret, shown this once, privately, with how to use it."""
    token = issued.token
    access = token.scope.value + (", private incidents too" if token.private else "")
    text = (
        f":key: API token *{token.name}* ({access}). Copy it now: it is not shown again.\n"
        f"```{issued.secret}```\n"
        f"Use it as `Authorization: Bearer <token>` on `/api/v1` (see `/api/v1/docs`). "
        f"Revoke it with `/incident admin token revoke {token.name}`."
    )
    return [SectionBlock(text=MarkdownTextObject(text=text))]


def tokens_listed(tokens: Sequence[ApiToken]) -> list[Block]:
    if not tokens:
        text = "No live API tokens. Create one: `/incident admin token create <name> write`."
        return [SectionBlock(text=MarkdownTextObject(text=text))]
    lines = [
        f"*{t.name}* · {t.scope.value}{' · private' if t.private else ''} · created "
        f"{t.created_at.strftime('%Y-%m-%d')} by {actor_mention(t.created_by)}"
        for t in tokens
    ]
    return [SectionBlock(text=MarkdownTextObject(text=clip("\n".join(lines), MAX_SECTION)))]
