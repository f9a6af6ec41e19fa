"""What log records are about: the request and the incident being handled, carried in a
context variable so every log line of that work names them (JSON logs show them as fields)."""

import contextvars
import logging
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from types import MappingProxyType
from typing import ParamSpec, TypeVar

P = ParamSpec("P")
T = TypeVar("T")

_FIELDS: contextvars.ContextVar[Mapping[str, str]] = contextvars.ContextVar(
    "sitrep_log_fields", default=MappingProxyType({})
)


@contextmanager
def bound(**fields: str) -> Iterator[None]:
    """Log records made inside carry `fields` (e.g. request_id, incident) besides those
    already bound."""
    token = _FIELDS.set(MappingProxyType({**_FIELDS.get(), **fields}))
    try:
        yield
    finally:
        _FIELDS.reset(token)


def note(**fields: str) -> None:
    """Binds `fields` for the rest of the current context: an HTTP request's or a pooled
    job's, each of which runs in a context of its own."""
    _FIELDS.set(MappingProxyType({**_FIELDS.get(), **fields}))


def fields() -> Mapping[str, str]:
    return _FIELDS.get()


def in_fresh_context(work: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    """Runs `work` in an empty context: nothing bound by an earlier request on the same
    thread leaks into it, nor anything it binds into the next."""
    return contextvars.Context().run(work, *args, **kwargs)


class ContextFilter(logging.Filter):
    """Copies the bound fields onto each record (a handler filter: it sees every record)."""

    def filter(self, record: logging.LogRecord) -> bool:
        for name, value in _FIELDS.get().items():
            setattr(record, name, value)
        return True
