"""Web API methods: one function each, registered by name in `METHODS`.

`registry` holds the registry and what several methods share. Each of the other modules is one
Slack family and registers its methods when imported: `users` (auth, users, apps),
`conversations`, `chat`, `pins`, `bookmarks`, `views`, `files` (the external upload), `canvases`.
"""

from . import bookmarks, canvases, chat, conversations, files, pins, users, views
from .registry import METHODS

__all__ = [
    "METHODS",
    "bookmarks",
    "canvases",
    "chat",
    "conversations",
    "files",
    "pins",
    "users",
    "views",
]
