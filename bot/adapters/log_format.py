"""Logging set-up: plain text for people at a terminal, or one JSON object per line for log
pipelines, each record carrying the request and incident it belongs to."""

import logging
import sys
from typing import Literal, TextIO

from pythonjsonlogger.json import JsonFormatter

from bot.log_context import ContextFilter

TEXT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def configure_logging(level: str, form: Literal["text", "json"]) -> None:
    """Sends every record to standard error, as text or JSON. matplotlib's own debugging
    (hundreds of lines as it scans fonts) is left out even at DEBUG."""
    logging.basicConfig(level=level, handlers=[log_handler(form)], force=True)
    logging.getLogger("matplotlib").setLevel(max(logging.getLevelName(level), logging.INFO))


def log_handler(form: Literal["text", "json"], stream: TextIO | None = None) -> logging.Handler:
    """A handler writing to `stream` (standard error) as text or as JSON: `time`, `level`,
    `logger`, `message`, plus `request_id`, `incident` and any `extra` fields when present."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.addFilter(ContextFilter())
    if form == "json":
        handler.setFormatter(
            JsonFormatter(
                "%(levelname)s %(name)s %(message)s",
                rename_fields={"levelname": "level", "name": "logger"},
                timestamp="time",  # ISO 8601, UTC
            )
        )
    else:
        handler.setFormatter(logging.Formatter(TEXT))
    return handler
