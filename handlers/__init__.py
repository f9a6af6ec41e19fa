"""Driving side: Bolt listeners. Each parses the request, calls one service, renders the reply."""

from slack_bolt import App

from handlers import action_items, actions, commands, events, views
from handlers.deps import Deps
from handlers.errors import register as register_errors


def register(app: App, deps: Deps) -> None:
    for surface in (commands, events, actions, action_items, views):
        surface.register(app, deps)
    register_errors(app)
