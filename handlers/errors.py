"""The last line of defence: an unexpected error is logged with an ID and apologised for."""

import contextlib
import functools
import logging
import uuid
from collections.abc import Callable
from typing import Any

from slack_bolt import App, BoltRequest, BoltResponse
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from bot.adapters.slack.ids import Field

log = logging.getLogger(__name__)

# Bolt hands an ack function's context, copied, to the work after the ack: a refusal (a
# plain string) travels there under this key, to be told to the person privately.
REFUSAL = "sitrep_refusal"


def register(app: App) -> None:
    @app.error
    def apologise(error: Exception, request: BoltRequest) -> BoltResponse:
        error_id = uuid.uuid4().hex[:8]
        log.error("unexpected error %s: %r", error_id, error, exc_info=error)
        if request.body.get("type") == "event_callback" or database_away(error):
            # Not stored: a 503 makes Slack deliver the event again rather than lose it (the
            # timeline stores a message once however often it comes). Whatever the request,
            # a database out of reach is never acknowledged: a 200 would say it was stored.
            # Slack tells the person a command or click failed, and they try again.
            return BoltResponse(status=503, body="")
        if request.body.get("type") == "view_submission":
            # A modal accepts only a response_action; show the apology on its first input
            # (Slack refuses errors for a block the form does not have).
            first = next(
                (
                    b["block_id"]
                    for b in (request.body.get("view") or {}).get("blocks", [])
                    if b.get("type") == "input" and b.get("block_id")
                ),
                Field.TITLE,
            )
            return BoltResponse(
                status=200,
                body={
                    "response_action": "errors",
                    "errors": {
                        first: f"Something went wrong on my side (error {error_id}); "
                        "please try again."
                    },
                },
            )
        return BoltResponse(
            status=200,
            body={
                "response_type": "ephemeral",
                "text": f":confused: Something went wrong on my side (error `{error_id}`). "
                "Please check what happened and try again.",
            },
        )


def database_away(error: Exception) -> bool:
    """The database could not be reached (refused, dropped, its pool exhausted), as opposed
    to a request it refused: trying again later may work."""
    if isinstance(error, OperationalError | PoolTimeout):
        return True
    return isinstance(error, DBAPIError) and error.connection_invalidated


def reported(listener: Callable[..., None]) -> Callable[..., None]:
    """Wraps work done after the ack: Bolt would log a failure there without its traceback
    and tell no one. Logs it with an error ID and tells the person, where there is one."""

    @functools.wraps(listener)
    def run(*args: Any, **kwargs: Any) -> None:
        try:
            listener(*args, **kwargs)
        except Exception as error:
            error_id = uuid.uuid4().hex[:8]
            log.error("error %s in %s: %r", error_id, listener.__name__, error, exc_info=error)
            respond = kwargs.get("respond")
            if respond is not None:
                with contextlib.suppress(Exception):  # telling is best effort
                    respond(
                        response_type="ephemeral",
                        replace_original=False,
                        text=f":confused: Something went wrong on my side "
                        f"(error `{error_id}`). Please check and try again.",
                    )

    return run
