"""Parsing `/incident update`, `subscribe`, `unsubscribe`, `publish` and `unpublish`. Pure:
any text gives a request or a UsageError."""

from typing import Final

from bot.errors import UsageError
from bot.refs import normalise_ref
from bot.requests import OpenUpdate, Publish, Subscribe, UpdateRequest

UPDATE_USAGE: Final = {
    "update": "/incident update [INC-…]  (opens the update form)",
    "subscribe": "/incident subscribe [INC-…]  (its updates by direct message)",
    "unsubscribe": "/incident unsubscribe [INC-…]",
    "publish": "/incident publish [INC-…]  (shows it on the status page)",
    "unpublish": "/incident unpublish [INC-…]",
}


def _only_ref(rest: str, verb: str) -> str | None:
    words = rest.split()
    if not words:
        return None
    ref = normalise_ref(words[0])
    if ref is None or len(words) > 1:
        raise UsageError(f"`{verb}` takes only an incident ID like `INC-2026-0042`.")
    return ref


def parse_update(rest: str, _: list[str]) -> UpdateRequest:
    return OpenUpdate(_only_ref(rest, "update"))


def parse_subscribe(rest: str, _: list[str]) -> UpdateRequest:
    return Subscribe(_only_ref(rest, "subscribe"), follow=True)


def parse_unsubscribe(rest: str, _: list[str]) -> UpdateRequest:
    return Subscribe(_only_ref(rest, "unsubscribe"), follow=False)


def parse_publish(rest: str, _: list[str]) -> UpdateRequest:
    return Publish(_only_ref(rest, "publish"), publish=True)


def parse_unpublish(rest: str, _: list[str]) -> UpdateRequest:
    return Publish(_only_ref(rest, "unpublish"), publish=False)


UPDATE_PARSERS: Final = {
    "update": parse_update,
    "subscribe": parse_subscribe,
    "unsubscribe": parse_unsubscribe,
    "publish": parse_publish,
    "unpublish": parse_unpublish,
}
