"""Web API methods: auth, users, apps."""

from __future__ import annotations

from ..decoding import Args, SlackError
from ..identities import APP_TOKEN, BOT_ID, BOT_USER_ID, JSON, SLACK_URL, TEAM_ID, TEAM_NAME
from ..workspace import Workspace
from .registry import api, page


@api("auth.test")
def auth_test(ws: Workspace, args: Args) -> JSON:
    return {
        "url": f"{SLACK_URL}/",
        "team": TEAM_NAME,
        "user": ws.users[BOT_USER_ID].name,
        "team_id": TEAM_ID,
        "user_id": BOT_USER_ID,
        "bot_id": BOT_ID,
        "is_enterprise_install": False,
    }


@api("users.info")
def users_info(ws: Workspace, args: Args) -> JSON:
    return {"user": ws.user(args.text("user")).to_slack()}


@api("users.list")
def users_list(ws: Workspace, args: Args) -> JSON:
    members, cursor = page(list(ws.users.values()), lambda u: u.id, args, "user", (100, 1000))
    return {
        "members": [u.to_slack() for u in members],
        "cache_ts": ws.now(),
        "response_metadata": {"next_cursor": cursor},
    }


@api("users.lookupByEmail")
def users_lookup_by_email(ws: Workspace, args: Args) -> JSON:
    email = args.required("email")
    user = next((u for u in ws.users.values() if u.email == email), None)
    if user is None:
        raise SlackError("users_not_found")
    return {"user": user.to_slack()}


@api("apps.connections.open", token=APP_TOKEN)
def apps_connections_open(ws: Workspace, args: Args) -> JSON:
    return {"url": ws.socket_url()}
