"""Driving side: Bolt listeners. Each parses the request, calls one service, renders the reply."""

from slack_bolt import App

from bot.alerts.service import AlertService
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


def register(app: App, deps: Deps, alert_service: AlertService) -> None:
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
