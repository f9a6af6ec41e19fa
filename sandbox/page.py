"""The sandbox's page: a small Slack (channels, messages with threads, the message box, the
person switcher, modals, the Home tab, canvases) rendered from the fake workspace."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from . import render
from .render import Names, Surface, esc
from .slack.identities import BOT_USER_ID
from .slack.records import Ephemeral, Message
from .slack.server import FakeSlack

PEOPLE = ("U_ALICE", "U_BOB", "U_CAROL", "U_DAVE")
BANNER = (
    "Sandbox: a local imitation of Slack for trying Sitrep. Nothing here reaches Slack; "
    "the people are samples."
)


@dataclass(frozen=True)
class Where:
    """What the person is looking at: who they are and which channel (or the Home tab)."""

    user: str = "U_ALICE"
    channel: str = "C_GENERAL"
    home: bool = False

    def query(self, **changes: str) -> str:
        params = {"user": self.user, "channel": self.channel} | changes
        if self.home and "channel" not in changes:
            params["home"] = "1"
        return urlencode(params)


def names(slack: FakeSlack) -> Names:
    return Names(
        users={u.id: u.real_name for u in (slack.user(uid) for uid in (*PEOPLE, BOT_USER_ID))},
        channels={c.id: c.name for c in slack.channels() if not c.is_im},
    )


def people(slack: FakeSlack) -> dict[str, str]:
    return {uid: slack.user(uid).real_name for uid in PEOPLE}


def page(
    slack: FakeSlack, where: Where, *, canvas_id: str | None = None, demo: bool = False
) -> str:
    """The whole page; `live` and `modal` are refreshed by the script while it is open.
    With `demo`, a button loads the demo data."""
    body = canvas(slack, canvas_id) if canvas_id else _main(slack, where)
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Sitrep sandbox</title>
<link rel="stylesheet" href="/sandbox/static/sandbox.css">
<script src="/sandbox/static/sandbox.js" defer></script>
</head><body>
<div class="banner" role="note">{esc(BANNER)}</div>
<header>
  <strong>Sitrep sandbox</strong>
  <form method="get" action="/sandbox" class="switcher">
    <input type="hidden" name="channel" value="{esc(where.channel)}">
    <label for="user">You are</label>
    <select id="user" name="user" data-autosubmit>{_people_options(slack, where.user)}</select>
    <button>Switch</button>
  </form>{_demo_button(where) if demo else ""}
</header>
<div class="layout">
<nav aria-label="Channels" id="sidebar">{sidebar(slack, where)}</nav>
{body}
</div>
</body></html>"""


def _demo_button(where: Where) -> str:
    """Loads six months of past incidents, then shows #incidents, where they were declared."""
    return f"""
  <form method="post" action="/sandbox/demo" data-navigate>
    <input type="hidden" name="user" value="{esc(where.user)}">
    <input type="hidden" name="back" value="{esc(where.query(channel="C_INCIDENTS"))}">
    <button aria-describedby="demo-hint">Load demo data</button>
    <span id="demo-hint" class="hint">six months of past incidents; takes a few seconds</span>
  </form>"""


def _people_options(slack: FakeSlack, current: str) -> str:
    return "".join(
        f'<option value="{esc(uid)}"{" selected" if uid == current else ""}>{esc(name)}</option>'
        for uid, name in people(slack).items()
    )


def sidebar(slack: FakeSlack, where: Where) -> str:
    channels = [
        c
        for c in slack.channels()
        if not c.is_im and not c.is_archived and (not c.is_private or where.user in c.members)
    ]
    items = [
        f'<li><a href="/sandbox?{esc(where.query(channel=c.id))}"'
        f"{' aria-current=page' if c.id == where.channel and not where.home else ''}>"
        f"{'🔒' if c.is_private else '#'} {esc(c.name)}</a></li>"
        for c in channels
    ]
    home = where.query(home="1")
    current = " aria-current=page" if where.home else ""
    return (
        f'<ul><li><a href="/sandbox?{esc(home)}"{current}>🏠 Sitrep (Home)</a></li></ul>'
        f"<h2>Channels</h2><ul>{''.join(items)}</ul>"
    )


def _main(slack: FakeSlack, where: Where) -> str:
    if where.home:
        title = "Sitrep: Home"
        composer = ""
    else:
        channel = slack.channel(where.channel)
        title = f"{'🔒' if channel.is_private else '#'} {channel.name}"
        composer = f"""<form method="post" action="/sandbox/say" class="composer" id="composer">
  <input type="hidden" name="user" value="{esc(where.user)}">
  <input type="hidden" name="channel" value="{esc(where.channel)}">
  <input type="hidden" name="back" value="{esc(where.query())}">
  <label for="text" class="visually-hidden">Message #{esc(channel.name)}</label>
  <input id="text" name="text" autocomplete="off" required
    placeholder="Message #{esc(channel.name)}, or /incident declare sev2 …">
  <button>Send</button>
</form>"""
    modal_key, modal_html = modal(slack, where)
    return f"""<main>
<h1>{esc(title)}</h1>
<div id="live" aria-live="polite" data-src="/sandbox/live?{esc(where.query())}">
{live(slack, where)}</div>
{composer}
<div id="modal" data-key="{esc(modal_key)}">{modal_html}</div>
</main>"""


def live(slack: FakeSlack, where: Where) -> str:
    """The part that changes: the channel's header, messages and private replies (or the
    Home tab's view)."""
    known = names(slack)
    if where.home:
        view = slack.home_view(where.user)
        if view is None:
            return "<p>The Home tab is loading…</p>"
        surface = Surface({"user": where.user, "surface": "view", "view_id": view.id,
                           "back": where.query()}, people=people(slack))  # fmt: skip
        return f'<section class="home">{render.blocks(view.blocks, known, surface)}</section>'
    return _channel_header(slack, where) + _messages(slack, where, known)


def _channel_header(slack: FakeSlack, where: Where) -> str:
    channel = slack.channel(where.channel)
    parts = []
    if channel.topic.value:
        parts.append(f'<p class="topic">{render.mrkdwn(channel.topic.value, names(slack))}</p>')
    links = [
        f'<a href="/sandbox/canvas/{esc(c.id)}?{esc(where.query())}">'
        f"📝 {esc(c.title or 'Canvas')}</a>"
        for c in slack.canvases_in(where.channel)
    ]
    links += [
        f'<a href="{esc(b.link)}" target="_blank" rel="noopener">🔗 {esc(b.title)}</a>'
        for b in slack.bookmarks(where.channel)
        if b.link.startswith(("http://", "https://"))
    ]
    if links:
        parts.append(f'<p class="bookmarks">{" · ".join(links)}</p>')
    return "".join(parts)


def _messages(slack: FakeSlack, where: Where, known: Names) -> str:
    everything = slack.messages(where.channel)
    pinned = {m.ts for m in slack.pins(where.channel)}
    replies: dict[str, list[Message]] = {}
    for message in everything:
        if message.is_reply:
            replies.setdefault(message.thread_ts or "", []).append(message)
    shown: list[tuple[str, str]] = [
        (m.ts, _message(slack, m, where, known, pinned, replies.get(m.ts, [])))
        for m in everything
        if not m.is_reply or m.subtype == "thread_broadcast"
    ]
    shown += [
        (e.message_ts, _ephemeral(e, where, known, people(slack)))
        for e in slack.ephemerals(where.channel, where.user)
        if e.thread_ts is None
    ]
    shown.sort(key=lambda pair: float(pair[0]))
    if not shown:
        return '<p class="empty">No messages yet.</p>'
    return '<ol class="messages">' + "".join(html for _, html in shown) + "</ol>"


def _when(ts: str, user_tz: str = "UTC") -> str:
    moment = datetime.fromtimestamp(float(ts), ZoneInfo(user_tz))
    return f'<time datetime="{moment.isoformat()}">{moment:%H:%M}</time>'


def _message(
    slack: FakeSlack,
    message: Message,
    where: Where,
    known: Names,
    pinned: set[str],
    thread: list[Message],
) -> str:
    author = known.users.get(message.user or "", message.user or "Slack")
    surface = Surface({"user": where.user, "surface": "message", "channel": message.channel,
                       "ts": message.ts, "back": where.query()}, people=people(slack))  # fmt: skip
    content = _content(message, known, surface)
    pin = ' <span class="pin">📌 pinned</span>' if message.ts in pinned else ""
    edited = ' <span class="edited">(edited)</span>' if message.edited else ""
    inner = (
        f'<div class="meta"><strong>{esc(author)}</strong> {_when(message.ts)}{pin}{edited}</div>'
        f"{content}"
    )
    if not message.is_reply:
        inner += _thread(slack, message, thread, where, known)
    return f'<li class="message" id="m{esc(message.ts)}">{inner}</li>'


def _content(message: Message, known: Names, surface: Surface) -> str:
    rich = [b for b in message.blocks if b.get("type") != "rich_text"]
    body = (
        render.blocks(rich, known, surface)
        if rich
        else f'<div class="text">{render.mrkdwn(message.text, known)}</div>'
    )
    for shared in message.files:
        file_id, name = esc(shared.get("id", "")), esc(shared.get("name", "file"))
        if str(shared.get("mimetype", "")).startswith("image/"):
            body += (
                f'<figure><img src="/sandbox/files/{file_id}" '
                f'alt="{esc(shared.get("title") or name)}">'
                f"<figcaption>{name}</figcaption></figure>"
            )
        else:
            body += f'<p class="file">📎 <a href="/sandbox/files/{file_id}">{name}</a></p>'
    return body


def _thread(
    slack: FakeSlack, parent: Message, thread: list[Message], where: Where, known: Names
) -> str:
    items = "".join(_message(slack, m, where, known, set(), []) for m in thread)
    count = f"{len(thread)} {'reply' if len(thread) == 1 else 'replies'}" if thread else "Reply"
    return f"""<details class="thread" id="t{esc(parent.ts)}"><summary>{count}</summary>
<ol class="messages">{items}</ol>
<form method="post" action="/sandbox/say" class="reply">
  <input type="hidden" name="user" value="{esc(where.user)}">
  <input type="hidden" name="channel" value="{esc(parent.channel)}">
  <input type="hidden" name="thread_ts" value="{esc(parent.ts)}">
  <input type="hidden" name="back" value="{esc(where.query())}">
  <input name="text" aria-label="Reply in thread" required placeholder="Reply…">
  <button>Reply</button>
</form></details>"""


def _ephemeral(reply: Ephemeral, where: Where, known: Names, sample: dict[str, str]) -> str:
    surface = Surface({"user": where.user, "surface": "ephemeral", "channel": reply.channel,
                       "ts": reply.message_ts, "back": where.query()}, people=sample)  # fmt: skip
    content = (
        render.blocks(reply.blocks, known, surface)
        if reply.blocks
        else f'<div class="text">{render.mrkdwn(reply.text, known)}</div>'
    )
    return (
        f'<li class="message ephemeral"><div class="meta"><strong>Sitrep</strong> '
        f"{_when(reply.message_ts)} <span>Only visible to you</span></div>{content}</li>"
    )


def modal(slack: FakeSlack, where: Where, errors: dict[str, str] | None = None) -> tuple[str, str]:
    """The person's open modal (the top of their stack) as a form, with its key: the script
    replaces the modal only when the key changes, so typing is never lost to a refresh."""
    stack = slack.open_views(where.user)
    if not stack:
        return "", ""
    view = stack[-1]
    known = names(slack)
    surface = Surface({}, in_modal=True, people=people(slack))
    problems = errors or {}
    notice = "".join(
        f'<p class="error" role="alert">{esc(block and f"{block}: ")}{esc(text)}</p>'
        for block, text in problems.items()
    )
    submit = view.payload.get("submit")
    close = view.payload.get("close") or {"type": "plain_text", "text": "Cancel"}
    submit_button = f"<button>{render.text(submit, known)}</button>" if submit else ""
    key = f"{view.id}:{view.hash}:{json.dumps(problems, sort_keys=True)}"
    return (
        key,
        f"""<div class="overlay"><form method="post" action="/sandbox/submit"
  class="modal" role="dialog" aria-modal="true" aria-labelledby="modal-title">
  <h2 id="modal-title">{esc(view.title)}</h2>{notice}
  <input type="hidden" name="user" value="{esc(where.user)}">
  <input type="hidden" name="view_id" value="{esc(view.id)}">
  <input type="hidden" name="back" value="{esc(where.query())}">
  {render.blocks(view.blocks, known, surface)}
  <div class="modal-buttons">
    <button formaction="/sandbox/close" formnovalidate
      class="secondary">{render.text(close, known)}</button>
    {submit_button}
  </div>
</form></div>""",
    )


def canvas(slack: FakeSlack, canvas_id: str) -> str:
    document = slack.canvas(canvas_id)
    return f"""<main><h1>📝 {esc(document.title or "Canvas")}</h1>
<article class="canvas">{render.markdown(document.markdown)}</article></main>"""
