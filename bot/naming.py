"""Slack channel names for incidents. Pure."""

import html
import re
import unicodedata
from typing import Final

MAX_CHANNEL_NAME: Final = 80
_NOT_ALLOWED: Final = re.compile(r"[^a-z0-9]+")


def slug(text: str) -> str:
    """Lowercase ASCII words joined by hyphens: 'Checkout API 500s!' -> 'checkout-api-500s'."""
    # Titles keep Slack's markup (&amp; &lt; &gt;): name the channel after what people see.
    ascii_text = (
        unicodedata.normalize("NFKD", html.unescape(text)).encode("ascii", "ignore").decode()
    )
    return _NOT_ALLOWED.sub("-", ascii_text.lower()).strip("-")


def channel_name(prefix: str, ref: str, title: str, attempt: int = 1) -> str:
    """`inc-2026-0042-checkout-api-500s`, within Slack's 80 characters; from the second
    attempt on a `-2`, `-3`… suffix, for when the name is taken."""
    suffix = f"-{attempt}" if attempt > 1 else ""
    base = f"{prefix}-{slug(ref.removeprefix('INC-'))}"
    room = MAX_CHANNEL_NAME - len(base) - len(suffix) - 1
    words = slug(title)[:room].rstrip("-") if room > 0 else ""
    return f"{base}-{words}{suffix}" if words else f"{base}{suffix}"
