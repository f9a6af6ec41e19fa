"""Driving side: Bolt listeners. Each parses the request, calls one service, renders the reply."""

from collections.abc import Callable
from typing import Any

from slack_bolt import App

from bot.alerts.service import AlertService
from bot.audit import Surface, set_surface
from handlers import (
    action_items,
    actions,
    alerts,
    closing,
    commands,
    events,
    paging,
    search,
    updates,
    views,
)
from handlers.deps import Deps
from handlers.errors import register as register_errors

_SURFACES = {
    "block_actions": Surface.BUTTON,
    "view_submission": Surface.MODAL,
    "view_closed": Surface.MODAL,
    "shortcut": Surface.SHORTCUT,
    "message_action": Surface.SHORTCUT,
    "event_callback": Surface.EVENT,
}


def surface_of(body: dict[str, Any]) -> Surface:
    """Where a Slack request came from, for the audit log."""
    if "command" in body:
        return Surface.SLASH_COMMAND
    return _SURFACES.get(str(body.get("type")), Surface.SYSTEM)


def register(app: App, deps: Deps, alert_service: AlertService) -> None:
    @app.middleware
    def remember_surface(body: dict[str, Any], next: Callable[[], None]) -> None:
        # Set in the request's thread; the work after the ack inherits it (ContextExecutor).
        set_surface(surface_of(body))
        next()

    for surface in (
        commands,
        events,
        actions,
        action_items,
        search,
        views,
        closing,
        paging,
        updates,
    ):
        surface.register(app, deps)
    alerts.register(app, deps, alert_service)
    register_errors(app)
